"""The project's own Juspay payloads, in tests/juspay/payloads/ (README.md there says what each one shows).

One loader for every test: the client's wire tests under tests/juspay/ and the order cache fixtures in
tests/fixtures/orders.py read the same files.
"""

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def example(name: str) -> Any:
    """The parsed JSON payload `name`, e.g. example("order_status_charged.json")."""
    return json.loads((PAYLOADS / name).read_text())


def example_text(name: str) -> str:
    """A form body exactly as it goes on the wire, e.g. example_text("refund_request.form.txt")."""
    return (PAYLOADS / name).read_text().strip()


def payload_names() -> set[str]:
    """Every payload file (JSON answers and form bodies), without the README."""
    return {path.name for path in PAYLOADS.iterdir() if path.suffix in {".json", ".txt"}}
