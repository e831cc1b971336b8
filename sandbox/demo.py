"""Demo data: sandbox accounts on the provider side, and our provider accounts that
point at them, so the demo places (simulated) calls without leaving the machine.

Each Phonon and iovox sandbox account is given its provider account's one callback
address, as a person would paste it into the real provider's console: so the demo's
campaigns on them end, with results, and no campaign names an address of its own.
A sandbox account has one callback address, so plain and encrypted Phonon have a
sandbox account (and flow) each."""

import secrets
import string

from django.conf import settings
from django.utils.translation import gettext

from campaigns.callback_urls import account_status_callback_url
from campaigns.models import ProviderAccount

from . import registry
from .models import CalleeScript, SandboxAccount

DEMO_FLOW_ID = "DemoFlw1"
DEMO_ENCRYPTED_FLOW_ID = "DemoFlw2"
DEMO_LINK_ID = "demo-link"
CALLEE_SCRIPTS = (
    ("972501234567", "NORMAL_CLEARING", ["1", "1"], 25),
    ("972501234568", "USER_BUSY", [], 0),
    ("972501234569", "NO_ANSWER", [], 0),
    ("972501234560", "UNALLOCATED_NUMBER", [], 0),
)


def _secret(length: int = 24) -> str:
    return secrets.token_urlsafe(length)


def _alnum(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _existing(name: str) -> SandboxAccount | None:
    return SandboxAccount.objects.filter(name=name).first()


def _provider_account(
    kind: str, name: str, path: str, credentials: dict, **options
) -> ProviderAccount:
    account, _ = ProviderAccount.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "base_url": f"{settings.SITE_URL.rstrip('/')}/sandbox/{path}",
            "credentials": credentials,
            **options,
        },
    )
    return account


def _report_to(sandbox: SandboxAccount, account: ProviderAccount) -> None:
    """The sandbox reports calls to the account's address, signed with its secret."""
    sandbox.callback_url = account_status_callback_url(account)
    sandbox.save(update_fields=["callback_url"])


def _phonon(name: str, flow_id: str) -> tuple[SandboxAccount, dict]:
    """A sandbox Phonon account with one flow, and the credentials that reach it."""
    phonon = _existing(name)
    flow = phonon.flows.filter(flow_id=flow_id).first() if phonon else None
    if flow is None:
        phonon = registry.phonon_account(name=name, flows={flow_id: _alnum(64)})
        flow = phonon.flows.get(flow_id=flow_id)
    credentials = {
        "security_ids": {flow.flow_id: flow.security_id},
        "callback_secret": phonon.callback_secret,
    }
    return phonon, credentials


def load() -> str:
    paycall = _existing("Demo Paycall") or registry.paycall_account(
        name="Demo Paycall", username="demo", password=_secret()
    )
    _provider_account(
        "paycall",
        "Paycall (sandbox)",
        "paycall",
        {"username": paycall.username, "password": paycall.secret},
    )

    options = {"time_zone": settings.TIME_ZONE}
    phonon, credentials = _phonon("Demo Phonon", DEMO_FLOW_ID)
    account = _provider_account(
        "phonon",
        "Phonon (sandbox)",
        "phonon",
        credentials,
        flow_choices=[{"id": DEMO_FLOW_ID, "name": gettext("Demo flow")}],
        **options,
    )
    _report_to(phonon, account)
    encrypted, credentials = _phonon("Demo Phonon encrypted", DEMO_ENCRYPTED_FLOW_ID)
    account = _provider_account(
        "phonon_encrypted",
        "Phonon encrypted (sandbox)",
        "phonon",
        {**credentials, "public_key_pem": registry.public_key_of(encrypted)},
        flow_choices=[{"id": DEMO_ENCRYPTED_FLOW_ID, "name": gettext("Demo flow")}],
        **options,
    )
    _report_to(encrypted, account)

    iovox = _existing("Demo iovox") or registry.iovox_account(
        name="Demo iovox",
        username="demo",
        secure_key=_secret(),
        links={DEMO_LINK_ID: []},
        calls_per_minute=600,
    )
    account = _provider_account(
        "iovox",
        "iovox (sandbox)",
        "iovox",
        {
            "username": iovox.username,
            "secure_key": iovox.secret,
            "callback_secret": iovox.callback_secret,
        },
        flow_choices=[{"id": DEMO_LINK_ID, "name": gettext("Demo link")}],
    )
    _report_to(iovox, account)

    for number, cause, keys, talk in CALLEE_SCRIPTS:
        CalleeScript.objects.update_or_create(
            number=number, defaults={"hangup_cause": cause, "keys": keys, "talk_seconds": talk}
        )
    return gettext(
        "Sandbox: Paycall, Phonon (flow DemoFlw1), Phonon encrypted (flow DemoFlw2) and "
        "iovox (demo-link) emulators with 4 provider accounts pointing at them; Phonon "
        "and iovox report each call to their account's callback address."
    )
