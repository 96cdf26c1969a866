"""The audit trail's append-only trigger gains one more exception, for erasure (audit.erasure):
inside a transaction that has set `audit.pseudonymise` to 'on' (SET LOCAL), an UPDATE may
change the columns that can hold a person's name or e-mail address — and nothing else: not the
time, the event, the action, the object, the round, the person link or the IP address. So an
erased person's rows keep their pseudonym, and the record of what happened stays as it was."""

from django.db import migrations

TABLE = "audit_auditentry"

# Columns that may carry a name or an address as text.
TEXT_COLUMNS = (
    "actor_email",
    "attempted_email",
    "object_repr",
    "changes",
    "changes_text",
    "serialized_data",
    "additional_data",
    "path",
    "reason",
)

CREATE = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('audit.pseudonymise', true) = 'on'
       AND (to_jsonb(NEW) - ARRAY[{", ".join(f"'{column}'" for column in TEXT_COLUMNS)}])
         = (to_jsonb(OLD) - ARRAY[{", ".join(f"'{column}'" for column in TEXT_COLUMNS)}]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _run(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % in RAISE is PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_erasure_requests")]

    operations = [migrations.RunPython(_run(CREATE), _run(PREVIOUS))]
