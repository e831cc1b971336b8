from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dialer_site.health import STALE_QUEUE_AFTER, task_queue_health
from dialer_site.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue(client):
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["task_queue"] == {
        "ok": True,
        "waiting": 0,
        "running": 0,
        "failed_last_hour": 0,
        "oldest_wait_seconds": 0.0,
    }


@pytest.mark.django_db(transaction=True)
def test_a_task_waiting_too_long_means_no_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    heartbeat.enqueue()
    later = timezone.now() + STALE_QUEUE_AFTER + timedelta(seconds=1)
    health = task_queue_health(now=later)
    assert health["waiting"] == 1 and health["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_runs_queued_tasks(settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = heartbeat.enqueue()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    finished = DBTaskResult.objects.get(id=result.id)
    assert finished.status == "SUCCESSFUL"
    assert task_queue_health()["waiting"] == 0


@pytest.mark.django_db(transaction=True)
def test_check_worker_fails_without_a_worker(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(CommandError, match="No worker ran the heartbeat"):
        call_command("check_worker", timeout=0.6)
