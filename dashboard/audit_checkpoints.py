"""Signed checkpoints of the audit log's head, kept outside the database, so tampering shows at the tail too.

The hash chain (dashboard/audit.py) shows any row edited, deleted or reordered *before* the last row, but not
rows cut off the end: deleting the newest rows, or TRUNCATE, leaves a shorter chain that is still intact.
A checkpoint anchors the head outside the table: one JSON line
`{"sequence": N, "hash": "...", "at": "...", "hmac": "..."}` appended to `AUDIT_CHECKPOINT_PATH`, where
`hmac` = HMAC-SHA256(AUDIT_HMAC_KEY, canonical JSON of sequence, hash and time). Checkpoints are written on
a schedule (Celery beat `dashboard.tasks.write_audit_checkpoint`, or `make run`'s in-process sweep) and after
every successful `verify_audit`; each line is also logged to the `dashboard.audit.checkpoint` logger, which
`AUDIT_CHECKPOINT_SYSLOG` can send to a syslog server as well.

`verify()` walks the chain and then compares its head with the latest checkpoint: the chain must hold at
least the checkpoint's events, and its row at that sequence must carry the checkpoint's hash (the hash
covers every row before it). The file must be one that the application's database role cannot rewrite and
that the application can only append to: see the README's "Audit log" section.
"""

import fcntl
import hashlib
import hmac as hmac_lib
import json
import logging
import logging.handlers
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dashboard.audit import GENESIS_HASH, ChainReport, verify_chain
from dashboard.models import AuditEvent

log = logging.getLogger("dashboard.audit.checkpoint")


class CheckpointFileError(Exception):
    """The checkpoint file holds a line that is not a checkpoint signed with AUDIT_HMAC_KEY."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int  # the number of events in the log (the head's sequence; 0 for an empty log)
    hash: str  # the head's hash (GENESIS_HASH for an empty log)
    at: str  # ISO time the checkpoint was taken, UTC

    def signature(self) -> str:
        body = json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()
        return hmac_lib.new(settings.AUDIT_HMAC_KEY.encode(), body, hashlib.sha256).hexdigest()

    def line(self) -> str:
        return json.dumps({**asdict(self), "hmac": self.signature()}, sort_keys=True) + "\n"


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def current_head() -> Checkpoint:
    last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
    at = timezone.now().isoformat(timespec="seconds")
    if last is None:
        return Checkpoint(0, GENESIS_HASH, at)
    return Checkpoint(last["sequence"], last["hash"], at)


def parse_line(text: str, number: int) -> Checkpoint:
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(int(data["sequence"]), str(data["hash"]), str(data["at"]))
        signature = str(data["hmac"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointFileError(f"line {number} of {checkpoint_path()} is not a checkpoint ({exc})") from exc
    if not hmac_lib.compare_digest(checkpoint.signature(), signature):
        raise CheckpointFileError(f"line {number} of {checkpoint_path()} is not signed with AUDIT_HMAC_KEY")
    return checkpoint


def read_checkpoints() -> Iterator[Checkpoint]:
    """Every checkpoint in the file, oldest first; none when there is no file yet."""
    path = checkpoint_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield parse_line(text, number)


def latest_checkpoint() -> Checkpoint | None:
    """The last checkpoint, after checking that every line is signed and that none names fewer events than
    one before it (a file cut or rewritten by hand)."""
    latest: Checkpoint | None = None
    for checkpoint in read_checkpoints():
        if latest is not None and checkpoint.sequence < latest.sequence:
            raise CheckpointFileError(
                f"the checkpoint of {checkpoint.at} names {checkpoint.sequence} event(s), fewer than the "
                f"{latest.sequence} of the one of {latest.at} before it"
            )
        latest = checkpoint
    return latest


@cache
def _syslog() -> logging.Handler | None:
    target = settings.AUDIT_CHECKPOINT_SYSLOG
    if not target:
        return None
    if target.startswith("/"):
        return logging.handlers.SysLogHandler(address=target)
    host, _, port = target.rpartition(":")
    return logging.handlers.SysLogHandler(address=(host or target, int(port) if host else 514))


def _append(line: str) -> None:
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND only: the file may be made append-only (`chattr +a`), and writers on several hosts or
    # processes take an exclusive lock so lines never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint() -> Checkpoint:
    """Append a signed checkpoint of the log's current head (and log it, to syslog too when configured)."""
    checkpoint = current_head()
    line = checkpoint.line()
    _append(line)
    log.info("audit checkpoint %s", line.strip())
    handler = _syslog()
    if handler is not None:
        handler.emit(
            log.makeRecord(log.name, logging.INFO, __file__, 0, "juspay-ops audit checkpoint %s", (line.strip(),), None)
        )
    return checkpoint


@dataclass(frozen=True)
class Verification:
    chain: ChainReport
    checkpoint: Checkpoint | None = None
    problem: str = ""  # set when the chain is intact but does not match the checkpoint (or the file is bad)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problem


def _compare(chain: ChainReport, checkpoint: Checkpoint) -> str:
    if chain.checked < checkpoint.sequence:
        return (
            f"the log holds {chain.checked} event(s) but the checkpoint of {checkpoint.at} counted "
            f"{checkpoint.sequence}: the newest rows were deleted or the table was emptied"
        )
    if checkpoint.sequence == 0:
        return ""
    row_hash = AuditEvent.objects.filter(sequence=checkpoint.sequence).values_list("hash", flat=True).first()
    if row_hash != checkpoint.hash:
        return (
            f"event {checkpoint.sequence} does not carry the hash the checkpoint of {checkpoint.at} recorded: "
            f"the log was replaced by a different chain"
        )
    return ""


def verify(*, write: bool = True) -> Verification:
    """Walk the chain, compare its head with the latest checkpoint and, when both hold, write a new one."""
    try:
        checkpoint = latest_checkpoint()
    except (CheckpointFileError, OSError) as exc:
        return Verification(verify_chain(), None, f"checkpoint file: {exc}")
    chain = verify_chain()
    if not chain.ok:
        return Verification(chain, checkpoint)
    problem = _compare(chain, checkpoint) if checkpoint is not None else ""
    if not problem and write:
        write_checkpoint()
    return Verification(chain, checkpoint, problem)
