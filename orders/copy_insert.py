"""Insert many new rows of one model at once: on PostgreSQL through `COPY ... FROM STDIN`, elsewhere `bulk_create`.

A first import inserts an order with its transactions, refunds, offers, udfs and timeline events a batch at a time.
Django's `bulk_create` on PostgreSQL sends each column as an array into `UNNEST`, and psycopg's client-side
cursor quotes those arrays element by element in Python: that was a quarter of a first import's CPU. COPY's rows
are formatted by psycopg's C code instead. Primary keys are taken from the table's sequence first (one
`nextval` query for the batch), so the rows' children can name them, exactly as `bulk_create` sets them.

Like `bulk_create`: no `save()`, no signals; each field's `pre_save` (auto_now_add) and database preparation run
as they would; a related object assigned before it was saved is read for its key now. A unique violation raises
Django's `IntegrityError`, and the enclosing transaction (the caller's `atomic`) is left to roll back.

Each value goes through its field's `get_db_prep_save` except where that is the identity: a `str` (or None) in a
plain `CharField`/`TextField`, an `int` in a plain integer field or foreign key, a `bool` in a `BooleanField`
(`tests/orders/test_copy_insert.py` checks the shortcut against the fields' own preparation). The database
wrapper is resolved once per call, not through `django.db.connection`'s per-thread proxy for every value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute, ForwardManyToOneDescriptor
from django.db.models.query_utils import DeferredAttribute

type Prepare = Callable[[models.Model, BaseDatabaseWrapper], Any]

# Field classes (exactly these, not subclasses that may override preparation) whose `get_db_prep_save` returns
# a value of the given type, or None, unchanged; and whose `pre_save` is `Field.pre_save` (the attribute).
_PASS_THROUGH: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.BigAutoField: int,
    models.AutoField: int,
}


def _preparer(field: models.Field[Any, Any]) -> Prepare:
    """How one field's database value is read off a row."""
    attname = field.attname
    kind = _PASS_THROUGH.get(type(field))
    if isinstance(field, models.ForeignKey) and type(field) is models.ForeignKey:
        kind = _PASS_THROUGH.get(type(field.target_field))
    if kind is not None and type(field).pre_save is models.Field.pre_save:

        def plain(row: models.Model, connection: BaseDatabaseWrapper) -> Any:
            value = getattr(row, attname)
            if value is None or type(value) is kind:
                return value
            return field.get_db_prep_save(value, connection)

        return plain

    def prepared(row: models.Model, connection: BaseDatabaseWrapper) -> Any:
        return field.get_db_prep_save(field.pre_save(row, True), connection)

    return prepared


@cache
def _plan(model: type[models.Model]) -> tuple[list[models.Field[Any, Any]], list[Prepare], list[models.ForeignKey]]:
    """The columns COPY writes (primary key first), how each is prepared, and the foreign keys to resolve."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk and not f.generated]
    foreign = [f for f in fields if isinstance(f, models.ForeignKey)]
    return [pk, *fields], [_preparer(f) for f in fields], foreign


def _resolve_related(row: models.Model, foreign: list[models.ForeignKey]) -> None:
    """Django's `_prepare_related_fields_for_save` for the foreign keys of a row about to be inserted: a related
    object assigned before it was saved gives its key now; one still unsaved is an error, as in `bulk_create`."""
    for field in foreign:
        if not field.is_cached(row):
            continue
        related = field.get_cached_value(row)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(
                f"bulk_create() prohibited to prevent data loss due to unsaved related object '{field.name}'."
            )
        key = getattr(related, field.target_field.attname)
        current = getattr(row, field.attname)
        if current in field.empty_values:
            row.__dict__[field.attname] = key  # as `setattr(row, field.name, related)`: the cached object stays
        elif current != key:
            field.delete_cached_value(row)


# (name, attname, foreign key or None, field) of every concrete field, when a model's rows can be built directly
type Construction = list[tuple[str, str, models.ForeignKey | None, models.Field[Any, Any]]]


@cache
def _construction(model: type[models.Model]) -> Construction | None:
    """How `new_row` builds a row of `model`, or None when it cannot (`Model.__init__` then): every concrete field
    must be a plain column (Django's `DeferredAttribute`) or a plain many-to-one key."""
    plan: Construction = []
    for field in model._meta.concrete_fields:
        descriptor = model.__dict__.get(field.attname)
        if isinstance(field, models.ForeignKey):
            if (
                type(field) is not models.ForeignKey
                or type(descriptor) is not ForeignKeyDeferredAttribute
                or type(model.__dict__.get(field.name)) is not ForwardManyToOneDescriptor
            ):
                return None
            plan.append((field.name, field.attname, field, field))
        elif type(descriptor) is DeferredAttribute:
            plan.append((field.name, field.attname, None, field))
        else:
            return None
    return plan


def new_row[Row: models.Model](model: type[Row], /, **values: Any) -> Row:
    """`model(**values)` for a row on its way to `insert_rows`, built without `Model.__init__` (its keyword walk
    over every field was a seventh of a first import's applying): each field set from `values` (a foreign key
    by its object, which is cached, or by its `attname`) or its default. Falls back to `model(**values)` for a
    model with `pre_init`/`post_init` receivers, a field it does not know, or a name that is not a field."""
    plan = _construction(model)
    if plan is None or models.signals.pre_init.has_listeners(model) or models.signals.post_init.has_listeners(model):
        return model(**values)
    row = model.__new__(model)
    state = row._state = ModelState()
    data = row.__dict__
    left = len(values)
    for name, attname, foreign, field in plan:
        if foreign is not None and name in values:
            related = values[name]
            left -= 1
            if related is not None and not isinstance(related, foreign.remote_field.model):
                return model(**values)  # let Django word the error
            data[attname] = None if related is None else getattr(related, foreign.target_field.attname)
            state.fields_cache[name] = related
            if related is not None and state.db is None:
                state.db = related._state.db
        elif attname in values:
            data[attname] = values[attname]
            left -= 1
        else:
            data[attname] = field.get_default()
    if left:  # a name that is no concrete field (or one given twice): Django's own handling or error
        return model(**values)
    return row


def insert_rows[Row: models.Model](model: type[Row], rows: Sequence[Row]) -> None:
    """INSERT `rows` (new, unsaved instances of `model`), setting each one's primary key."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=500)
        return
    meta = model._meta
    columns_of, prepares, foreign = _plan(model)
    pk_attname = columns_of[0].attname
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in columns_of)  # concrete fields: never None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, columns_of[0].column, len(rows)],
        )
        for row, (key,) in zip(rows, cursor.fetchall(), strict=True):
            _resolve_related(row, foreign)
            setattr(row, pk_attname, key)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608 (names from the model)
            ) as copy,
        ):
            write = copy.write_row
            for row in rows:
                write([getattr(row, pk_attname), *[prepare(row, connection) for prepare in prepares]])
    alias = connection.alias
    for row in rows:
        row._state.adding = False
        row._state.db = alias
