"""The Paycall client against the emulator: all eight endpoints and every error key.

The requests are the document's examples (or those made wrong on purpose), sent raw
as the client sends what a builder made."""

import copy
import gzip
import io
import time
import zipfile

import pytest

from providers import OutboundRequest, ProviderError, get_client
from providers.base import Upload
from providers.paycall.client import PAYCALL_ERRORS, phone_list_upload, recording_upload
from providers.paycall.dialer import DIALER_PATH
from providers.paycall.simple_dialer import SIMPLE_DIALER_PATH
from sandbox.models import LedgerCall, PaycallCampaign, PaycallRecording
from sandbox.tasks import complete_calls
from tests.integration.providers.sandbox_setup import fixture_bytes, fixture_json, raw_request

pytestmark = pytest.mark.django_db(transaction=True)

CAMPAIGN = "f096c975-caca-4cd4-9819-1cef62237479"


def dialer_request(**changes):
    payload = fixture_json("paycall", "dialer_test.json")
    payload.update(changes)
    return payload


def dialer(payload: dict) -> OutboundRequest:
    return raw_request(DIALER_PATH, payload)


def queued_campaign(client, unique_id="queue-1"):
    payload = dialer_request(unique_id=unique_id, numbers_from_queue="true")
    del payload["number"]
    client.send(dialer(payload))
    return unique_id


def test_the_documents_dialer_example_is_accepted_then_called_once(paycall):
    _, account = paycall
    client = get_client(account)
    result = client.send(dialer(dialer_request()))
    assert [o.provider_ref for o in result.accepted] == [CAMPAIGN] and result.request_id == CAMPAIGN
    assert client.start_campaign(CAMPAIGN)["calls"] == 1
    assert LedgerCall.objects.filter(campaign_unique_id=CAMPAIGN, number="05460000000").count() == 1
    with pytest.raises(ProviderError) as caught:
        client.start_campaign(CAMPAIGN)
    assert caught.value.name == "ALREADY_STARTED"


def test_place_calls_sends_the_dialer_then_starts_it_and_a_replay_is_a_duplicate(paycall):
    _, account = paycall
    client = get_client(account)
    request = dialer(dialer_request())
    client.send(request)  # a first try that stopped after the dialer request
    result = client.place_calls(request)
    assert [o.provider_ref for o in result.accepted] == [CAMPAIGN] and not result.rejected
    assert LedgerCall.objects.filter(campaign_unique_id=CAMPAIGN).count() == 1
    with pytest.raises(ProviderError) as caught:
        client.place_calls(request)
    assert caught.value.name == "DUPLICATE_UNIQUE_ID"
    assert LedgerCall.objects.count() == 1


def test_the_documents_simple_dialer_example_is_accepted(paycall):
    _, account = paycall
    request = raw_request(SIMPLE_DIALER_PATH, fixture_json("paycall", "simple_test.json"))
    result = get_client(account).send(request)
    assert result.accepted[0].provider_ref == "4aa2f0be-97c1-44a2-b68d-b3601f7374f8"


