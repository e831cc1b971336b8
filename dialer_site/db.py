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
    it costs a fraction of a second whatever the table's size. SQLite's is cheap too
    (0.16 s for the CDR and call tables after a 100,000-row ingest, in memory) but it
    is skipped there: without statistics SQLite's planner assumes every index is
    selective and uses the ones these pages were built and benchmarked on; the plans
    a sqlite_stat1 table would lead to have not been measured.
    """
    if rows_written < ANALYZE_AFTER_ROWS or connection.vendor != "postgresql":
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_written:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
    return True
