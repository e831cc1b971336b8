"""The Phonon clients (plain and encrypted) against the emulator: all 22 codes.

Requests are the product builder's (`provider_for(kind).build_calls`, as dispatch
sends them); those the builder refuses to make (an api-version it does not know, more
than 500 calls, no calls at all, an unreadable call list) are sent raw.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers import OutboundRequest, ProviderError, get_client
from providers.building import Contact
from providers.phonon.builder import PLAIN_PATH
from providers.phonon.client import PHONON_CODES
from sandbox.models import LedgerCall, PhononFlow, ReceivedRequest
from sandbox.models import default_ip_whitelist as sandbox_whitelist
from tests.integration.providers.sandbox_setup import (
    FLOW_ID,
    SECURITY_ID,
    build_calls,
    phonon_account,
    raw_request,
)

pytestmark = pytest.mark.django_db(transaction=True)


def call(identifier: str, number: str = "918000000001") -> Contact:
    return Contact(number=number, variables={"Name": "Ankit Parihar"}, reference=identifier)


def good(account, n: int = 1) -> OutboundRequest:
    return build_calls(account, [call(f"call-{i}", f"+91800000000{i}") for i in range(n)])


def altered(request: OutboundRequest, **changes) -> OutboundRequest:
    """The built request with fields the builder would never write, sent raw."""
    return raw_request(PLAIN_PATH, request.json() | changes)


def test_success_gives_a_phonon_uuid_per_call_and_ledger_entries(phonon):
    sandbox, account = phonon
    result = get_client(account).send(good(account, 3))
    assert result.code == "200" and not result.rejected
    assert [outcome.client_ref for outcome in result.accepted] == ["call-0", "call-1", "call-2"]
    assert result.request_id
    uuids = {outcome.provider_ref for outcome in result.accepted}
    assert set(LedgerCall.objects.values_list("call_id", flat=True)) == uuids


def test_partial_success_reports_each_call(phonon):
    _, account = phonon
    request = build_calls(account, [call("ok"), call("bad", "12ab")])
    result = get_client(account).send(request)
    assert result.code == "209" and result.partial
    assert [o.client_ref for o in result.accepted] == ["ok"]
    (rejected,) = result.rejected
    assert rejected.client_ref == "bad"
    assert rejected.error.name == "INVALID_CONTACT_NUMBER" and rejected.error.scope == "call"
    assert LedgerCall.objects.count() == 1


def too_many(account) -> OutboundRequest:
    """501 calls: the builder makes requests of at most 500, so two are joined."""
    contacts = [call(f"c{i}", f"9180000{i:05d}") for i in range(501)]
    first = build_calls(account, contacts[:500])
    calls = first.json()["calls"] + build_calls(account, contacts[500:]).json()["calls"]
    return altered(first, calls=calls)


def two_days_ago():
    return timezone.now() - timedelta(days=2)


# code -> (how the sandbox or account is set up, the request sent for the account)
REQUEST_ERRORS = {
    400: (None, lambda a: altered(good(a), calls="not a list")),
    201: ("twice", good),
    302: (None, lambda a: altered(good(a), calls=[])),
    500: ("error_rates", good),
    301: (None, lambda a: build_calls(a, [call("x")], flow_at_provider="NOFLOW00")),
    401: ("no_whitelist", good),
    202: ("wrong_security_id", good),
    203: (None, lambda a: altered(good(a), **{"api-version": "2.0"})),
    204: ("gateway_valid", good),
    206: ("gateway_failing", good),
    207: ("did_mapped", good),
    208: ("mask_available", good),
    303: (None, too_many),
    211: ("valid_until", good),
    212: ("balance_calls", good),
    304: ("unpublished", good),
}
CALL_ERRORS = {
    402: ("test_mode", good),
    205: (None, lambda a: build_calls(a, [call("bad", "not-a-number")])),
    210: (None, lambda a: build_calls(a, [call("old")], now=two_days_ago())),
    213: ("required_keys", good),
}


def arrange(setup, sandbox, account):
    flow = PhononFlow.objects.get(flow_id=FLOW_ID)
    if setup == "error_rates":
        sandbox.error_rates = {"500": 1}
    elif setup == "no_whitelist":
        sandbox.ip_whitelist = []
    elif setup == "wrong_security_id":
        account.credentials = {**account.credentials, "security_ids": {FLOW_ID: "x" * 64}}
        account.save()
    elif setup in ("gateway_valid", "did_mapped", "mask_available"):
        setattr(sandbox, setup, False)
    elif setup == "gateway_failing":
        sandbox.gateway_failing = True
    elif setup == "valid_until":
        sandbox.valid_until = timezone.localdate() - timedelta(days=1)
    elif setup == "balance_calls":
        sandbox.balance_calls = 0
    elif setup == "unpublished":
        flow.published = False
    elif setup == "test_mode":
        account.api_version = "TEST"
        account.save()
    elif setup == "required_keys":
        flow.required_keys = ["$flow.key.Language"]
    sandbox.save()
    flow.save()


@pytest.fixture
def phonon_plain(live_server, phonon_sandbox, phonon_keys):
    return phonon_sandbox, phonon_account("phonon", live_server, phonon_keys[1])


def check_request_error(sandbox, account, code):
    setup, build = REQUEST_ERRORS[code]
    arrange(setup, sandbox, account)
    client = get_client(account)
    request = build(account)
    if setup == "twice":
        client.send(request)
    with pytest.raises(ProviderError) as caught:
        client.send(request)
    error = caught.value
    assert error.code == str(code)
    assert error.name == PHONON_CODES[code].name
    assert error.scope == "request"
    assert error.retryable == (code in (500, 206, 208))
    assert error.message == PHONON_CODES[code].plain_words
    assert LedgerCall.objects.count() == (1 if setup == "twice" else 0)


def check_call_error(sandbox, account, code):
    setup, build = CALL_ERRORS[code]
    arrange(setup, sandbox, account)
    result = get_client(account).send(build(account))
    assert result.code == str(code) and not result.accepted
    (rejected,) = result.rejected
    assert rejected.error.name == PHONON_CODES[code].name and rejected.error.scope == "call"
    assert not LedgerCall.objects.exists()


@pytest.mark.parametrize("code", list(REQUEST_ERRORS))
def test_each_request_error_code_raises_a_typed_error(phonon_plain, code):
    check_request_error(*phonon_plain, code)


@pytest.mark.parametrize("code", list(CALL_ERRORS))
def test_each_call_error_code_rejects_that_call(phonon_plain, code):
    check_call_error(*phonon_plain, code)


def reset(sandbox, account):
    """Back to a healthy account, between the codes checked in one test."""
    LedgerCall.objects.all().delete()
    ReceivedRequest.objects.all().delete()
    sandbox.refresh_from_db()
    sandbox.error_rates, sandbox.ip_whitelist, sandbox.valid_until = {}, sandbox_whitelist(), None
    sandbox.gateway_valid, sandbox.gateway_failing = True, False
    sandbox.did_mapped, sandbox.mask_available, sandbox.balance_calls = True, True, None
    sandbox.save()
    PhononFlow.objects.filter(flow_id=FLOW_ID).update(published=True, required_keys=[])
    account.api_version = "1.0"
    account.credentials = {**account.credentials, "security_ids": {FLOW_ID: SECURITY_ID}}
    account.save()


def test_the_encrypted_client_maps_every_code_too(live_server, phonon_sandbox, phonon_keys):
    account = phonon_account("phonon_encrypted", live_server, phonon_keys[1])
    for code in REQUEST_ERRORS:
        reset(phonon_sandbox, account)
        check_request_error(phonon_sandbox, account, code)
    for code in CALL_ERRORS:
        reset(phonon_sandbox, account)
        check_call_error(phonon_sandbox, account, code)


def test_all_22_documented_codes_are_covered():
    covered = {200, 209} | set(REQUEST_ERRORS) | set(CALL_ERRORS)
    assert covered == set(PHONON_CODES) and len(PHONON_CODES) == 22


def test_test_mode_calls_whitelisted_phones(phonon):
    _, account = phonon
    account.api_version = "TEST"
    account.save()
    PhononFlow.objects.filter(flow_id=FLOW_ID).update(test_phones=["918000000000"])
    request = good(account, 1)
    assert request.json()["api-version"] == "TEST"
    result = get_client(account).send(request)
    assert result.code == "200"


def test_test_connection_in_plain_words(phonon):
    sandbox, account = phonon
    report = get_client(account).test_connection()
    assert report.ok and "connected" in report.message
    sandbox.ip_whitelist = []
    sandbox.save()
    report = get_client(account).test_connection()
    assert not report.ok and "whitelist" in report.message