def test_recordings_upload_as_recs_with_their_mime_types(paycall):
    sandbox, account = paycall
    client = get_client(account)
    answer = client.upload_recordings(
        [recording_upload("cembalo-6.wav", b"RIFF0000"), recording_upload("hello.mp3", b"ID3")]
    )
    assert answer["files"] == ["cembalo-6.wav", "hello.mp3"]
    stored = dict(PaycallRecording.objects.values_list("name", "content_type"))
    assert stored == {"cembalo-6.wav": "audio/wav", "hello.mp3": "audio/mpeg"}
    request = dialer_request()
    request["ivr"]["steps"][0].update(prompt="cembalo-6.wav", prompt_is_file="true")
    assert client.send(dialer(request)).accepted


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
        archive.writestr("ignored.csv", b"not,a,number\r\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "pack", "mime"),
    [
        ("numbers.csv", lambda data: data, "text/csv"),
        ("numbers.txt", lambda data: data.replace(b"\n", b"\r\n"), "text/plain"),
        ("numbers.zip", lambda data: zipped("numbers.csv", data), "application/zip"),
        ("numbers.gz", gzip.compress, "application/gzip"),
    ],
)
def test_phone_lists_upload_in_every_documented_format(paycall, filename, pack, mime):
    _, account = paycall
    client = get_client(account)
    unique_id = queued_campaign(client)
    upload = phone_list_upload(filename, pack(fixture_bytes("paycall", "upload_numbers.csv")))
    assert upload.content_type == mime
    assert client.upload_phone_list(unique_id, upload)["count"] == 4
    numbers = PaycallCampaign.objects.get(unique_id=unique_id).numbers
    assert numbers[2] == {
        "number": "+14155552671",
        "cli": "4155551111",
        "dtmf_originator": "w1#113",
    }
    assert client.start_campaign(unique_id)["calls"] == 4


@pytest.mark.parametrize("filename", ["numbers.tar.gz", "numbers.tgz", "numbers.xlsx"])
def test_unsupported_phone_list_files_are_refused_before_sending(filename):
    with pytest.raises(ValueError, match="Paycall"):
        phone_list_upload(filename, b"")


def test_cdrs_come_back_typed_with_steps(paycall):
    _, account = paycall
    client = get_client(account)
    unique_id = queued_campaign(client, "cdr-campaign")
    client.upload_phone_list(
        unique_id, phone_list_upload("n.csv", b"972501234567\r\n972501234568\r\n")
    )
    client.start_campaign(unique_id)
    assert client.fetch_cdrs(unique_id) == []
    complete_calls(LedgerCall.objects.all())
    cdrs = client.fetch_cdrs(unique_id)
    assert sorted(c.phone_number for c in cdrs) == ["972501234567", "972501234568"]
    for cdr in cdrs:
        assert cdr.unique_campaign_id == unique_id and cdr.hangup_cause
        assert (
            cdr.duration == cdr.billsec + (cdr.answer_time - cdr.start_time).seconds
            if (cdr.answered)
            else cdr.billsec == 0
        )
        assert cdr.steps["unique_id"] == unique_id
    (one,) = client.fetch_cdrs(unique_id, "972501234568")
    assert one.phone_number == "972501234568"


def with_changes(**changes):
    def build():
        return dialer_request(**changes)

    return build


def without(field):
    def build():
        payload = dialer_request()
        del payload[field]
        return payload

    return build


def deep(change):
    def build():
        payload = copy.deepcopy(dialer_request())
        change(payload)
        return payload

    return build


SEND_ERRORS = {
    "RETURN_ADDRESS_MISSING": without("return_address"),
    "INVALID_SCHEDULE": with_changes(schedule_type="tomorrow"),
    "SCHEDULE_IN_PAST": with_changes(schedule_type="timestamp", schedule=int(time.time()) - 60),
    "INVALID_MAX_RETRIES": with_changes(max_retries=10001),
    "INVALID_IVR": deep(lambda p: p["ivr"].update(steps=[])),
    "INVALID_KEY_RANGE": deep(
        lambda p: p["ivr"]["steps"][0]["actions"].append(
            {"key": {"min": "9", "max": "5"}, "actions": [{"action": "hangup"}]}
        )
    ),
    "INVALID_REQUEST": with_changes(numbers_from_queue=True),
    "RECORDING_NOT_FOUND": deep(
        lambda p: p["ivr"]["steps"][0].update(prompt="missing.wav", prompt_is_file="true")
    ),
}
CALL_SEND_ERRORS = {
    "NUMBER_MISSING": with_changes(number=""),
    "INVALID_NUMBER": with_changes(number="call-me-maybe"),
}


