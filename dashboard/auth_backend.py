"""Django's model backend, reading a person and their permissions in one query instead of three.

`ModelBackend` reads the permissions given to the user and those of their groups (roles) with a query each,
once per request (then kept on the user object for the rest of it). This backend reads them with the person's
row, in the same query (on PostgreSQL and SQLite; a query of their own elsewhere), a fixed SQL statement built
once per process from the models' tables (composing these queries with the ORM on every request cost more CPU
than all the rest of an htmx fragment). They are still read on every request, from the database: a role taken away
applies from the person's next request.

It also loads the signed-in person, in the same query, with flags that spare most requests a query each:
- whether they are limited to some merchants (`dashboard/merchant_scope.py`): a person without a limit,
  nearly everyone, costs no query for it; a limited person's merchants are read once, when first needed;
- whether their role must use a second factor (`MFA_REQUIRED_ROLES`, `dashboard/two_factor.py`);
- the ids of their confirmed authenticator and recovery-code devices, so that the session's verifying
  device is known to still exist without reading it (`dashboard/two_factor_session.py`).
"""

# ruff: noqa: S608  (the statements below are built from the models' own table and column names, quoted by the
# database backend; every value is a query parameter)
from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, router
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import two_factor
from dashboard.merchant_scope import LIMIT_FLAG
from dashboard.models import MerchantAccess

PERMISSIONS_FLAG = "_loaded_permissions"  # the row's column with the person's permissions


@cache
def _user_sql(vendor: str, roles: frozenset[str]) -> str:
    """The person's row and the flags above; parameters: the pk, then the sorted roles. Keyed by `vendor`."""
    q = connections[router.db_for_read(User)].ops.quote_name
    user_groups = User.groups.through._meta

    def col(model: Any, field: str) -> str:
        return q(model._meta.get_field(field).column)

    def first_confirmed(model: Any) -> str:
        return (
            f"(SELECT MIN(d.{col(model, 'id')}) FROM {q(model._meta.db_table)} d"
            f" WHERE d.{col(model, 'user')} = u.{col(User, 'id')} AND d.{col(model, 'confirmed')} = %s)"
        )

    columns = [
        f"EXISTS(SELECT 1 FROM {q(MerchantAccess._meta.db_table)} ma"
        f" WHERE ma.{col(MerchantAccess, 'user')} = u.{col(User, 'id')}) AS {q(LIMIT_FLAG)}",
        f"{first_confirmed(TOTPDevice)} AS {q(two_factor.TOTP_FLAG)}",
        f"{first_confirmed(StaticDevice)} AS {q(two_factor.STATIC_FLAG)}",
    ]
    if perms := _permissions_column(vendor):
        columns.append(f"{perms} AS {q(PERMISSIONS_FLAG)}")
    if roles:
        names = ", ".join(["%s"] * len(roles))
        columns.append(
            f"EXISTS(SELECT 1 FROM {q(user_groups.db_table)} ug INNER JOIN {q(Group._meta.db_table)} g"
            f" ON g.{col(Group, 'id')} = ug.{q(user_groups.get_field('group').column)}"
            f" WHERE ug.{q(user_groups.get_field('user').column)} = u.{col(User, 'id')}"
            f" AND g.{col(Group, 'name')} IN ({names})) AS {q(two_factor.REQUIRED_FLAG)}"
        )
    return f"SELECT u.*, {', '.join(columns)} FROM {q(User._meta.db_table)} u WHERE u.{col(User, 'id')} = %s"


def _permissions_column(vendor: str) -> str:
    """The person's permissions as one value of their row ("app_label.codename" each: a PostgreSQL array, a JSON
    array on SQLite; all of them for a superuser, as ModelBackend reads them), or "" on another database (then
    `_permissions_sql` reads them, a query of their own)."""
    q = connections[router.db_for_read(Permission)].ops.quote_name
    if vendor == "postgresql":
        name, wrap = f"ct.{q('app_label')} || '.' || p.{q('codename')}", "ARRAY(SELECT {} {})"
    elif vendor == "sqlite":
        name, wrap = f"ct.{q('app_label')} || '.' || p.{q('codename')}", "(SELECT json_group_array({}) {})"
    else:
        return ""
    user_meta: Any = User._meta
    superuser = q(user_meta.get_field("is_superuser").column)
    user_id = f"u.{q(user_meta.get_field('id').column)}"
    source = f"{_permissions_from(q)} WHERE u.{superuser} OR {_granted(q, user_id)}"
    return wrap.format(name, source)


def _permissions_from(q: Any) -> str:
    return (
        f"FROM {q(Permission._meta.db_table)} p"
        f" INNER JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')}"
    )


def _granted(q: Any, user_id: str) -> str:
    """The condition on a permission `p` given to the user `user_id` (an SQL expression: a column or %s)
    directly or through one of their groups."""
    user_perms = User.user_permissions.through._meta
    user_groups = User.groups.through._meta
    group_perms = Group.permissions.through._meta

    def column(meta: Any, field: str) -> str:
        return q(meta.get_field(field).column)

    return (
        f"(p.{q('id')} IN (SELECT {column(user_perms, 'permission')} FROM {q(user_perms.db_table)}"
        f" WHERE {column(user_perms, 'user')} = {user_id})"
        f" OR p.{q('id')} IN (SELECT gp.{column(group_perms, 'permission')} FROM {q(group_perms.db_table)} gp"
        f" INNER JOIN {q(user_groups.db_table)} ug"
        f" ON ug.{column(user_groups, 'group')} = gp.{column(group_perms, 'group')}"
        f" WHERE ug.{column(user_groups, 'user')} = {user_id}))"
    )


def _loaded_permissions(value: Any) -> set[str] | None:
    """The permissions column as a set; None when the row has none (another database)."""
    if value is None:
        return None
    return set(json.loads(value) if isinstance(value, str) else value)


@cache
def _permissions_sql(vendor: str) -> str:
    """The user's own and their groups' permissions, as (app_label, codename) rows; `vendor` keys the cache."""
    q = connections[router.db_for_read(Permission)].ops.quote_name
    return f"SELECT ct.{q('app_label')}, p.{q('codename')} {_permissions_from(q)} WHERE {_granted(q, '%s')}"


class ModelBackendOneQuery(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        roles = two_factor.required_roles()
        db = router.db_for_read(User)
        sql = _user_sql(connections[db].vendor, roles)
        # A raw query (Django's RawQuerySet: the model's own converters, no ORM compilation per request).
        found = list(User._default_manager.db_manager(db).raw(sql, [True, True, *sorted(roles), pk]))
        if not found:
            return None
        user = found[0]
        if roles:
            setattr(user, two_factor.REQUIRED_ROLES_FLAG, roles)
        loaded = _loaded_permissions(user.__dict__.pop(PERMISSIONS_FLAG, None))
        if loaded is not None:
            user._perm_cache = loaded  # type: ignore[attr-defined]  # what get_all_permissions keeps  # which roles the flag was computed for
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                connection = connections[router.db_for_read(Permission)]
                with connection.cursor() as cursor:
                    cursor.execute(_permissions_sql(connection.vendor), [user_obj.pk, user_obj.pk])
                    rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        perms: set[str] = user_obj._perm_cache
        return perms
