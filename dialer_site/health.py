"""Health of the parts the app needs: the database and the task queue."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

# A task that has waited this long for a worker means no worker is taking work.
STALE_QUEUE_AFTER = timedelta(minutes=5)


def database_health() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down", reported, not raised
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def task_queue_health(now=None) -> dict:
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    try:
        ready = DBTaskResult.objects.ready()
        waiting = ready.count()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        running = DBTaskResult.objects.running().count()
        failed_last_hour = (
            DBTaskResult.objects.failed().filter(finished_at__gte=now - timedelta(hours=1)).count()
        )
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    oldest_wait = (now - oldest).total_seconds() if oldest else 0.0
    return {
        "ok": oldest_wait < STALE_QUEUE_AFTER.total_seconds(),
        "waiting": waiting,
        "running": running,
        "failed_last_hour": failed_last_hour,
        "oldest_wait_seconds": round(oldest_wait, 1),
    }


def system_health() -> dict:
    database = database_health()
    queue = task_queue_health() if database["ok"] else {"ok": False, "error": "database down"}
    return {"ok": database["ok"] and queue["ok"], "database": database, "task_queue": queue}
