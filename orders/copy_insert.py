"""Insert many new rows of one model at once: on PostgreSQL through `COPY ... FROM STDIN`, elsewhere `bulk_create`.

A first import inserts an order with its transactions, refunds, offers, udfs and timeline events a batch at a time.
Django's `bulk_create` on PostgreSQL sends each column as an array into `UNNEST`, and psycopg's client-side
cursor quotes those arrays element by element in Python: that was a quarter of a first import's CPU. COPY's rows
are formatted by psycopg's C code instead. Primary keys are taken from the table's sequence first (one
`nextval` query for the batch), so the rows' children can name them, exactly as `bulk_create` sets them.

Like `bulk_create`: no `save()`, no signals; each field's `pre_save` (auto_now_add) and database preparation run
as they would; a related object assigned before it was saved is read for its key now. A unique violation raises
Django's `IntegrityError`, and the enclosing transaction (the caller's `atomic`) is left to roll back.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert_rows[Row: models.Model](model: type[Row], rows: Sequence[Row]) -> None:
    """INSERT `rows` (new, unsaved instances of `model`), setting each one's primary key."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk and not f.generated]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in [pk, *fields])  # concrete fields: never None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        for row, (key,) in zip(rows, cursor.fetchall(), strict=True):
            row._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
            setattr(row, pk.attname, key)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608 (names from the model)
            ) as copy,
        ):
            for row in rows:
                copy.write_row(
                    [getattr(row, pk.attname), *(f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields)]
                )
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
