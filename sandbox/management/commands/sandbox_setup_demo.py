"""Create the demo accounts on both sides: the emulated providers' accounts, and our
provider accounts that point at them under SITE_URL. Running it again changes nothing."""

from django.core.management.base import BaseCommand

from sandbox import demo


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        self.stdout.write(demo.load())
