"""Pure parts of the provider clients: CDR CSV, error tables, auth, callbacks, throttling."""

import base64
import json
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from providers.base import MASK, ProviderError, Throttle, bounded_map
from providers.building import Contact, SendSettings
from providers.callbacks import parse_status_callback, sign, verify_signature
from providers.hangup_causes import HANGUP_CAUSES, describe
from providers.iovox.client import error_string_of, iovox_error, parse_xml
from providers.paycall.cdrs import CdrFormatError, parse_paycall_cdr_csv
from providers.paycall.client import basic_auth_header, phone_list_upload
from providers.phonon.encryption import DEFAULT_SCHEME, open_envelope
from providers.registry import provider_for

FIXTURES = Path(__file__).parents[2] / "fixtures"
IDT = timezone(timedelta(hours=3))
PHONON_FLOW = "ZH0RKJvh"
PHONON_SECRET = "Qx7" * 21 + "Z"


def test_the_documents_cdr_csv_parses_to_typed_values():
    first, second = parse_paycall_cdr_csv(
        (FIXTURES / "paycall" / "cdr_by_campaign.csv").read_bytes()
    )
    assert first.cli == "031234567" and first.phone_number == "972501234567"
    assert first.start_time == datetime(2016, 3, 30, 14, 53, 50, tzinfo=IDT)
    assert first.answer_time == datetime(2016, 3, 30, 14, 53, 55, tzinfo=IDT)
    assert first.hangup_time == datetime(2016, 3, 30, 14, 54, 6, tzinfo=IDT)
    assert (first.duration, first.billsec) == (16, 11)
    assert first.hangup_cause == "NORMAL_CLEARING" and first.cause.outcome == "answered"
    assert first.unique_campaign_id == "2743976e-6030-455a-821f-8d671463d3ba"
    assert first.steps == {
        "steps": [{"dtmf": "12", "step_name": "foo"}],
        "invalid": [],
        "unique_id": "2743976e-6030-455a-821f-8d671463d3ba",
    }
    assert second.answer_time is None and not second.answered
    assert second.cause.outcome == "no_answer" and second.cause.retryable


def test_the_documents_header_with_spaces_is_understood():
    text = (
        "cli, phone number, start time, answer time, hangup time, duration, billsec, "
        "hangup cause, unique campaign id, steps\r\n"
        '"1","2","","","","0","0","NO_ANSWER","c","{}"\r\n'
    )
    (cdr,) = parse_paycall_cdr_csv(text)
    assert cdr.phone_number == "2" and cdr.start_time is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cli,phone_number\r\n", "no start_time"),
        (
            "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,"
            'unique_campaign_id,steps\r\n"1","2","yesterday","","","0","0","X","c","{}"\r\n',
            "not a date",
        ),
        (
            "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,"
            'unique_campaign_id,steps\r\n"1","2","","","","ten","0","X","c","{}"\r\n',
            "not a whole number",
        ),
    ],
)
def test_bad_cdr_files_say_where(text, message):
    with pytest.raises(CdrFormatError, match=message):
        parse_paycall_cdr_csv(text)


def test_the_q850_table_has_every_row_of_the_document():
    assert set(HANGUP_CAUSES) == {
        "RECOVERY_ON_TIMER_EXPIRE",
        "NORMAL_TEMPORARY_FAILURE",
        "USER_BUSY",
        "ALLOTTED_TIMEOUT",
        "NO_USER_RESPONSE",
        "NORMAL_CLEARING",
        "NO_ANSWER",
        "CALL_REJECTED",
        "NO_ROUTE_TRANSIT_NET",
        "NO_ROUTE_DESTINATION",
        "UNALLOCATED_NUMBER",
    }
    assert describe("UNALLOCATED_NUMBER").outcome == "invalid_number"
    assert not describe("UNALLOCATED_NUMBER").retryable
    assert "not in the provider's table" in describe("MADE_UP").description


def test_basic_auth_escapes_user_and_password():
    header = basic_auth_header("acme user@example", "p@ss:w/rd%é")
    user, _, password = base64.b64decode(header.split()[1]).decode().partition(":")
    assert user == "acme%20user%40example" and ":" not in password
    assert (unquote(user), unquote(password)) == ("acme user@example", "p@ss:w/rd%é")


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.csv", "text/csv"),
        ("a.TXT", "text/plain"),
        ("a.zip", "application/zip"),
        ("a.gz", "application/gzip"),
    ],
)
def test_phone_list_mime_types(name, mime):
    assert phone_list_upload(name, b"").content_type == mime


@pytest.mark.parametrize(
    ("status", "body", "name"),
    [
        (400, b"<response><error>API Version Empty</error></response>", "API_VERSION_EMPTY"),
        (400, b"Request Method must be POST. PUT attempted", "METHOD_NOT_POST"),
        (400, b"<error>Call Variable first_name Empty</error>", "CALL_VARIABLE_EMPTY"),
        (
            500,
            b"<response><error>Internal Server Error</error></response>",
            "INTERNAL_SERVER_ERROR",
        ),
        (400, b"<response><error>Something new</error></response>", "UNKNOWN"),
        (401, b"", "AUTHENTICATION_FAILED"),
    ],
)
def test_iovox_error_strings_map_to_names(status, body, name):
    assert iovox_error(status, error_string_of(body)).name == name


