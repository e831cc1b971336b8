"""Fixtures shared by the provider and sandbox tests: sandbox registry entries and the
provider accounts that point at the live server's emulators."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.models import ProviderAccount
from flows.canonical import normalize
from providers.base import JSON, OutboundRequest, encode_json
from providers.building import Contact, SendSettings
from providers.phonon.encryption import generate_key_pair
from providers.registry import provider_for
from sandbox import registry

FIXTURES = Path(__file__).parents[2] / "fixtures"
# Credentials with characters that only survive Basic auth when URI-escaped.
PAYCALL_USER = "acme user@example"
PAYCALL_PASSWORD = "p@ss:w/rd%é"
FLOW_ID = "ZH0RKJvh"
SECURITY_ID = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"
IOVOX_USER = "acme"
IOVOX_KEY = "s3cure-key"
LINK_ID = "link123"
CALLBACK_SECRET = "callback-secret-for-tests"
RETURN_ADDRESS = "https://dialer.example/paycall/steps"
# A flow every provider takes: one step that only speaks (Paycall is sent it whole) and
# one variable (a Phonon $flow.key, an iovox call variable).
FLOW = normalize(
    {
        "name": "Provider tests",
        "have_dependency": "false",
        "steps": [{"step_id": "main", "prompt": "Hello $Name$"}],
        "variables": [{"name": "Name", "default": "Ankit Parihar"}],
    }
)


def fixture_json(provider: str, name: str):
    return json.loads((FIXTURES / provider / name).read_text(encoding="utf-8"))


def fixture_bytes(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / name).read_bytes()


def raw_request(path: str, payload, content_type: str = JSON) -> OutboundRequest:
    """A payload sent as it is (a document's example, or one made wrong on purpose):
    JSON values in the one serialisation we send, text as written."""
    body = payload if isinstance(payload, str) else encode_json(payload)
    return OutboundRequest(path, body, content_type)


def send_settings(account: ProviderAccount, **changes) -> SendSettings:
    """What a campaign on this account decides (as campaigns.outbound does): built now,
    the account's zone and api-version, the flow or link the sandbox knows."""
    settings = {
        "now": timezone.now(),
        "flow_at_provider": LINK_ID if account.kind == "iovox" else FLOW_ID,
        "time_zone": account.time_zone,
        "api_version": account.api_version,
        "return_address": RETURN_ADDRESS,
    }
    return SendSettings(**(settings | changes))


def build_calls(
    account: ProviderAccount, contacts: list[Contact], *, definition: dict = FLOW, **changes
) -> OutboundRequest:
    """The request the product's builder for this account's kind makes."""
    return provider_for(account.kind).build_calls(
        definition, list(contacts), send_settings(account, **changes)
    )


@pytest.fixture(scope="session")
def phonon_keys():
    private_pem, public_pem = generate_key_pair(2048)
    return private_pem.decode(), public_pem.decode()


@pytest.fixture
def paycall(live_server):
    sandbox = registry.paycall_account(
        name="Paycall sandbox", username=PAYCALL_USER, password=PAYCALL_PASSWORD
    )
    account = ProviderAccount.objects.create(
        kind="paycall",
        name="Paycall (sandbox)",
        base_url=f"{live_server.url}/sandbox/paycall",
        credentials={"username": PAYCALL_USER, "password": PAYCALL_PASSWORD},
        read_timeout=10,
    )
    return sandbox, account


@pytest.fixture
def phonon_sandbox(live_server, phonon_keys):
    return registry.phonon_account(
        name="Phonon sandbox",
        flows={FLOW_ID: SECURITY_ID},
        private_key_pem=phonon_keys[0],
        callback_secret=CALLBACK_SECRET,
    )


def phonon_account(kind: str, live_server, public_key_pem: str) -> ProviderAccount:
    return ProviderAccount.objects.create(
        kind=kind,
        name=f"Phonon {kind}",
        base_url=f"{live_server.url}/sandbox/phonon",
        credentials={"security_ids": {FLOW_ID: SECURITY_ID}, "public_key_pem": public_key_pem},
        read_timeout=10,
    )


@pytest.fixture(params=["phonon", "phonon_encrypted"])
def phonon(request, live_server, phonon_sandbox, phonon_keys):
    return phonon_sandbox, phonon_account(request.param, live_server, phonon_keys[1])


@pytest.fixture
def iovox(live_server):
    sandbox = registry.iovox_account(
        name="iovox sandbox",
        username=IOVOX_USER,
        secure_key=IOVOX_KEY,
        links={LINK_ID: [], "link-vars": ["my_custom_var"]},
        callback_secret=CALLBACK_SECRET,
    )
    account = ProviderAccount.objects.create(
        kind="iovox",
        name="iovox (sandbox)",
        base_url=f"{live_server.url}/sandbox/iovox",
        credentials={"username": IOVOX_USER, "secure_key": IOVOX_KEY},
        read_timeout=10,
    )
    return sandbox, account
