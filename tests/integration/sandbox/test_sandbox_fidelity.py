"""The emulators fed raw HTTP: the documents' own examples are accepted, bad requests
get the documented answer, CDRs and callbacks come out in the documented shapes."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import requests
from django.utils import timezone

from providers.callbacks import parse_status_callback
from providers.phonon.encryption import encrypt_envelope
from sandbox.models import CalleeScript, LedgerCall
from sandbox.tasks import complete_calls, sweep_account
from tests.integration.providers.sandbox_setup import (
    CALLBACK_SECRET,
    IOVOX_KEY,
    IOVOX_USER,
    PAYCALL_PASSWORD,
    PAYCALL_USER,
    SECURITY_ID,
    fixture_bytes,
    fixture_json,
)

pytestmark = pytest.mark.django_db(transaction=True)


def paycall_auth(user=PAYCALL_USER, password=PAYCALL_PASSWORD):
    token = f"{quote(user, safe='')}:{quote(password, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(token).decode()}


@pytest.fixture
def receiver(live_server, settings):
    """A tiny HTTP server standing in for our webhook endpoints, so for this site: the
    origin callbacks may reach besides public addresses (providers.outbound)."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SITE_URL = f"http://127.0.0.1:{server.server_port}"
    yield settings.SITE_URL, received
    server.shutdown()


