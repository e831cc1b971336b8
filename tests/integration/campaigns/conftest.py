"""Campaign fixtures: a published flow, an imported phone list, provider accounts that
point at the sandbox emulators over real HTTP (live_server), and a way to run the
real task queue (django-tasks-db) in-process until it is empty."""

import copy
import datetime
import time

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns.models import ProviderAccount
from flows.models import Flow, FlowVersion
from phonelists.models import Contact, PhoneList
from sandbox import registry

PHONON_FLOW_ID = "ZH0RKJvh"
PHONON_SECURITY_ID = "S" * 64
IOVOX_LINK = "link123"

MENU_FLOW = {
    "schema_version": 1,
    "name": "Appointment reminder",
    "description": "",
    "count_steps": 1,
    "have_dependency": "true",
    "steps": [
        {
            "step_id": "menu",
            "gender": "female",
            "prompt": "Hello $first_name$. Press 1 to confirm, 2 to stop these calls.",
            "dtmf_ivr": ["1", "2"],
            "actions": [
                {"key": "1", "actions": [{"action": "hangup"}]},
                {
                    "key": "2",
                    "actions": [
                        {"action": "mark", "params": {"type": "remove"}},
                        {"action": "hangup"},
                    ],
                },
            ],
        }
    ],
    "variables": [{"name": "first_name", "default": "friend", "description": ""}],
}


def same_for_everyone(definition: dict) -> dict:
    """The menu flow without its placeholder: one Paycall campaign for all contacts."""
    plain = copy.deepcopy(definition)
    plain["variables"] = []
    plain["steps"][0]["prompt"] = "Press 1 to confirm, 2 to stop these calls."
    return plain


@pytest.fixture
def flow_version(db):
    flow = Flow.objects.create(name="Reminder")
    return FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)


@pytest.fixture
def plain_flow_version(db):
    flow = Flow.objects.create(name="Reminder for all")
    return FlowVersion.objects.create(flow=flow, number=1, definition=same_for_everyone(MENU_FLOW))


def make_phone_list(count: int, *, name: str = "Patients", start: int = 0) -> PhoneList:
    phone_list = PhoneList.objects.create(
        name=name,
        status="done",
        source_file="patients.csv",
        original_filename="patients.csv",
        total=count,
        imported=count,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                phone_list=phone_list,
                line_number=i + 1,
                number=f"+97250{start + i:07d}",
                variables={"first_name": f"Name{i}"},
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    return phone_list


@pytest.fixture
def phone_list(db):
    return make_phone_list(6)


def phonon_setup(base_url: str, **knobs):
    sandbox = registry.phonon_account(
        name="Phonon sandbox",
        flows={PHONON_FLOW_ID: PHONON_SECURITY_ID},
        key_bits=2048,
        **knobs,
    )
    account = ProviderAccount.objects.create(
        kind="phonon",
        name="Phonon test",
        base_url=f"{base_url}/sandbox/phonon",
        credentials={
            "security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID},
            "callback_secret": sandbox.callback_secret,
        },
        read_timeout=5,
        connect_timeout=2,
    )
    return sandbox, account


def paycall_setup(base_url: str, **knobs):
    sandbox = registry.paycall_account(
        name="Paycall sandbox", username="demo user", password="p@ss/word", **knobs
    )
    account = ProviderAccount.objects.create(
        kind="paycall",
        name="Paycall test",
        base_url=f"{base_url}/sandbox/paycall",
        credentials={"username": "demo user", "password": "p@ss/word"},
        read_timeout=5,
        connect_timeout=2,
    )
    return sandbox, account


def iovox_setup(base_url: str, **knobs):
    sandbox = registry.iovox_account(
        name="iovox sandbox",
        username="iouser",
        secure_key="io-key",
        links={IOVOX_LINK: []},
        **knobs,
    )
    account = ProviderAccount.objects.create(
        kind="iovox",
        name="iovox test",
        base_url=f"{base_url}/sandbox/iovox",
        credentials={
            "username": "iouser",
            "secure_key": "io-key",
            "callback_secret": sandbox.callback_secret,
        },
        read_timeout=5,
        connect_timeout=2,
    )
    return sandbox, account


def run_queue(*, horizon: float = 3.0, timeout: float = 30.0) -> None:
    """Run the real task queue in-process (`manage.py db_worker --batch`) until no task
    is due within `horizon` seconds (the sandbox sweeps its calls a second after
    accepting them; dispatch chains re-check much later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        call_command(
            "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
        )
        soon = timezone.now() + datetime.timedelta(seconds=horizon)
        ready = DBTaskResult.objects.filter(status="READY").filter(
            Q(run_after__isnull=True) | Q(run_after__lte=soon)
        )
        if not ready.exists():
            return
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def one_request_at_a_time(settings):
    # The live server shares one in-memory SQLite connection between its threads, so
    # the sandbox must get one request at a time here (the fault harness, on a file
    # database with real worker processes, runs requests in parallel).
    settings.CAMPAIGN_PARALLEL_REQUESTS = 1


@pytest.fixture
def offline_phonon_account(db):
    """A Phonon account at an address nothing listens on: for tests that never send."""
    return ProviderAccount.objects.create(
        kind="phonon",
        name="Phonon offline",
        base_url="http://127.0.0.1:9/sandbox/phonon",
        credentials={"security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID}},
    )


@pytest.fixture
def draft_campaign(flow_version, phone_list, offline_phonon_account, manager):
    from campaigns.checks import CampaignSettings
    from campaigns.services import create_campaign

    return create_campaign(
        settings=CampaignSettings(
            name="Draft",
            flow_version=flow_version,
            account=offline_phonon_account,
            phone_list=phone_list,
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url="http://testserver",
        ),
        created_by=manager,
    )


def add_cdrs(campaign, rows: list[dict]) -> None:
    """CDRs as a provider would report them, for page and API tests."""
    from campaigns.cdrs_ingest import cdr_row
    from campaigns.models import Call, Cdr

    calls = list(Call.objects.filter(campaign=campaign).order_by("position"))
    Cdr.objects.bulk_create(
        [
            cdr_row(campaign, calls[i] if i < len(calls) else None, source="callback", **row)
            for i, row in enumerate(rows)
        ]
    )
