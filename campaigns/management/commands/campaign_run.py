"""Create a campaign, start it and (with --wait) follow it to the end.

    manage.py campaign_run --flow 3 --list 7 --account 2 --wait --json

The flow's latest published version is used. Calls are sent by the task workers
(`manage.py db_worker`); --inline sends them from this process instead and returns
once all are sent (add --wait to follow the reports to the end as well).
"""

import json
import time

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.analytics import progress, summary
from campaigns.checks import CampaignSettings
from campaigns.dispatch import dispatch_finished
from campaigns.models import Campaign, ProviderAccount
from campaigns.services import CampaignInvalid, create_campaign, start_campaign
from campaigns.tasks import run_slice
from flows.models import FlowVersion
from phonelists.models import PhoneList

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--flow", type=int, required=True, help="flow id")
        parser.add_argument("--list", type=int, required=True, dest="phone_list", help="list id")
        parser.add_argument("--account", type=int, required=True, help="provider account id")
        parser.add_argument("--name", default="", help="campaign name")
        parser.add_argument("--phonon-flow-id", default="")
        parser.add_argument("--iovox-link-id", default="")
        parser.add_argument("--cli", default="")
        parser.add_argument(
            "--public-url",
            default=django_settings.SITE_URL,
            help=_("this site's address as the provider reaches it (for webhooks); SITE_URL"),
        )
        parser.add_argument("--wait", action="store_true", help="follow the campaign to the end")
        parser.add_argument("--inline", action="store_true", help="send the calls from here")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait at most")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        version = FlowVersion.objects.filter(flow_id=options["flow"]).order_by("-number").first()
        if version is None:
            raise CommandError(f"Flow {options['flow']} has no published version; publish it.")
        phone_list = PhoneList.objects.filter(pk=options["phone_list"]).first()
        if phone_list is None:
            raise CommandError(f"There is no phone list {options['phone_list']}.")
        account = ProviderAccount.objects.filter(pk=options["account"]).first()
        if account is None:
            raise CommandError(f"There is no provider account {options['account']}.")
        settings = CampaignSettings(
            name=options["name"] or f"{version} to {phone_list.name}",
            flow_version=version,
            account=account,
            phone_list=phone_list,
            cli=options["cli"],
            phonon_flow_id=options["phonon_flow_id"],
            iovox_link_id=options["iovox_link_id"],
            public_base_url=options["public_url"],
        )
        try:
            campaign = create_campaign(settings=settings)
        except CampaignInvalid as invalid:
            raise CommandError(f"The campaign cannot be created: {invalid}") from None
        start_campaign(campaign=campaign, reason="Started by campaign_run.")
        if not options["json"]:
            self.stdout.write(f"Campaign {campaign.pk} started with {campaign.total_calls} calls.")
        if options["wait"] or options["inline"]:
            campaign = self.follow(campaign, options)
        result = summary(campaign)
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                "Done: {state}; {calls} calls, {answered} answered, {failed} failed, "
                "{duplicates_at_provider} recognised by the provider as already sent.".format(
                    **result
                )
            )

    def follow(self, campaign: Campaign, options) -> Campaign:
        deadline = time.monotonic() + options["timeout"]
        last = None
        while time.monotonic() < deadline:
            if options["inline"] and not dispatch_finished(campaign):
                run_slice(campaign.pk, chain=None, seconds=POLL_SECONDS)
            elif options["inline"] and not options["wait"]:
                return campaign
            else:
                time.sleep(POLL_SECONDS)
            campaign.refresh_from_db()
            if campaign.is_final:
                return campaign
            now = progress(campaign, now=timezone.now())
            line = f"{campaign.state}: {now.settled}/{now.total} ({now.calls_per_minute}/min)"
            if line != last and not options["json"]:
                self.stdout.write(line)
                last = line
        raise CommandError(
            f"Campaign {campaign.pk} did not finish within {options['timeout']} s "
            "(is a worker running? manage.py db_worker)."
        )
