"""PostgreSQL: the prefix indexes of the search box's typeahead (orders.search._prefix_keys).

The database's collation is C.UTF-8 (not "C"), so neither the plain btree Django makes for a `db_index` column
nor its `*_like` (varchar_pattern_ops) twin serves `WHERE col COLLATE "C" >= 'x' AND ... ORDER BY col COLLATE
"C" LIMIT n`. These expression indexes do: one range scan that stops after the limit, however many orders the
prefix matches. They include the creation date and the id, so the scan reads no table row (an index-only scan
once the table is vacuumed). SQLite compares text in code point order already: its plain indexes serve the
same range, so nothing is made there. Built CONCURRENTLY: writes go on while a large table is indexed.
"""

from django.db import migrations

COLUMNS = ("order_id", "customer_id", "email_normalized", "phone_normalized")


def index_name(column: str) -> str:
    return f"orders_order_{column}_c_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index_name(column)} ON orders_order "
            f'(({column} COLLATE "C")) INCLUDE (juspay_created_at, id)',
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(column)}", params=None)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("orders", "0014_syncscale")]
    operations = [migrations.RunPython(forwards, backwards, atomic=False)]
