"""Database utilities shared by the apps."""

from django.db import connection, models

# A load that wrote at least this many rows refreshes the planner's statistics of the
# tables it wrote: until autovacuum gets to them (minutes later, if at all while the
# load's transaction-sized chunks keep coming), PostgreSQL plans every page of the
# campaign from the statistics of an almost empty table.
ANALYZE_AFTER_ROWS = 10_000


def analyze_after_load(rows_written: int, *models_written: type[models.Model]) -> bool:
    """`ANALYZE` the tables of `models_written` when a load wrote at least
    ANALYZE_AFTER_ROWS rows; returns whether it ran.

    On PostgreSQL ANALYZE reads a fixed sample (30,000 rows per table by default), so
    it costs a fraction of a second whatever the table's size. SQLite has no sample:
    its ANALYZE reads the whole table and every index of it, and without statistics
    its planner already prefers the indexes these pages are built on, so it is skipped
    there.
    """
    if rows_written < ANALYZE_AFTER_ROWS or connection.vendor != "postgresql":
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_written:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
    return True
