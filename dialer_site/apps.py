from django.apps import AppConfig
from django.db.models.signals import post_migrate

from .roles import sync_role_permissions


class DialerSiteConfig(AppConfig):
    name = "dialer_site"
    verbose_name = "Dialer Studio"

    def ready(self):
        # Permissions are created in post_migrate, so roles are given theirs after
        # every migrate: models added by later migrations join their roles at once.
        post_migrate.connect(sync_role_permissions, dispatch_uid="sync_role_permissions")
