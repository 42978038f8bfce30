"""The base of every parsed Juspay answer, and the lenient field types they share.

Why pydantic v2: its lax mode already turns the strings that older Juspay payloads carry ("1551",
"true", "21") into numbers and booleans; `extra="allow"` keeps the fields Juspay keeps adding (its
docs warn parsers must not be strict) instead of dropping them; validation runs in a fast Rust core,
which matters when bulk sync parses thousands of orders; and it is well kept and already a project
dependency. What pydantic does not do by itself is added here:

- amounts are `Decimal`, made from the JSON number's text (10.8 stays 10.8, never 10.800000000000001);
- timestamps become aware datetimes (Juspay sends UTC; zone-less ones are read as UTC);
- `""` in an optional amount, timestamp or block means "not set";
- enumerated fields stay `str`, marked with the vocabulary that documents them, so a value Juspay
  adds later is kept and reported by `unknown_values()` instead of failing the parse;
- fields Juspay sends that we do not model are kept in `model_extra` and reported by
  `unknown_fields()`, at any depth.

A field that still does not fit its type (an amount that is not a number, a date in a format nobody
documents, a block that is a list or a string) does not lose the answer: `JuspayResult.parse` leaves that
one field unset, keeps its value as Juspay sent it in `raw`, and lists it in `parse_problems` (a deeper
misfit costs only its own field; a list item that is not an object costs only that item). Only an answer
whose required identity (`order_id` and `status` of an order, `event_name` of a webhook) cannot be read,
or that is not a JSON object at all, raises `JuspayParseError`, never pydantic's own exception.
`parse(..., lenient=False)` keeps the all-or-nothing behaviour for callers that want it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PrivateAttr, ValidationError

from .enums import Documented
from .errors import JuspayParseError


@dataclass(frozen=True)
class Vocab:
    """Field marker: the documented vocabulary of an enumerated `str` field."""

    vocabulary: type[Documented]


@dataclass(frozen=True)
class UnknownValue:
    path: str
    value: str
    vocabulary: str


@dataclass(frozen=True)
class ParseProblem:
    """A field whose value did not fit its type: left unset in the parsed model, kept as sent in `raw`."""

    path: str  # as `unknown_fields()` writes it: "txn_detail.created", "refunds[1].amount"
    value: Any  # the JSON value Juspay sent there
    message: str  # why it did not fit, in pydantic's words

    def __str__(self) -> str:
        return f"{self.path}={_short(self.value)} (does not fit: {self.message})"

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value, "message": self.message}


# --- Lenient scalar types --------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _to_decimal_input(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float: 10.8, not 10.8000000000000007
    if isinstance(value, str):
        return value.strip()  # "1,551" or "12,5" stay unreadable: a guessed amount is worse than an error
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def none_to_empty_list(value: Any) -> Any:
    return [] if value is None or value == "" else value


def masked_to_none(value: Any) -> Any:
    """Webhooks may send a whole block masked as the string "FILTERED"; a string is never a block."""
    return None if isinstance(value, str) else value


def json_text_to_list(value: Any) -> Any:
    """Older answers carry some arrays as a JSON string holding the array."""
    value = none_to_empty_list(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError(f"not a JSON array: {exc}") from None
    return value


def _json_text_to_object(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError(f"not a JSON object: {exc}") from None
    return value


Money = Annotated[Decimal | None, BeforeValidator(_to_decimal_input)]
Timestamp = Annotated[datetime | None, BeforeValidator(_blank_to_none), AfterValidator(_aware)]
Flag = Annotated[bool | None, BeforeValidator(_blank_to_none)]
Count = Annotated[int | None, BeforeValidator(_blank_to_none)]
JsonObject = Annotated[dict[str, Any] | None, BeforeValidator(_json_text_to_object)]
AnyList = Annotated[list[Any], BeforeValidator(none_to_empty_list)]
StrList = Annotated[list[str], BeforeValidator(none_to_empty_list)]


# --- The base model ----------------------------------------------------------------------------------


class JuspayModel(BaseModel):
    """Every block of every Juspay answer. Keeps unknown fields; reports unknown fields and values."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        coerce_numbers_to_str=True,  # ids and codes sometimes arrive as numbers
    )

    # Walking the tree ---------------------------------------------------------------------------

    @classmethod
    def _field_specs(cls) -> tuple[tuple[str, str, Vocab | None], ...]:
        """(attribute, key as Juspay writes it, vocabulary marker) of every field, worked out once per class:
        bulk sync walks thousands of answers, and scanning each field's metadata every time cost more than
        the validation itself."""
        specs = cls.__dict__.get("_specs_cache")
        if specs is None:
            specs = tuple(
                (name, info.alias or name, next((m for m in info.metadata if isinstance(m, Vocab)), None))
                for name, info in cls.model_fields.items()
            )
            type.__setattr__(cls, "_specs_cache", specs)
        return specs

    def _children(self) -> Iterator[tuple[str, Any, Vocab | None]]:
        values = self.__dict__
        for name, key, marker in self._field_specs():
            yield key, values.get(name), marker

    def _walk(self, path: str) -> Iterator[tuple[str, JuspayModel]]:
        yield path, self
        for key, value, _ in self._children():
            here = f"{path}.{key}" if path else key
            if isinstance(value, JuspayModel):
                yield from value._walk(here)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, JuspayModel):
                        yield from item._walk(f"{here}[{index}]")

    def unknown_fields(self) -> list[str]:
        """Paths of every field Juspay sent that this model does not document, at any depth."""
        found: list[str] = []
        for path, model in self._walk(""):
            for key in model.model_extra or {}:
                found.append(f"{path}.{key}" if path else key)
        return found

    def unknown_values(self) -> list[UnknownValue]:
        """Every enumerated field, at any depth, whose value is not in its documented vocabulary."""
        found: list[UnknownValue] = []
        for path, model in self._walk(""):
            for key, value, marker in model._children():
                if marker is not None and isinstance(value, str) and value and not marker.vocabulary.known(value):
                    found.append(UnknownValue(f"{path}.{key}" if path else key, value, marker.vocabulary.__name__))
            found.extend(model._extra_unknown_values(path))
        return found

    def unknowns(self) -> tuple[list[str], list[UnknownValue]]:
        """`unknown_fields()` and `unknown_values()`, the same lists in the same order, from one walk of the
        answer (bulk sync reads both for every answer it stores)."""
        fields: list[str] = []
        values: list[UnknownValue] = []
        self._collect_unknowns("", fields, values)
        return fields, values

    def _collect_unknowns(self, path: str, fields: list[str], values: list[UnknownValue]) -> None:
        for key in self.model_extra or {}:
            fields.append(f"{path}.{key}" if path else key)
        nested: list[tuple[str, Any]] = []
        data = self.__dict__
        for name, key, marker in self._field_specs():
            value = data.get(name)
            if value is None:
                continue
            if marker is not None and isinstance(value, str) and value and not marker.vocabulary.known(value):
                values.append(UnknownValue(f"{path}.{key}" if path else key, value, marker.vocabulary.__name__))
            elif isinstance(value, JuspayModel | list):
                nested.append((f"{path}.{key}" if path else key, value))
        values.extend(self._extra_unknown_values(path))
        for here, value in nested:
            if isinstance(value, JuspayModel):
                value._collect_unknowns(here, fields, values)
                continue
            for index, item in enumerate(value):
                if isinstance(item, JuspayModel):
                    item._collect_unknowns(f"{here}[{index}]", fields, values)

    def _extra_unknown_values(self, path: str) -> list[UnknownValue]:
        """Hook for fields whose vocabulary depends on another field (payout webhooks)."""
        return []

    @property
    def is_fully_known(self) -> bool:
        return not self.unknown_fields() and not self.unknown_values()


