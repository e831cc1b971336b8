"""Background work of the phonelists app (run by `manage.py db_worker`)."""

from django_tasks import task

from . import services


@task()
def import_phone_list(phone_list_id: int) -> dict:
    """Import an uploaded list; returns the report. Running it twice is harmless."""
    return services.run_phone_list_import(phone_list_id)
