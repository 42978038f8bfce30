"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit table.

TRUNCATE is left to the table owner (tests flush tables with it); run the application under a role
that does not own the table to take that away too (see README).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dashboard_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dashboard_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS dashboard_auditevent_append_only ON dashboard_auditevent;
CREATE TRIGGER dashboard_auditevent_append_only
    BEFORE UPDATE OR DELETE ON dashboard_auditevent
    FOR EACH ROW EXECUTE FUNCTION dashboard_auditevent_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS dashboard_auditevent_append_only ON dashboard_auditevent;
DROP FUNCTION IF EXISTS dashboard_auditevent_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
