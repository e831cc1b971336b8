"""One contract every provider client keeps, run against each emulator over HTTP.

Every request is the one the product's builder for the account's kind makes
(`provider_for(kind).build_calls`), as a campaign's dispatch would send it.
"""

import itertools
import time

import pytest

from providers import OutboundRequest, ProviderError, SendResult, get_client
from providers.base import MASK
from providers.building import Contact
from sandbox.models import LedgerCall
from tests.integration.providers.sandbox_setup import build_calls, phonon_account

pytestmark = pytest.mark.django_db(transaction=True)
KINDS = ["paycall", "phonon", "phonon_encrypted", "iovox"]
_serial = itertools.count()


def one_contact() -> Contact:
    """A contact of its own each time (its reference is Paycall's unique_id, Phonon's
    client-identifier, iovox's dialer_call_id), written as people type numbers."""
    n = next(_serial)
    return Contact(number=f"+4497891231{n % 100:02d}", reference=f"contract-{n}")


def one_call(account) -> OutboundRequest:
    return build_calls(account, [one_contact()])


@pytest.fixture(params=KINDS)
def provider(request):
    if request.param.startswith("phonon"):
        sandbox = request.getfixturevalue("phonon_sandbox")
        live_server = request.getfixturevalue("live_server")
        public_key = request.getfixturevalue("phonon_keys")[1]
        return request.param, sandbox, phonon_account(request.param, live_server, public_key)
    sandbox, account = request.getfixturevalue(request.param)
    return request.param, sandbox, account


def test_sending_one_call_is_accepted_once(provider):
    _, _, account = provider
    # place_calls: what makes a campaign's call ring (Paycall's dialer, then its start).
    result = get_client(account).place_calls(one_call(account))
    assert isinstance(result, SendResult)
    assert len(result.accepted) == 1 and not result.rejected
    assert LedgerCall.objects.count() == 1


def test_test_connection_succeeds_in_plain_words(provider):
    _, _, account = provider
    report = get_client(account).test_connection()
    assert report.ok and report.message.startswith(("Connected", "Flow"))


@pytest.mark.parametrize(
    ("knob", "expected"), [("timeout", "TIMEOUT"), ("drop", "CONNECTION_FAILED")]
)
def test_transport_faults_are_retryable_errors(provider, knob, expected):
    _, sandbox, account = provider
    if knob == "timeout":
        sandbox.timeout_rate, sandbox.timeout_seconds = 1, 0.6
        account.read_timeout = 0.3
    else:
        sandbox.drop_rate = 1
    sandbox.save()
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(one_call(account))
    assert caught.value.name == expected and caught.value.retryable
    # The emulator goes on with the request after the client gave up: let it finish
    # before the database is emptied for the next test.
    time.sleep(0.6)


def test_server_failure_is_retryable(provider):
    kind, sandbox, account = provider
    sandbox.error_rates = {"paycall": {"SERVER_ERROR": 1}}.get(kind, {"500": 1})
    sandbox.save()
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(one_call(account))
    assert caught.value.retryable and caught.value.http_status == 500
    assert not LedgerCall.objects.exists()


def test_send_many_keeps_order(provider):
    # One worker: the test server shares one SQLite connection between its threads.
    # Concurrency itself is measured by the benchmark against a real server.
    kind, sandbox, account = provider
    contacts = [one_contact() for _ in range(4)]
    requests_ = [build_calls(account, [contact]) for contact in contacts]
    sandbox.error_rates = {"paycall": {"SERVER_ERROR": 0}}.get(kind, {"500": 0})
    sandbox.save()
    results = get_client(account).send_many(requests_, max_workers=1)
    assert len(results) == 4 and all(len(r.accepted) == 1 for r in results)
    if kind == "iovox":
        # iovox names a call by its destination, written without the "+".
        assert [r.accepted[0].client_ref for r in results] == [
            c.number.removeprefix("+") for c in contacts
        ]


def test_unsupported_operations_say_so(provider):
    kind, _, account = provider
    client = get_client(account)
    if kind == "paycall":
        pytest.skip("Paycall offers every operation")
    with pytest.raises(ProviderError) as caught:
        client.fetch_cdrs("x")
    assert caught.value.name == "UNSUPPORTED_OPERATION"


def test_credentials_never_appear_in_previews(provider):
    # What a preview shows (and a dispatch batch stores) is the built request itself.
    kind, _, account = provider
    preview = repr(one_call(account))
    stored = account.credentials
    secrets = [stored.get("password"), stored.get("secure_key")]
    secrets += list((stored.get("security_ids") or {}).values())
    assert any(secrets)
    for secret in filter(None, secrets):
        assert secret not in preview
    if kind.startswith("phonon"):
        assert one_call(account).json()["security-id"] == MASK
