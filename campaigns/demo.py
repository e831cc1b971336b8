"""Demo data: a finished campaign for every provider and mode, with CDRs and key
presses, so a newcomer sees progress, charts and call records at once.

The demo is loaded before the web server runs, so every HTTP request (ours to the
emulators, and the emulators' reports back to our webhooks) goes to the site's own
WSGI application in-process (a requests adapter): the same URLs and the same code as
with a running server, only no socket. The sandbox side (its accounts, completing the
calls) is reached through the sandbox's own functions, as its worker would.
"""

import io
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from campaigns.checks import CampaignSettings
from campaigns.dispatch import dispatch_finished, dispatch_round
from campaigns.models import Campaign, ProviderAccount
from campaigns.services import create_campaign, start_campaign
from campaigns.tasks import complete_if_settled, fetch_paycall_cdrs
from flows.models import FlowVersion
from phonelists import services as phonelists
from phonelists.models import PhoneList
from providers import get_client
from sandbox.demo import DEMO_ENCRYPTED_FLOW_ID, DEMO_FLOW_ID, DEMO_LINK_ID
from sandbox.models import LedgerCall
from sandbox.tasks import complete_calls

DEMO_CAMPAIGN = "Demo: foo/bar IVR to 200 contacts"
DEMO_LIST = "Demo: campaign contacts"
DEMO_FLOW = "Demo: foo/bar IVR"
DEMO_ACCOUNT = "Demo: Paycall sandbox (campaigns)"
DEMO_CONTACTS = 200
DEMO_USER, DEMO_PASSWORD = "demo-campaigns", "demo-campaigns-password"
MAX_ROUNDS = 50

CLINIC_FLOW = "Demo: clinic appointment reminder"
MESSAGE_FLOW = "Demo: message then hang up"
CLINIC_LIST = "Demo: clinic patients"
# Patients with their clinic's town; a few cells are empty, so the flow's defaults show.
CLINIC_PATIENTS = (
    ("דנה", "תל אביב"),
    ("משה", "חיפה"),
    ("Ольга", "ירושלים"),
    ("יוסי", ""),
    ("רחל", "באר שבע"),
    ("Игорь", "אשדוד"),
    ("", "נתניה"),
    ("נועה", "חולון"),
    ("אבי", "רמת גן"),
    ("Мария", ""),
    ("שירה", "פתח תקווה"),
    ("דוד", "ראשון לציון"),
)


@dataclass(frozen=True)
class DemoCampaign:
    """One finished demo campaign: which flow, to whom, through which account."""

    name: str
    flow: str
    account: str
    phone_list: str
    phonon_flow_id: str = ""
    iovox_link_id: str = ""


# Accounts named here other than DEMO_ACCOUNT are the sandbox's (sandbox.demo). The
# mode follows from the flow and the account, as for any campaign.
DEMO_CAMPAIGNS = (
    DemoCampaign(DEMO_CAMPAIGN, DEMO_FLOW, DEMO_ACCOUNT, DEMO_LIST),
    DemoCampaign(
        "Demo: clinic reminders, Paycall one request per contact",
        CLINIC_FLOW,
        "Paycall (sandbox)",
        CLINIC_LIST,
    ),
    DemoCampaign(
        "Demo: a message by Paycall's simple dialer", MESSAGE_FLOW, "Paycall (sandbox)", CLINIC_LIST
    ),
    DemoCampaign(
        "Demo: clinic reminders by Phonon",
        CLINIC_FLOW,
        "Phonon (sandbox)",
        CLINIC_LIST,
        phonon_flow_id=DEMO_FLOW_ID,
    ),
    DemoCampaign(
        "Demo: clinic reminders by Phonon, encrypted",
        CLINIC_FLOW,
        "Phonon encrypted (sandbox)",
        CLINIC_LIST,
        phonon_flow_id=DEMO_ENCRYPTED_FLOW_ID,
    ),
    DemoCampaign(
        "Demo: clinic reminders by iovox",
        CLINIC_FLOW,
        "iovox (sandbox)",
        CLINIC_LIST,
        iovox_link_id=DEMO_LINK_ID,
    ),
)


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


def _imported_list(name: str, lines: str, file_name: str) -> PhoneList:
    phone_list = PhoneList.objects.filter(name=name).first()
    if phone_list is None:
        phone_list = phonelists.upload_phone_list(
            name=name, upload=ContentFile(lines.encode(), name=file_name), default_country="IL"
        )
    if not phone_list.is_finished:
        phonelists.run_phone_list_import(phone_list.pk)
        phone_list.refresh_from_db()
    return phone_list


def demo_list() -> PhoneList:
    lines = "".join(f"+9725023{i:05d},0723000000,\r\n" for i in range(DEMO_CONTACTS))
    return _imported_list(DEMO_LIST, lines, "demo-contacts.csv")


def clinic_list() -> PhoneList:
    rows = [
        f"+9725024{i:05d},{name},{clinic}\r\n" for i, (name, clinic) in enumerate(CLINIC_PATIENTS)
    ]
    return _imported_list(CLINIC_LIST, "number,first_name,clinic\r\n" + "".join(rows), "clinic.csv")


def run_demo_campaign(campaign: Campaign) -> None:
    start_campaign(campaign=campaign, reason="Demo data.")
    session = demo_session()
    client = get_client(campaign.account, session=session)
    try:
        for _ in range(MAX_ROUNDS):
            # One request at a time: the in-process site answers in this thread.
            dispatch_round(campaign.pk, client=client, parallel=1)
            if dispatch_finished(campaign):
                break
        # The sandbox's worker would simulate the calls a moment later and report
        # them; do it now, its reports reaching our webhooks in-process.
        complete_calls(LedgerCall.objects.all(), session=demo_session())
        if campaign.is_paycall:
            fetch_paycall_cdrs(campaign, session=demo_session())
    finally:
        session.close()
    campaign.refresh_from_db()
    # Completes once every call is reported: a demo campaign left Running shows that
    # something in the chain above is broken, which is what a test of the demo checks.
    complete_if_settled(campaign)


def _demo_campaign(spec: DemoCampaign, lists: dict[str, PhoneList]) -> str:
    existing = Campaign.objects.filter(name=spec.name).first()
    if existing is not None:
        return f"{spec.name!r} already there ({existing.get_state_display()})"
    version = FlowVersion.objects.filter(flow__name=spec.flow).order_by("-number").first()
    account = ProviderAccount.objects.filter(name=spec.account).first()
    if version is None or account is None:
        return f"{spec.name!r} not made (the flow {spec.flow!r} or the account is missing)"
    campaign = create_campaign(
        settings=CampaignSettings(
            name=spec.name,
            flow_version=version,
            account=account,
            phone_list=lists[spec.phone_list],
            cli="0723000000",
            phonon_flow_id=spec.phonon_flow_id,
            iovox_link_id=spec.iovox_link_id,
            public_base_url=settings.SITE_URL,
        )
    )
    run_demo_campaign(campaign)
    campaign.refresh_from_db()
    return f"{spec.name!r} {campaign.get_state_display()} with {campaign.cdrs.count()} CDRs"


def load() -> str:
    demo_account()
    lists = {DEMO_LIST: demo_list(), CLINIC_LIST: clinic_list()}
    done = [_demo_campaign(spec, lists) for spec in DEMO_CAMPAIGNS]
    return "campaigns: " + "; ".join(done)
