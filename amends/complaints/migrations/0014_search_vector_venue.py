"""The search vector also holds the complaint's venue, as the lexeme `@v<venue id>`
(PostgreSQL only; see `complaints/search.py`).

Measured at 1 M complaints over 20 venues: a venue manager's search for a common five-character
phrase ("电话三次都", 81,000 complaints) counted its first 1,001 matches at their venue by
fetching 20,000 matches at other venues and dropping them (157 ms). With the venue in the
vector, the query asks for `… & '@v1'` and the GIN index intersects the two before a row is
fetched. The planner cannot be led to do this with a second, two-column index: it takes the
AND of a phrase's pairs for a rare match (it multiplies their frequencies) and never adds the
venue to the index condition.

`@` never starts a lexeme of a complaint's own words: tokens are letters and digits only.
The column is generated, so dropping and adding it again rewrites the table (a few minutes at
1 M complaints); a venue's change of a complaint is followed by PostgreSQL itself.
"""

from django.db import migrations

VECTOR = (
    "to_tsvector('simple'::regconfig, search_tokens) "
    "|| array_to_tsvector(ARRAY['@v' || venue_id::text])"
)
OLD_VECTOR = "to_tsvector('simple'::regconfig, search_tokens)"


def _vector(expression: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS complaint_search_vector",
        "ALTER TABLE complaints_complaint DROP COLUMN IF EXISTS search_vector",
        "ALTER TABLE complaints_complaint ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX complaint_search_vector ON complaints_complaint USING gin (search_vector)",
        # As in 0011: the planner must know a rare word is rare.
        "ALTER TABLE complaints_complaint ALTER COLUMN search_vector SET STATISTICS 10000",
        "ANALYZE complaints_complaint (search_vector)",
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in _vector(VECTOR):
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in _vector(OLD_VECTOR):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0013_intake_submission"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