def test_paycall_document_examples_end_to_end(live_server, paycall, receiver):
    url, received = receiver
    base = f"{live_server.url}/sandbox/paycall/v2/calls"
    dialer = fixture_json("paycall", "dialer_test.json")
    dialer["return_address"] = f"{url}/steps"
    answer = requests.post(f"{base}/dialer", json=dialer, headers=paycall_auth(), timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    CalleeScript.objects.create(number="05460000000", keys=["1", "1"], talk_seconds=12)
    started = requests.post(
        f"{base}/start_campaign/{dialer['unique_id']}", headers=paycall_auth(), timeout=10
    )
    assert started.json()["calls"] == 1
    complete_calls(LedgerCall.objects.all())
    call = LedgerCall.objects.get()
    # Key 1 at "foo" goes to "bar", key 1 there places the call action.
    assert [s["step_name"] for s in call.steps["steps"]] == ["foo", "bar"]
    (path, _, body) = received[0]
    report = json.loads(body)
    assert path == "/steps" and report["unique_id"] == dialer["unique_id"]
    assert report["phone_number"] == "05460000000" and report["steps"] == call.steps["steps"]
    csv_answer = requests.get(
        f"{base}/cdr_by_campaign/{dialer['unique_id']}", headers=paycall_auth(), timeout=10
    )
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    lines = csv_answer.content.split(b"\r\n")
    assert lines[0] == (
        b"cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,"
        b"hangup_cause,unique_campaign_id,steps"
    )
    assert lines[1].startswith(b'"030000000","05460000000","') and b'"NORMAL_CLEARING"' in lines[1]
    assert lines[2] == b""


def test_paycall_simple_and_upload_examples(live_server, paycall):
    base = f"{live_server.url}/sandbox/paycall/v2/calls"
    simple = requests.post(
        f"{base}/simple_dialer",
        json=fixture_json("paycall", "simple_test.json"),
        headers=paycall_auth(),
        timeout=10,
    )
    assert simple.status_code == 200
    uploaded = requests.post(
        f"{base}/upload",
        files=[
            ("recs[]", ("cembalo-6.wav", b"RIFF", "audio/wav")),
            ("recs[]", ("hello_welcome.wav", b"RIFF", "audio/wav")),
        ],
        headers=paycall_auth(),
        timeout=10,
    )
    assert uploaded.json()["files"] == ["cembalo-6.wav", "hello_welcome.wav"]


def test_paycall_refuses_unescaped_credentials(live_server, paycall):
    raw = base64.b64encode(f"{PAYCALL_USER}:{PAYCALL_PASSWORD}".encode()).decode()
    answer = requests.post(
        f"{live_server.url}/sandbox/paycall/v2/calls/dialer",
        json={},
        headers={"Authorization": f"Basic {raw}"},
        timeout=10,
    )
    assert answer.status_code == 401 and answer.json()["error"] == "AUTHENTICATION_FAILED"


def phonon_document_request():
    request = fixture_json("phonon", "create_request.json")
    # The document's start-time is in 2021: a date in the past is refused (code 210),
    # so the example is sent with today's date in the same format.
    india = timezone.get_fixed_timezone(330)
    today = timezone.now().astimezone(india).strftime("%Y-%m-%dT%H:%M:%S.111Z+05:30")
    request["calls"][0]["start-time"] = today
    return request


def test_phonon_document_example_plain_and_encrypted(
    live_server, phonon_sandbox, phonon_keys, receiver
):
    url, received = receiver
    phonon_sandbox.callback_url = f"{url}/status"
    phonon_sandbox.save()
    base = f"{live_server.url}/sandbox/phonon/kairos-apis"
    request = phonon_document_request()
    answer = requests.post(f"{base}/outbounddialer/create", json=request, timeout=10).json()
    expected = fixture_json("phonon", "create_response_success.json")
    assert set(answer) == set(expected)
    assert answer["api-response-code"] == 200 and answer["api-response-message"] == "Success"
    assert answer["call-details"][0]["client-identifier"] == "2021-04-28T03:48:07.110Z"
    again = requests.post(f"{base}/outbounddialer/create", json=request, timeout=10).json()
    assert again["api-response-code"] == 201
    request["calls"][0]["client-identifier"] = "second"
    envelope = encrypt_envelope(request, public_key_pem=phonon_keys[1])
    answer = requests.post(f"{base}/enc/outbound/create", json=envelope, timeout=10).json()
    assert answer["api-response-code"] == 200
    assert LedgerCall.objects.count() == 2
    assert sweep_account.call(phonon_sandbox.pk) == 2
    assert sweep_account.call(phonon_sandbox.pk) == 0
    assert len(received) == 2
    path, headers, body = received[0]
    event = parse_status_callback(body, headers, CALLBACK_SECRET)
    assert event.provider == "phonon" and event.number == "918000000001"
    assert event.call_id in set(LedgerCall.objects.values_list("call_id", flat=True))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", 400),
        (
            b'{"flow-id": "ZH0RKJvh", "requestEncryptedValue": "AAAA", '
            b'"requestDigitalSignatureValue": "AAAA"}',
            400,
        ),
        (
            b'{"flow-id": "Unknown1", "requestEncryptedValue": "A", '
            b'"requestDigitalSignatureValue": "A"}',
            301,
        ),
    ],
)
def test_phonon_encrypted_bad_envelopes(live_server, phonon_sandbox, body, code):
    answer = requests.post(
        f"{live_server.url}/sandbox/phonon/kairos-apis/enc/outbound/create", data=body, timeout=10
    )
    assert answer.json()["api-response-code"] == code


def test_phonon_security_id_and_flow_checked(live_server, phonon_sandbox):
    base = f"{live_server.url}/sandbox/phonon/kairos-apis/outbounddialer/create"
    request = phonon_document_request()
    assert request["security-id"] == SECURITY_ID
    request["security-id"] = "y" * 64
    assert requests.post(base, json=request, timeout=10).json()["api-response-code"] == 202
    request["flow-id"] = "Unknown1"
    assert requests.post(base, json=request, timeout=10).json()["api-response-code"] == 301


def test_iovox_document_examples_and_callback(live_server, iovox, receiver):
    url, received = receiver
    sandbox, _ = iovox
    sandbox.callback_url = f"{url}/status"
    sandbox.save()
    headers = {"username": IOVOX_USER, "secureKey": IOVOX_KEY}
    endpoint = f"{live_server.url}/sandbox/iovox/Calling?v=3&method=initiateCall"
    examples = [
        fixture_bytes("iovox", "initiate_call.xml"),
        b'<?xml version="1.0" encoding="utf-8"?>\n<request>\n<link_id>link123</link_id>\n'
        b"<call_variables>\n<call_destination>449789123123,1</call_destination>\n"
        b"</call_variables>\n</request>",
    ]
    for body in examples:
        answer = requests.post(endpoint, data=body, headers=headers, timeout=10)
        assert answer.status_code == 201 and b"<call_id>" in answer.content
    assert LedgerCall.objects.count() == 2
    complete_calls(LedgerCall.objects.all())
    events = [parse_status_callback(body, h, CALLBACK_SECRET) for _, h, body in received]
    assert {e.provider for e in events} == {"iovox"} and len(events) == 2
    wrong = requests.post(endpoint, data=examples[0], headers={"username": IOVOX_USER}, timeout=10)
    assert wrong.status_code == 401


