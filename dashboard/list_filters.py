"""The compact filter bar of the list pages: which fields show in the row, which hide behind "More filters", and
the active filters as removable chips (each a link to the same list without that one parameter)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

# Parameters that page or order a list rather than narrow it: never a chip, and dropped from a chip's link
# (removing a filter starts again from the first page).
NOT_FILTERS = frozenset({"sort", "after", "before", "page"})
PAGING = ("after", "before", "page")


@dataclass(frozen=True)
class FilterChip:
    name: str
    label: str
    value: str
    remove_url: str


@dataclass(frozen=True)
class FilterBar:
    primary: list[forms.BoundField]
    secondary: list[forms.BoundField]
    secondary_active: int


def _choice_labels(field: forms.Field) -> dict[str, str]:
    choices: Iterable[tuple[object, object]] | None = getattr(field, "choices", None)
    inner = getattr(choices, "choices", None)  # django-filter's iterator over choices given as a callable
    if callable(inner):
        choices = inner()
    labels: dict[str, str] = {}
    for value, label in choices or ():
        if isinstance(label, (list, tuple)):  # an optgroup
            labels.update({str(v): str(lbl) for v, lbl in label})
        else:
            labels[str(value)] = str(label)
    return labels


def display_value(field: forms.Field, values: list[str]) -> str:
    """What a person reads for the chosen value(s): a choice's label, else the value as typed."""
    labels = _choice_labels(field)
    return ", ".join(labels.get(value, value) for value in values)


def remove_url(path: str, query: QueryDict, name: str) -> str:
    remaining = query.copy()
    for key in (name, *PAGING):
        remaining.pop(key, None)
    encoded = remaining.urlencode()
    return f"{path}?{encoded}" if encoded else path


def active_chips(form: forms.Form, query: QueryDict, path: str) -> list[FilterChip]:
    chips = []
    for name, field in form.fields.items():
        if name in NOT_FILTERS:
            continue
        values = [value for value in query.getlist(name) if value.strip()]
        if not values:
            continue
        label = str(field.label or name.replace("_", " ").capitalize())
        chips.append(FilterChip(name, label, display_value(field, values), remove_url(path, query, name)))
    return chips


def split_fields(form: forms.Form, primary_names: Iterable[str], query: QueryDict) -> FilterBar:
    """The visible fields in two groups: those named (in that order) for the row, the rest for "More filters"."""
    visible = {bound.name: bound for bound in form.visible_fields()}
    names = [name for name in primary_names if name in visible]
    secondary = [bound for name, bound in visible.items() if name not in names]
    active = sum(1 for bound in secondary if bound.name not in NOT_FILTERS and any(query.getlist(bound.name)))
    return FilterBar(primary=[visible[name] for name in names], secondary=secondary, secondary_active=active)