def test_iovox_answers_are_parsed_without_entities_or_network():
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<response><error>&x;</error></response>"
    )
    root = parse_xml(hostile)
    assert "root:" not in "".join(root.itertext())
    assert "root:" not in error_string_of(hostile)


def test_provider_error_reads_in_plain_words():
    error = ProviderError("205", "INVALID_CONTACT_NUMBER", "Bad number.", scope="call")
    assert str(error) == "INVALID_CONTACT_NUMBER (205): Bad number."
    assert error.as_dict()["scope"] == "call"


def test_bounded_map_keeps_order_and_limits_concurrency():
    running, peak, lock = 0, 0, threading.Lock()

    def work(n):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return n * 2

    assert list(bounded_map(work, range(40), max_workers=4)) == [n * 2 for n in range(40)]
    assert peak <= 4


def test_throttle_spaces_requests():
    throttle = Throttle(50)
    start = time.monotonic()
    for _ in range(6):
        throttle.wait()
    assert time.monotonic() - start >= 0.09
    assert Throttle(None).interval == 0


CALLBACK = (
    b'{"event":"call.completed","provider":"phonon","call_id":"u1","client_identifier":"c1",'
    b'"request_id":"r1","number":"918000000001","status":"answered",'
    b'"hangup_cause":"NORMAL_CLEARING","start_time":"2026-01-01T10:00:00+00:00",'
    b'"answer_time":"2026-01-01T10:00:05+00:00","hangup_time":"2026-01-01T10:00:20+00:00",'
    b'"duration":20,"billsec":15,"keys_pressed":["1"],"steps":{}}'
)


def test_signed_callbacks_parse_and_forgeries_do_not():
    headers = {"X-Dialer-Signature": sign(CALLBACK, "secret")}
    event = parse_status_callback(CALLBACK, headers, "secret")
    assert (event.call_id, event.status, event.billsec) == ("u1", "answered", 15)
    with pytest.raises(ProviderError, match="does not match"):
        parse_status_callback(CALLBACK.replace(b"15", b"99"), headers, "secret")
    with pytest.raises(ProviderError, match="too old"):
        verify_signature(CALLBACK, sign(CALLBACK, "secret", 1000), "secret")
    with pytest.raises(ProviderError, match="no X-Dialer-Signature"):
        parse_status_callback(CALLBACK, {}, "secret")
    with pytest.raises(ProviderError, match="No callback secret"):
        parse_status_callback(CALLBACK, headers, "")


def phonon_test_account(**credentials):
    security_ids = {PHONON_FLOW: PHONON_SECRET}
    return SimpleNamespace(
        effective_base_url="http://x",
        connect_timeout=1,
        read_timeout=1,
        calls_per_second=None,
        api_version="TEST",
        credentials={"security_ids": security_ids, **credentials},
        encryption_scheme=DEFAULT_SCHEME,
        security_id_for=security_ids.get,
    )


def phonon_built_request(account):
    """A Phonon request as dispatch builds it: the account's api-version, zone and flow."""
    settings = SendSettings(
        now=datetime(2030, 1, 1, tzinfo=UTC),
        flow_at_provider=PHONON_FLOW,
        api_version=account.api_version,
        time_zone="Asia/Kolkata",
    )
    definition = {"steps": [{"step_id": "a", "prompt": "Hi"}], "variables": []}
    return provider_for("phonon").build_calls(definition, [Contact("918000000001")], settings)


def test_phonon_client_fills_security_id_and_api_version_from_the_account():
    # The account's api-version reaches the request through SendSettings (as
    # campaigns.outbound passes it); its security-id only the bytes that go out.
    from providers.phonon.client import PhononClient

    account = phonon_test_account()
    request = phonon_built_request(account)
    assert request.json()["security-id"] == MASK and PHONON_SECRET not in request.body
    wire = PhononClient(account).wire_body(request).decode("utf-8")
    assert json.loads(wire)["security-id"] == PHONON_SECRET
    assert json.loads(wire)["api-version"] == "TEST"
    assert wire == request.body.replace(f'"{MASK}"', f'"{PHONON_SECRET}"')


def test_phonon_encrypted_client_seals_the_request_with_the_security_id_in(rsa_2048):
    from providers.phonon.client import PhononEncryptedClient

    private_pem, public_pem = rsa_2048
    account = phonon_test_account(public_key_pem=public_pem.decode())
    request = phonon_built_request(account)
    envelope = json.loads(PhononEncryptedClient(account).wire_body(request))
    assert envelope["flow-id"] == PHONON_FLOW and PHONON_SECRET not in json.dumps(envelope)
    plaintext = open_envelope(envelope, private_key_pem=private_pem)
    assert plaintext == request.body.replace(f'"{MASK}"', f'"{PHONON_SECRET}"').encode("utf-8")
