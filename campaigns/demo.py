"""Demo data: one finished campaign against the Paycall sandbox, with CDRs and key
presses, so a newcomer sees progress, charts and the CDR table at once.

The demo is loaded before the web server runs, so the campaign's HTTP requests go to
the site's own WSGI application in-process (a requests adapter): the same URLs and
the same emulator code as with a running server, only no socket. The Paycall flow
is queued (one dialer, uploaded list, start), and its CDRs are pulled with
cdr_by_campaign, so no callback has to reach a server that is not running yet. The
sandbox side (its account, completing the calls) is reached through the sandbox's
management commands, as an operator would.
"""

import io
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from campaigns.cdrs_ingest import ingest_paycall_cdr_csv
from campaigns.checks import CampaignSettings
from campaigns.dispatch import dispatch_finished, dispatch_round
from campaigns.lifecycle import transition
from campaigns.models import Campaign, ProviderAccount
from campaigns.models.campaigns import CampaignState
from campaigns.services import create_campaign, start_campaign
from campaigns.tasks import cdr_file
from flows.models import FlowVersion
from phonelists import services as phonelists
from phonelists.models import PhoneList
from providers import get_client

DEMO_CAMPAIGN = "Demo: foo/bar IVR to 200 contacts"
DEMO_LIST = "Demo: campaign contacts"
DEMO_FLOW = "Demo: foo/bar IVR"
DEMO_ACCOUNT = "Demo: Paycall sandbox (campaigns)"
DEMO_CONTACTS = 200
DEMO_USER, DEMO_PASSWORD = "demo-campaigns", "demo-campaigns-password"
MAX_ROUNDS = 50


class WsgiAdapter(requests.adapters.BaseAdapter):
    """Hands a requests call to this site's WSGI application, in-process."""

    def __init__(self):
        super().__init__()
        self.client = Client(raise_request_exception=False)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in request.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        headers["HTTP_HOST"] = parts.netloc
        answer = self.client.generic(
            request.method,
            path,
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""),
            **headers,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers.update(dict(answer.items()))
        response.raw = io.BytesIO(b"".join(answer) if answer.streaming else answer.content)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        self.client = None


def demo_session() -> requests.Session:
    session = requests.Session()
    session.mount(settings.SITE_URL, WsgiAdapter())
    return session


def demo_account() -> ProviderAccount:
    call_command(
        "sandbox_paycall_account",
        DEMO_ACCOUNT,
        username=DEMO_USER,
        password=DEMO_PASSWORD,
        answer_rate=0.65,
        stdout=io.StringIO(),
    )
    # update_or_create: a demo loaded again under another SITE_URL follows it.
    account, _ = ProviderAccount.objects.update_or_create(
        name=DEMO_ACCOUNT,
        defaults={
            "kind": "paycall",
            "base_url": f"{settings.SITE_URL.rstrip('/')}/sandbox/paycall",
            "credentials": {"username": DEMO_USER, "password": DEMO_PASSWORD},
        },
    )
    return account


def demo_list() -> PhoneList:
    phone_list = PhoneList.objects.filter(name=DEMO_LIST).first()
    if phone_list is None:
        lines = "".join(f"+9725023{i:05d},0723000000,\r\n" for i in range(DEMO_CONTACTS))
        phone_list = phonelists.upload_phone_list(
            name=DEMO_LIST, upload=ContentFile(lines.encode(), name="demo-contacts.csv")
        )
    if not phone_list.is_finished:
        phonelists.run_phone_list_import(phone_list.pk)
        phone_list.refresh_from_db()
    return phone_list


def run_demo_campaign(campaign: Campaign, session: requests.Session) -> None:
    start_campaign(campaign=campaign, reason="Demo data.")
    client = get_client(campaign.account, session=session)
    for _ in range(MAX_ROUNDS):
        dispatch_round(campaign.pk, client=client)
        if dispatch_finished(campaign):
            break
    # The sandbox's own worker would simulate the calls a moment later; do it now.
    call_command(
        "sandbox_complete_calls",
        paycall_campaign=campaign.paycall_unique_id,
        stdout=io.StringIO(),
    )
    ingest_paycall_cdr_csv(campaign, cdr_file(client, campaign.paycall_unique_id))
    campaign.refresh_from_db()
    if campaign.state == CampaignState.RUNNING:
        transition(
            campaign=campaign,
            to_state=CampaignState.COMPLETED,
            reason="Demo data: every call placed and its CDR collected.",
        )


def load() -> str:
    existing = Campaign.objects.filter(name=DEMO_CAMPAIGN).first()
    if existing is not None:
        return f"campaigns: demo campaign already there ({existing.get_state_display()})"
    version = FlowVersion.objects.filter(flow__name=DEMO_FLOW).order_by("-number").first()
    if version is None:
        return f"campaigns: no demo campaign (the flow {DEMO_FLOW!r} is missing)"
    campaign = create_campaign(
        settings=CampaignSettings(
            name=DEMO_CAMPAIGN,
            flow_version=version,
            account=demo_account(),
            phone_list=demo_list(),
            cli="0723000000",
            public_base_url=settings.SITE_URL,
        )
    )
    session = demo_session()
    try:
        run_demo_campaign(campaign, session)
    finally:
        session.close()
    cdrs = campaign.cdrs.count()
    return f"campaigns: demo campaign {campaign.name!r} finished with {cdrs} CDRs"
