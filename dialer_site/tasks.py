from django.utils import timezone
from django_tasks import task


@task()
def heartbeat() -> str:
    """A task that does nothing but finish: `manage.py check_worker` enqueues it to
    prove that a worker is taking work from the queue."""
    return timezone.now().isoformat()