class JuspayResult(JuspayModel):
    """A parsed top-level answer. `raw` is the JSON object exactly as received."""

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _problems: list[ParseProblem] = PrivateAttr(default_factory=list)
    _digest: str = PrivateAttr(default="")

    @property
    def raw(self) -> dict[str, Any]:
        return self._raw

    @property
    def answer_digest(self) -> str:
        """The digest of the answer's bytes (`exchange.answer_digest`) when it was parsed from a fetched
        answer by the async client; "" when unknown (parsed from a decoded object, a webhook, a test)."""
        return self._digest

    def with_digest(self, digest: str) -> Self:
        """This result, remembering the digest of the bytes it was parsed from."""
        self._digest = digest
        return self

    @property
    def parse_problems(self) -> list[ParseProblem]:
        """The fields, at any depth, whose value did not fit their type and were left unset (see the module)."""
        return list(self._problems)

    @property
    def is_fully_known(self) -> bool:
        return super().is_fully_known and not self._problems

    @classmethod
    def parse(cls, data: Any, *, raw_text: str | None = None, lenient: bool = True) -> Self:
        """Validate a decoded JSON object. A field that does not fit is left unset and listed in `parse_problems`
        (`lenient=False`: it raises instead); an unreadable required field raises `JuspayParseError`."""
        if not isinstance(data, Mapping):
            raise JuspayParseError(
                f"expected a JSON object for {cls.__name__}, got {type(data).__name__}",
                raw_text=raw_text if raw_text is not None else _dump(data),
            )
        problems: list[ParseProblem] = []
        try:
            try:
                result = cls.model_validate(data)
            except ValidationError as exc:
                if not lenient:
                    raise
                result, problems = cls._validate_without_misfits(data, exc)
        except ValidationError as exc:
            raise JuspayParseError(
                f"{cls.__name__} does not fit the documented shape: {_summary(exc)}",
                raw_text=raw_text if raw_text is not None else _dump(data),
            ) from exc
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            raise JuspayParseError(
                f"{cls.__name__} could not be read: {exc}", raw_text=raw_text if raw_text is not None else _dump(data)
            ) from exc
        result._raw = dict(data)
        result._problems = problems
        return result

    @classmethod
    def _validate_without_misfits(
        cls, data: Mapping[str, Any], error: ValidationError
    ) -> tuple[Self, list[ParseProblem]]:
        """Validate a copy of `data` from which every value that does not fit is removed, so its field takes its
        default (None, [] ...). A required field that is missing or does not fit removes its enclosing block
        (a nested one) or re-raises (a top-level one: the answer has no identity). Pydantic reports every
        misfit of a document at once, so one round usually suffices; a few more cover blocks that lose a
        required field in the round before."""
        work: dict[str, Any] = copy.deepcopy(dict(data))
        problems: list[ParseProblem] = []
        first = error  # what a caller is told when nothing can be kept: the answer as Juspay sent it
        for _ in range(_MAX_REPAIR_ROUNDS):
            removals: dict[tuple[str | int, ...], ParseProblem] = {}
            for item in error.errors(include_url=False):
                # A misfit's location exists in the data: that value goes. A missing required key's does not:
                # its enclosing block goes, and at the top level there is nothing left to identify the answer.
                path = _existing_prefix(work, item["loc"])
                if not path:
                    raise first
                sent = _at(data, path) if _existing_prefix(data, path) == path else _at(work, path)
                why = item["msg"] if item["type"] != "missing" else f"its required {item['loc'][-1]} is missing"
                removals.setdefault(path, ParseProblem(_path_text(path), sent, why))
            for path in sorted(removals, key=_sort_key, reverse=True):  # deepest and last items first
                _remove(work, path)
            problems.extend(removals.values())
            try:
                return cls.model_validate(work), problems
            except ValidationError as again:
                error = again
        raise first

    @classmethod
    def parse_json(cls, text: str | bytes) -> Self:
        """Decode and validate a JSON text."""
        raw_text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        try:
            data = json.loads(raw_text)
        except (ValueError, RecursionError) as exc:
            raise JuspayParseError(f"not JSON: {exc}", raw_text=raw_text) from exc
        return cls.parse(data, raw_text=raw_text)


_MAX_REPAIR_ROUNDS = 5


def _existing_prefix(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The longest start of pydantic's error location that exists in the data (locations may end in a union
    member's name, or point at a key that is missing)."""
    found: list[str | int] = []
    here = data
    for step in loc:
        in_object = isinstance(here, Mapping) and isinstance(step, str) and step in here
        in_list = isinstance(here, list) and isinstance(step, int) and 0 <= step < len(here)
        if not (in_object or in_list):
            break
        here = here[step]
        found.append(step)
    return tuple(found)


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _remove(data: Any, path: tuple[str | int, ...]) -> None:
    parent = _at(data, path[:-1])
    if isinstance(parent, dict) and path[-1] in parent:
        del parent[path[-1]]
    elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
        parent.pop(path[-1])


def _sort_key(path: tuple[str | int, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, step, "") if isinstance(step, int) else (1, 0, step) for step in path)


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _short(value: Any, limit: int = 80) -> str:
    shown = _dump(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _summary(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3])
    return shown + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else "")


def _dump(data: Any) -> str:
    try:
        return json.dumps(data, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(data)[:10_000]
