import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dialer_site.demo import DEMO_USERS, create_demo_users, demo_password, load_demo_data


class Command(BaseCommand):
    help = (
        "Create one demo login per role and load the demo data. The password is "
        "DIALER_ADMIN_PASSWORD if set, else one generated once and kept in var/."
    )

    def handle(self, *args, **options):
        # The demo's provider accounts call the sandbox under /sandbox/.
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                _(
                    "The demo needs the provider sandbox, which is off (it is off by default "
                    "when DEBUG=0). Set SANDBOX_ENABLED=1 to load the demo."
                )
            )
        password = demo_password(os.environ.get("DIALER_ADMIN_PASSWORD"))
        create_demo_users(password)
        for summary in load_demo_data():
            if summary:
                self.stdout.write(f"  {summary}")
        width = max(len(name) for name, _ in DEMO_USERS)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (all share one password):"))
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username.ljust(width)}  {role}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(_("Open %(url)s and sign in.") % {"url": settings.SITE_URL})
