"""Template tags of the shared list-filter partial (templates/orders/_list_filters.html)."""

from django import forms, template
from django.http import HttpRequest

from dashboard.list_filters import FilterBar, FilterChip, active_chips, split_fields

register = template.Library()


@register.simple_tag
def filter_bar(form: forms.Form, request: HttpRequest, primary: str) -> FilterBar:
    """`{% filter_bar filter.form request "q status period" as bar %}`: bar.primary, bar.secondary."""
    return split_fields(form, primary.split(), request.GET)


@register.simple_tag
def filter_chips(form: forms.Form, request: HttpRequest) -> list[FilterChip]:
    """`{% filter_chips filter.form request as chips %}`: the active filters, each with its removal link."""
    return active_chips(form, request.GET, request.path)
