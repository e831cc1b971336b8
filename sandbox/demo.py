"""Demo data: sandbox accounts on the provider side, and our provider accounts that
point at them, so the demo places (simulated) calls without leaving the machine."""

import secrets
import string

from django.conf import settings
from django.utils.translation import gettext

from campaigns.models import ProviderAccount

from . import registry
from .models import CalleeScript, SandboxAccount

DEMO_FLOW_ID = "DemoFlw1"
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


def _provider_account(kind: str, name: str, path: str, credentials: dict, **options):
    ProviderAccount.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "base_url": f"{settings.SITE_URL.rstrip('/')}/sandbox/{path}",
            "credentials": credentials,
            **options,
        },
    )


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

    phonon = _existing("Demo Phonon")
    flow = phonon.flows.first() if phonon else None
    if flow is None:
        phonon = registry.phonon_account(name="Demo Phonon", flows={DEMO_FLOW_ID: _alnum(64)})
        flow = phonon.flows.get()
    public_key = registry.public_key_of(phonon)
    bindings = {"security_ids": {flow.flow_id: flow.security_id}}
    options = {"time_zone": settings.TIME_ZONE}
    common = {"callback_secret": phonon.callback_secret}
    _provider_account("phonon", "Phonon (sandbox)", "phonon", {**bindings, **common}, **options)
    _provider_account(
        "phonon_encrypted",
        "Phonon encrypted (sandbox)",
        "phonon",
        {**bindings, "public_key_pem": public_key, **common},
        **options,
    )

    iovox = _existing("Demo iovox") or registry.iovox_account(
        name="Demo iovox",
        username="demo",
        secure_key=_secret(),
        links={DEMO_LINK_ID: []},
        calls_per_minute=600,
    )
    _provider_account(
        "iovox",
        "iovox (sandbox)",
        "iovox",
        {
            "username": iovox.username,
            "secure_key": iovox.secret,
            "callback_secret": iovox.callback_secret,
        },
    )

    for number, cause, keys, talk in CALLEE_SCRIPTS:
        CalleeScript.objects.update_or_create(
            number=number, defaults={"hangup_cause": cause, "keys": keys, "talk_seconds": talk}
        )
    return gettext(
        "Sandbox: Paycall, Phonon (flow DemoFlw1, plain + encrypted) and iovox (demo-link) "
        "emulators with 4 provider accounts pointing at them."
    )
