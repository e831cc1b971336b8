from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from . import recovery


@task()
def heartbeat() -> str:
    """A task that does nothing but finish: `manage.py check_worker` enqueues it to
    prove that a worker is taking work from the queue."""
    return timezone.now().isoformat()


@task()
def recover_lost_work() -> dict:
    """The periodic recovery sweep (dialer_site.recovery). Its successor is queued
    first, so a worker killed during the sweep does not end the cycle."""
    queue_recovery(delay=recovery.interval())
    return recovery.sweep()


def queue_recovery(*, delay: timedelta) -> None:
    """Queue a recovery sweep `delay` from now, unless one is already waiting: every
    worker queues one as it starts, and the cycle is to stay one. (Two sweeps at once
    are harmless: each change a sweep makes is conditional.)"""
    waiting = DBTaskResult.objects.filter(
        task_path=recover_lost_work.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        recover_lost_work.using(run_after=timezone.now() + delay).enqueue()
