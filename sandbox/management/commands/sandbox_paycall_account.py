"""Create or update a Paycall account in the sandbox, so a provider account with the
same user name and password can place (simulated) calls against it.

    manage.py sandbox_paycall_account "Demo" --username demo --password s3cret --answer-rate 0.65
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sandbox import registry


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("the sandbox account's name"))
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--answer-rate", type=float, help=_("share of calls answered (default 0.7)")
        )

    def handle(self, *args, **options):
        knobs = {} if options["answer_rate"] is None else {"answer_rate": options["answer_rate"]}
        account = registry.paycall_account(
            name=options["name"],
            username=options["username"],
            password=options["password"],
            **knobs,
        )
        self.stdout.write(_("Sandbox Paycall account %(name)r is ready.") % {"name": account.name})
