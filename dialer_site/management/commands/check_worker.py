import time

from django.core.management.base import BaseCommand, CommandError

from dialer_site.tasks import heartbeat


class Command(BaseCommand):
    help = "Enqueue a heartbeat task and wait for a worker to run it (exit 1 if none does)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait.")

    def handle(self, *args, timeout, **options):
        result = heartbeat.enqueue()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result.refresh()
            if result.is_finished:
                self.stdout.write(
                    self.style.SUCCESS(f"A worker ran the heartbeat ({result.status}).")
                )
                return
            time.sleep(0.5)
        raise CommandError(
            f"No worker ran the heartbeat within {timeout:g} s: start `manage.py db_worker`."
        )
