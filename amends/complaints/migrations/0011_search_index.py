"""The keyword search index over `Complaint.search_tokens` (see `complaints/search.py`).

1. Every existing complaint gets its tokens, in batches by primary key (the tokenizer of this
   release; `integrity.seal` keeps them from then on, on every save).
2. PostgreSQL: `search_vector`, a stored generated column `to_tsvector('simple', search_tokens)`
   (not a model field: PostgreSQL keeps it, Django never reads or writes it), and a GIN index on
   it. Not an expression index: measured at 1 M complaints, a common word makes the planner walk
   the recency index and test each row, and recomputing `to_tsvector` cost ~0.2 ms a row
   (100 ms to 20 s a search); reading the stored vector costs a few microseconds. A later
   migration that changes `search_tokens`' type must drop the column first and add it again.
   SQLite: an FTS5 table over the same column, with the complaints table as its external content
   (rowid = complaint id), kept in step by triggers on insert, on a change of the tokens and on
   delete. A later migration that rebuilds the complaints table on SQLite (AlterField does) drops
   these triggers with the old table: it must create them again (`test_search_tokens` checks).
"""

from django.db import migrations

BATCH = 2000
FTS = "complaints_complaint_search"
FIELDS = (
    "reference",
    "description",
    "location",
    "subject_text",
    "customer_request",
    "people_involved",
    "investigation_report",
)

PG_FORWARD = [
    "ALTER TABLE complaints_complaint ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED",
    "CREATE INDEX complaint_search_vector ON complaints_complaint USING gin (search_vector)",
    # The planner must know a rare word is rare (else it walks the recency index and tests every
    # row: 6 s for a word no complaint holds, at 1 M). 10,000 keeps ~100,000 lexemes' frequencies.
    "ALTER TABLE complaints_complaint ALTER COLUMN search_vector SET STATISTICS 10000",
    "ANALYZE complaints_complaint (search_vector)",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS complaint_search_vector",
    "ALTER TABLE complaints_complaint DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "search_tokens, content='complaints_complaint', content_rowid='id', tokenize='ascii')",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON complaints_complaint BEGIN
        INSERT INTO {FTS}(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF search_tokens ON complaints_complaint
    WHEN old.search_tokens IS NOT new.search_tokens BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO {FTS}(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON complaints_complaint BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TABLE IF EXISTS {FTS}",
]


def store_tokens(apps, schema_editor):
    """Tokens for every complaint, BATCH rows at a time (no whole table in memory)."""
    from amends.complaints.search import complaint_tokens

    Complaint = apps.get_model("complaints", "Complaint")
    rows = Complaint.objects.using(schema_editor.connection.alias).only(*FIELDS).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        for complaint in batch:
            complaint.search_tokens = complaint_tokens(complaint)
        Complaint.objects.using(schema_editor.connection.alias).bulk_update(
            batch, ["search_tokens"], batch_size=500
        )
        last = batch[-1].pk


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_REVERSE:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_due_at_search_tokens"),
    ]

    operations = [
        migrations.RunPython(store_tokens, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
