"""Django's model backend, reading a person's permissions in one query instead of two.

`ModelBackend` reads the permissions given to the user and those of their groups (roles) with a query each,
once per request (then kept on the user object for the rest of it). This backend reads both in one query. It is
still read on every request, from the database: a role taken away applies from the person's next request.

It also loads the signed-in person with a flag saying whether they are limited to some merchants
(`dashboard/merchant_scope.py`), in the same query: a person without a limit, nearly everyone, costs no query
for it; a limited person's merchants are read once, when first needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.db.models import Exists, OuterRef, Q

from dashboard.merchant_scope import LIMIT_FLAG
from dashboard.models import MerchantAccess


class ModelBackendOneQuery(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        limited = Exists(MerchantAccess.objects.filter(user_id=OuterRef("pk")))
        try:
            user = User._default_manager.annotate(**{LIMIT_FLAG: limited}).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            rows = permissions.values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        perms: set[str] = user_obj._perm_cache
        return perms
