"""Simulate now the calls the sandbox has accepted, instead of waiting for the worker's
sweep: each gets its outcome and CDR, and its report is sent.

    manage.py sandbox_complete_calls [--paycall-campaign UNIQUE_ID]
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sandbox.models import LedgerCall
from sandbox.tasks import complete_calls


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument(
            "--paycall-campaign",
            default="",
            help=_("only the calls of this Paycall campaign (its unique_id)"),
        )

    def handle(self, *args, **options):
        calls = LedgerCall.objects.all()
        if options["paycall_campaign"]:
            calls = calls.filter(campaign_unique_id=options["paycall_campaign"])
        count = complete_calls(calls)
        self.stdout.write(
            ngettext("%(count)d call completed.", "%(count)d calls completed.", count)
            % {"count": count}
        )
