"""Access to Juspay's documented examples in shared/juspay/ (beside the repository, also in CI)."""

import json
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "juspay"
EXAMPLES = SHARED / "examples"


def strip_annotations(value: Any) -> Any:
    """Keys starting with `_` are notes for humans, not part of Juspay's payloads."""
    if isinstance(value, dict):
        return {k: strip_annotations(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [strip_annotations(v) for v in value]
    return value


def example(name: str) -> Any:
    return strip_annotations(json.loads((EXAMPLES / name).read_text()))


def example_text(name: str) -> str:
    return (EXAMPLES / name).read_text().strip()
