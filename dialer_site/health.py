"""Health of the parts the app needs: the database, the task queue, and the background
work (none of it running past its lease: dialer_site.recovery)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from .recovery import overdue

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


def work_health(now=None) -> dict:
    """Work that outlived its lease, by kind: its worker died and no recovery sweep
    (run by any live worker) has taken it up yet."""
    try:
        counts = overdue(now)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": not any(counts.values()), "overdue": counts}


def system_health() -> dict:
    database = database_health()
    if not database["ok"]:
        down = {"ok": False, "error": "database down"}
        return {"ok": False, "database": database, "task_queue": down, "work": down}
    queue = task_queue_health()
    work = work_health()
    return {
        "ok": queue["ok"] and work["ok"],
        "database": database,
        "task_queue": queue,
        "work": work,
    }
