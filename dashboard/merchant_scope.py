"""Per-merchant access: the one layer that decides which merchants' objects a person may see.

An Admin may limit a person to some merchants (`models.MerchantAccess`, set on the People page); a person
without a limit sees every merchant. Like NetBox's restricted querysets, every model that carries a merchant
gets `.visible_to(user)` from `MerchantScopedQuerySet`, and each entry point (selectors, list views, API
viewsets' `get_queryset`, the search functions) starts from it, so an object of another merchant is never
listed, counted or found: its page answers 404, as for an object that does not exist. The KPIs, read from
rollup tables keyed by merchant, sum the allowed merchants' cells (`of_merchants`). The audit log stays
whole: it is not scoped, but its rows link only to the objects the viewer may open (dashboard/audit_registry.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from dashboard.models import Merchant, MerchantAccess

Viewer = AbstractBaseUser | AnonymousUser | None  # None: the system itself (tasks, commands)

# Which merchants a KPI or a query covers: None (all), one merchant's pk, or a set of pks.
MerchantIds = int | frozenset[int] | None

_CACHE = "_allowed_merchant_ids"
# Set by dashboard/auth_backend.py on the signed-in person, in the query that loads them: False means no limit.
LIMIT_FLAG = "merchant_limited"
_M = TypeVar("_M", bound=models.Model)


def allowed_merchant_ids(user: Viewer) -> frozenset[int] | None:
    """The pks of the merchants `user` is limited to, or None when they see every merchant. `None` as the
    user is the system itself (tasks, commands): every merchant. Anonymous sees none. Cached on the user
    object, so one request asks the database once."""
    if user is None:
        return None
    if not user.is_authenticated:
        return frozenset()
    cached = user.__dict__.get(_CACHE, ...)
    if cached is not ...:
        return cached
    flag = getattr(user, LIMIT_FLAG, None)  # SQLite answers 0/1, PostgreSQL a boolean
    if flag is not None and not flag:
        user.__dict__[_CACHE] = None
        return None
    ids = frozenset(MerchantAccess.objects.filter(user_id=user.pk).values_list("merchant_id", flat=True))
    result = ids or None
    user.__dict__[_CACHE] = result
    return result


def forget(user: Any) -> None:
    """Drop the cached limit (after it changed)."""
    user.__dict__.pop(_CACHE, None)


def is_limited(user: Viewer) -> bool:
    return allowed_merchant_ids(user) is not None


def may_see_merchant(user: Viewer, merchant_pk: int | None) -> bool:
    allowed = allowed_merchant_ids(user)
    return allowed is None or merchant_pk in allowed


def of_merchants[Q: models.QuerySet[Any]](rows: Q, merchants: MerchantIds, field: str = "merchant_id") -> Q:
    """`rows` of the merchants given: all of them (None), one (a pk) or several (a set of pks)."""
    if merchants is None:
        return rows
    if isinstance(merchants, int):
        return rows.filter(**{field: merchants})
    return rows.filter(**{f"{field}__in": merchants})


def visible_merchants(user: Viewer) -> models.QuerySet[Merchant]:
    """The merchant accounts `user` may see (pickers, the merchants page, the sync health page)."""
    return of_merchants(Merchant.objects.all(), allowed_merchant_ids(user), field="pk")


def kpi_merchants(user: Viewer, chosen: int | None) -> MerchantIds:
    """What a KPI covers: the chosen merchant, else every merchant `user` may see ("all" = all allowed)."""
    return chosen if chosen is not None else allowed_merchant_ids(user)


class MerchantScopedQuerySet(models.QuerySet[_M]):
    """The queryset of a model that carries a merchant: `.visible_to(user)` keeps the rows of the merchants
    `user` may see. `merchant_field` names the path to the merchant's pk."""

    merchant_field = "merchant_id"

    def visible_to(self, user: Viewer) -> MerchantScopedQuerySet[_M]:
        return of_merchants(self, allowed_merchant_ids(user), self.merchant_field)


class OrderScopedQuerySet(MerchantScopedQuerySet[_M]):
    """For rows that belong to an order (notes, timeline events): the order's merchant."""

    merchant_field = "order__merchant_id"


def merchant_pks(merchants: Iterable[Merchant | int]) -> list[int]:
    return sorted({m if isinstance(m, int) else m.pk for m in merchants})


def merchant_choices(request: Any) -> models.QuerySet[Merchant]:
    """A list filter's merchant choices (django-filter calls it with the filterset's request): the merchants the
    person may see, so another merchant's code is "not a valid choice", as an unknown code is."""
    return visible_merchants(getattr(request, "user", None)).order_by("code")