def test_simulation_is_seeded_and_repeatable(live_server, phonon_sandbox):
    base = f"{live_server.url}/sandbox/phonon/kairos-apis/outbounddialer/create"
    request = phonon_document_request()
    request["calls"] = [
        {
            **request["calls"][0],
            "client-identifier": f"c{i}",
            "contact-numbers": [f"9180000{i:05d}"],
        }
        for i in range(60)
    ]
    requests.post(base, json=request, timeout=10)
    complete_calls(LedgerCall.objects.all())
    first = list(
        LedgerCall.objects.order_by("client_identifier").values_list("hangup_cause", "billsec")
    )
    LedgerCall.objects.update(state="accepted")
    complete_calls(LedgerCall.objects.all())
    second = list(
        LedgerCall.objects.order_by("client_identifier").values_list("hangup_cause", "billsec")
    )
    assert first == second
    causes = {cause for cause, _ in first}
    assert "NORMAL_CLEARING" in causes and len(causes) >= 3
    for cause, billsec in first:
        assert (billsec > 0) == (cause == "NORMAL_CLEARING")


@pytest.mark.parametrize("scheme", ["aes-ecb+rsa-pkcs1v15", "aes-cbc+rsa-oaep", "aes-gcm+rsa-oaep"])
def test_the_emulator_opens_envelopes_of_every_scheme(
    live_server, phonon_sandbox, phonon_keys, scheme
):
    phonon_sandbox.encryption_scheme = scheme
    phonon_sandbox.save()
    envelope = encrypt_envelope(
        phonon_document_request(), public_key_pem=phonon_keys[1], scheme=scheme
    )
    answer = requests.post(
        f"{live_server.url}/sandbox/phonon/kairos-apis/enc/outbound/create",
        json=envelope,
        timeout=10,
    ).json()
    assert answer["api-response-code"] == 200
    other = next(s for s in ("aes-cbc+rsa-oaep", "aes-gcm+rsa-oaep") if s != scheme)
    envelope = encrypt_envelope(
        phonon_document_request(), public_key_pem=phonon_keys[1], scheme=other
    )
    answer = requests.post(
        f"{live_server.url}/sandbox/phonon/kairos-apis/enc/outbound/create",
        json=envelope,
        timeout=10,
    ).json()
    assert answer["api-response-code"] == 400


@pytest.mark.django_db(transaction=True)
def test_a_repeated_checksum_is_refused_by_the_database(phonon_sandbox):
    """Two identical requests that both pass the look-up before either is stored (a
    race) still reach the ledger once: the second insert is refused."""
    from sandbox.emulators.common import RepeatedRequest, record_calls

    call = {"client_identifier": "c-1", "number": "972500000001", "variables": {}}
    record_calls(account=phonon_sandbox, endpoint="phonon", calls=[call], body_checksum="x" * 64)

    with pytest.raises(RepeatedRequest):
        record_calls(
            account=phonon_sandbox, endpoint="phonon", calls=[call], body_checksum="x" * 64
        )

    assert LedgerCall.objects.filter(account=phonon_sandbox).count() == 1
    # Requests without a checksum (iovox) are never taken for repeats.
    record_calls(
        account=phonon_sandbox, endpoint="iovox", calls=[{**call, "client_identifier": "c-2"}]
    )
    record_calls(
        account=phonon_sandbox, endpoint="iovox", calls=[{**call, "client_identifier": "c-3"}]
    )
    assert LedgerCall.objects.filter(account=phonon_sandbox).count() == 3