@pytest.mark.parametrize("name", list(SEND_ERRORS))
def test_each_dialer_error_is_a_typed_request_error(paycall, name):
    _, account = paycall
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(dialer(SEND_ERRORS[name]()))
    assert caught.value.name == name and caught.value.scope == "request"
    assert caught.value.message == PAYCALL_ERRORS[name].message
    assert not PaycallCampaign.objects.exists()


@pytest.mark.parametrize("name", list(CALL_SEND_ERRORS))
def test_number_errors_reject_the_call(paycall, name):
    _, account = paycall
    result = get_client(account).send(dialer(CALL_SEND_ERRORS[name]()))
    assert not result.accepted and result.rejected[0].error.name == name


def raw(client, method, path, **kwargs):
    response = client.request(method, "/v2/calls/" + path, **kwargs)
    raise client.error_from(response)


OTHER_ERRORS = {
    "AUTHENTICATION_FAILED": "wrong_password",
    "IP_NOT_ALLOWED": "no_whitelist",
    "INVALID_JSON": lambda c: raw(c, "POST", "dialer", data=b"{not json"),
    "DUPLICATE_UNIQUE_ID": lambda c: [c.send(dialer(dialer_request())) for _ in range(2)],
    "NO_FILES": lambda c: raw(c, "POST", "upload", files={"recording": ("a.wav", b"x")}),
    "UNSUPPORTED_RECORDING": lambda c: c.upload_recordings([Upload("a.ogg", b"x", "audio/ogg")]),
    "NUMBERS_FILE_MISSING": lambda c: raw(
        c, "POST", f"upload_phones/{queued_campaign(c)}", files={"file": ("n.csv", b"1")}
    ),
    "UNSUPPORTED_FILE_TYPE": lambda c: c.upload_phone_list(
        queued_campaign(c), Upload("n.csv", b"972501234567", "text/plain")
    ),
    "INVALID_NUMBERS_FILE": lambda c: c.upload_phone_list(
        queued_campaign(c), phone_list_upload("n.csv", b"972501234567\r\nnot-a-number\r\n")
    ),
    "CAMPAIGN_NOT_FOUND": lambda c: c.start_campaign("nope"),
    "NO_NUMBERS": lambda c: c.start_campaign(queued_campaign(c)),
    "ALREADY_STARTED": lambda c: (
        [c.start_campaign(c.send(dialer(dialer_request())).request_id)]
        and c.start_campaign(CAMPAIGN)
    ),
    "NUMBER_NOT_FOUND": lambda c: c.fetch_cdrs(queued_campaign(c), "972500000000"),
    "METHOD_NOT_ALLOWED": lambda c: raw(c, "GET", "dialer"),
    "SERVER_ERROR": "error_rates",
    "SERVICE_UNAVAILABLE": "error_rates",
}


@pytest.mark.parametrize("name", list(OTHER_ERRORS))
def test_every_other_error_key(paycall, name):
    sandbox, account = paycall
    action = OTHER_ERRORS[name]
    if action == "wrong_password":
        account.credentials = {**account.credentials, "password": "wrong"}
    elif action == "no_whitelist":
        sandbox.ip_whitelist = ["10.0.0.1"]
    elif action == "error_rates":
        sandbox.error_rates = {name: 1}
    sandbox.save()
    client = get_client(account)
    with pytest.raises(ProviderError) as caught:
        if isinstance(action, str):
            client.send(dialer(dialer_request()))
        else:
            action(client)
    assert caught.value.name == name
    assert caught.value.retryable == (name in ("SERVER_ERROR", "SERVICE_UNAVAILABLE"))


def test_every_error_key_of_the_table_is_exercised():
    exercised = set(SEND_ERRORS) | set(CALL_SEND_ERRORS) | set(OTHER_ERRORS)
    assert exercised == set(PAYCALL_ERRORS)


def test_test_connection(paycall):
    _, account = paycall
    assert get_client(account).test_connection().ok
    account.credentials = {"username": "acme user@example", "password": "p@ss:w/rd%"}
    report = get_client(account).test_connection()
    assert not report.ok and "refused the user name or password" in report.message
