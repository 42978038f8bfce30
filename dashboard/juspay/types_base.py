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

Anything that still does not fit (an amount that is not a number, a block that is not an object)
raises `JuspayParseError`, never pydantic's own exception.
"""

from __future__ import annotations

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

    def _children(self) -> Iterator[tuple[str, Any, Vocab | None]]:
        for name, info in type(self).model_fields.items():
            marker = next((m for m in info.metadata if isinstance(m, Vocab)), None)
            yield (info.alias or name), getattr(self, name), marker

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

    def _extra_unknown_values(self, path: str) -> list[UnknownValue]:
        """Hook for fields whose vocabulary depends on another field (payout webhooks)."""
        return []

    @property
    def is_fully_known(self) -> bool:
        return not self.unknown_fields() and not self.unknown_values()


class JuspayResult(JuspayModel):
    """A parsed top-level answer. `raw` is the JSON object exactly as received."""

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def raw(self) -> dict[str, Any]:
        return self._raw

    @classmethod
    def parse(cls, data: Any, *, raw_text: str | None = None) -> Self:
        """Validate a decoded JSON object; anything that does not fit raises `JuspayParseError`."""
        if not isinstance(data, Mapping):
            raise JuspayParseError(
                f"expected a JSON object for {cls.__name__}, got {type(data).__name__}",
                raw_text=raw_text if raw_text is not None else _dump(data),
            )
        try:
            result = cls.model_validate(data)
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
        return result

    @classmethod
    def parse_json(cls, text: str | bytes) -> Self:
        """Decode and validate a JSON text."""
        raw_text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        try:
            data = json.loads(raw_text)
        except (ValueError, RecursionError) as exc:
            raise JuspayParseError(f"not JSON: {exc}", raw_text=raw_text) from exc
        return cls.parse(data, raw_text=raw_text)


def _summary(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3])
    return shown + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else "")


def _dump(data: Any) -> str:
    try:
        return json.dumps(data, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(data)[:10_000]
