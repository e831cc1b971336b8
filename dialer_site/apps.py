import sys
from datetime import timedelta

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from .roles import sync_role_permissions

RECOVERY_HOOK = "dialer_site.queue_recovery_on_worker_start"


def queue_recovery_on_worker_start(sender, connection, **kwargs) -> None:
    """A worker's first database connection queues a recovery sweep now (unless one
    waits), so work left by dead workers is picked up as soon as any worker runs."""
    if connection.alias != DEFAULT_DB_ALIAS:
        return
    connection_created.disconnect(dispatch_uid=RECOVERY_HOOK)
    # Local: the tasks module imports models, which cannot load before the apps do.
    from .tasks import queue_recovery

    queue_recovery(delay=timedelta(0))


class DialerSiteConfig(AppConfig):
    name = "dialer_site"
    verbose_name = "Dialer Studio"

    def ready(self):
        # Permissions are created in post_migrate, so roles are given theirs after
        # every migrate: models added by later migrations join their roles at once.
        post_migrate.connect(sync_role_permissions, dispatch_uid="sync_role_permissions")
        # django-tasks has no worker-start signal, and the database is not to be used
        # while apps load: the recovery cycle starts on the worker's first connection.
        if sys.argv[1:2] == ["db_worker"]:
            connection_created.connect(queue_recovery_on_worker_start, dispatch_uid=RECOVERY_HOOK)
