"""Full-text index of public papers: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Raw SQL because neither table is a Django model; each branch is a no-op on the
other database. No foreign key to papers: Django's flush truncates only model
tables, and the refresh drops rows of papers that are gone.
"""

from django.db import migrations

SQLITE_CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS digests_paper_search USING fts5(
    title, authors, abstract, summaries, fingerprint UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
POSTGRES_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS digests_paper_search (
        paper_id bigint PRIMARY KEY,
        fingerprint varchar(200) NOT NULL,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS digests_paper_search_document ON digests_paper_search USING GIN (document)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS digests_paper_search")


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0001_initial"),
        ("papers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
