"""Where the emulators used to read a provider document more loosely or more strictly
than it is written: each case sends a request over HTTP (Django's test client) and
expects the answer the document, or sandbox/README.md where the document is silent,
gives."""

import base64
import json
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sandbox import registry
from sandbox.models import CalleeScript, LedgerCall, PaycallCampaign
from sandbox.simulation import simulate_calls
from tests.integration.providers.sandbox_setup import (
    FLOW_ID,
    IOVOX_KEY,
    IOVOX_USER,
    LINK_ID,
    PAYCALL_PASSWORD,
    PAYCALL_USER,
    SECURITY_ID,
    fixture_bytes,
    fixture_json,
)

pytestmark = pytest.mark.django_db

PAYCALL = "/sandbox/paycall/v2/calls"
PHONON = "/sandbox/phonon/kairos-apis/outbounddialer/create"
IOVOX = "/sandbox/iovox/Calling?v=3&method=initiateCall"


@pytest.fixture
def paycall_sandbox():
    return registry.paycall_account(
        name="Paycall sandbox", username=PAYCALL_USER, password=PAYCALL_PASSWORD
    )


@pytest.fixture
def phonon_flow(phonon_keys):
    return registry.phonon_account(
        name="Phonon sandbox", flows={FLOW_ID: SECURITY_ID}, private_key_pem=phonon_keys[0]
    )


@pytest.fixture
def iovox_link():
    return registry.iovox_account(
        name="iovox sandbox", username=IOVOX_USER, secure_key=IOVOX_KEY, links={LINK_ID: []}
    )


def phonon_call(identifier: str, number: str = "918000000001", **extra) -> dict:
    return {
        "client-identifier": identifier,
        "start-time": timezone.now().isoformat(),
        "contact-numbers": [number],
        "keys": [{"name": "$flow.key.Name", "value": "Ankit Parihar"}],
        **extra,
    }


def iovox_xml(*variables: tuple[str, str], tail: str = "") -> bytes:
    """The document's request with these call variables after call_destination; tail
    goes after call_variables."""
    extra = "".join(f"<{name}>{value}</{name}>" for name, value in variables)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<request><link_id>{LINK_ID}</link_id>'
        "<call_variables><call_destination>449789123123,,1,,2</call_destination>"
        f"{extra}</call_variables>{tail}</request>"
    ).encode()


def paycall_auth() -> dict:
    token = f"{quote(PAYCALL_USER, safe='')}:{quote(PAYCALL_PASSWORD, safe='')}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(token).decode()}


def paycall_post(client, path: str, payload: dict):
    return client.post(
        f"{PAYCALL}/{path}",
        data=json.dumps(payload),
        content_type="application/json",
        **paycall_auth(),
    )


def dialer_request(**changes) -> dict:
    request = fixture_json("paycall", "dialer_test.json")
    for field, value in changes.items():
        if value is None:
            request.pop(field, None)
        else:
            request[field] = value
    return request


def simple_request(**changes) -> dict:
    return {**fixture_json("paycall", "simple_test.json"), **changes}


def with_routes(*routes) -> dict:
    """The document's request whose first step has these routes (key, actions)."""
    request = dialer_request()
    request["ivr"]["steps"][0]["actions"] = [
        {"key": key, "actions": [{"action": "hangup"}]} for key in routes
    ]
    return request


# -- Paycall Dialer API -----------------------------------------------------------
@pytest.mark.parametrize(
    ("request_body", "status", "error"),
    [
        # "number: Applicable only if the field numbers_from_queue is set to "false"".
        (dialer_request(numbers_from_queue="true"), 200, None),
        (dialer_request(numbers_from_queue="true", number="not a number"), 200, None),
        (dialer_request(numbers_from_queue="true", number=None), 200, None),
        (dialer_request(numbers_from_queue="false", number=None), 400, "NUMBER_MISSING"),
        # "min - The smallest DTMF ... max - The biggest DTMF".
        (with_routes({"min": "1", "max": "5"}), 200, None),
        (with_routes({"min": "5", "max": "1"}), 400, "INVALID_KEY_RANGE"),
        (with_routes({"min": "10", "max": "10"}), 200, None),
        # "... the min-element and max-elements should not include it."
        (with_routes({"min": "10", "max": "12"}, "13", {"min": "14", "max": "17"}), 200, None),
        (with_routes({"min": "10", "max": "17"}, "13"), 400, "INVALID_KEY_RANGE"),
        (with_routes("13", {"min": "10", "max": "17"}), 400, "INVALID_KEY_RANGE"),
        (with_routes({"min": "10", "max": "17"}, "#"), 200, None),
        # "Range must be numeric, it cannot use the # or * chars."
        (with_routes({"min": "1", "max": "#"}), 400, "INVALID_REQUEST"),
    ],
)
def test_dialer_reads_the_document(client, paycall_sandbox, request_body, status, error):
    answer = paycall_post(client, "dialer", request_body)
    assert answer.status_code == status, answer.json()
    assert answer.json().get("error") == error


@pytest.mark.parametrize(
    ("path", "request_body"),
    [
        ("dialer", dialer_request(number="0501234567", secret="s3cret-value", extra=1)),
        ("dialer", dialer_request(max_retries="s3cret-value")),
        ("dialer", dialer_request(number="s3cret-value")),
        ("dialer", with_routes({"min": "5", "max": "1"}, "s3cret-value")),
        ("simple_dialer", simple_request(leg_a="s3cret-value")),
        ("simple_dialer", simple_request(dtmf_b=7)),
        ("simple_dialer", simple_request(gender="s3cret-value")),
    ],
)
def test_no_error_message_echoes_the_request(client, paycall_sandbox, path, request_body):
    answer = paycall_post(client, path, request_body)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "s3cret-value" not in body and "05460000000" not in body and "0501234567" not in body


def test_a_recording_missing_is_named_by_where_it_is_asked_for(client, paycall_sandbox):
    request = dialer_request()
    request["ivr"]["steps"][1].update(prompt="s3cret-file.wav", prompt_is_file="true")
    answer = paycall_post(client, "dialer", request).json()
    assert answer["error"] == "RECORDING_NOT_FOUND"
    assert "ivr/steps/1/prompt" in answer["message"] and "s3cret" not in answer["message"]


def linear_request(count_steps: int, unique_id: str) -> dict:
    steps = [
        {"step_id": name, "prompt": name, "dtmf_ivr": ["1"], "actions": None}
        for name in ("first", "second", "third")
    ]
    return dialer_request(
        unique_id=unique_id,
        ivr={"count_steps": count_steps, "have_dependency": "false", "steps": steps},
    )


@pytest.mark.parametrize(
    ("count_steps", "walked"),
    [(1, ["first"]), (2, ["first", "second"]), (3, ["first", "second", "third"])],
)
def test_the_ivr_stops_at_count_steps(client, paycall_sandbox, count_steps, walked):
    """ "If the number of steps is different then count_steps, then the IVR will stop
    at the minimal steps provided." (IVR API)"""
    request = linear_request(count_steps, f"count-{count_steps}")
    assert paycall_post(client, "dialer", request).status_code == 200
    CalleeScript.objects.create(number=request["number"], keys=["1", "1", "1"], talk_seconds=9)
    assert paycall_post(client, f"start_campaign/{request['unique_id']}", {}).status_code == 200
    (call,) = simulate_calls(list(LedgerCall.objects.select_related("account")))
    assert [step["step_name"] for step in call.steps["steps"]] == walked


def test_a_goto_past_count_steps_ends_the_ivr(client, paycall_sandbox):
    request = dialer_request(unique_id="goto-past")
    request["ivr"]["count_steps"] = 1
    assert paycall_post(client, "dialer", request).status_code == 200
    CalleeScript.objects.create(number=request["number"], keys=["1", "1"], talk_seconds=9)
    paycall_post(client, f"start_campaign/{request['unique_id']}", {})
    (call,) = simulate_calls(list(LedgerCall.objects.select_related("account")))
    assert [step["step_name"] for step in call.steps["steps"]] == ["foo"]


# -- Paycall Simple Dialer API --------------------------------------------------------


@pytest.mark.parametrize(
    ("request_body", "status", "error"),
    [
        # "leg_a: The phone number to call to, using E.164 standard."
        (simple_request(leg_a="+97231234567"), 200, None),
        (simple_request(leg_a="0501234567"), 400, "INVALID_NUMBER"),
        (simple_request(leg_a="97231234567\u0665"), 400, "INVALID_NUMBER"),
        (simple_request(leg_a="9723123456789012"), 400, "INVALID_NUMBER"),
        (simple_request(leg_a=""), 400, "NUMBER_MISSING"),
        # "leg_b: An E.164 phone number to connect after ..."
        (simple_request(leg_b="0501234567"), 400, "INVALID_NUMBER"),
        # "If "from_campaign" is "true", the field is ignored." (leg_a, cid_a, dtmf_a)
        (simple_request(from_campaign="true", leg_a="0501234567", cid_a="x", dtmf_a=5), 200, None),
    ],
)
def test_simple_dialer_reads_the_document(client, paycall_sandbox, request_body, status, error):
    answer = paycall_post(client, "simple_dialer", request_body)
    assert answer.status_code == status, answer.json()
    assert answer.json().get("error") == error


@pytest.mark.parametrize(
    ("line", "accepted"),
    [
        (b"+972540000000", True),
        (b"972723000000,0720000000", True),
        # "number: E.164 phone number structure ... An Invalid E.164 will raise an exception."
        (b"0540000000", False),
        (b"97254000000\xd9\xa5", False),
    ],
)
def test_phone_lists_hold_e164_numbers(client, paycall_sandbox, line, accepted):
    request = dialer_request(numbers_from_queue="true", number=None, unique_id="queue")
    paycall_post(client, "dialer", request)
    answer = client.post(
        f"{PAYCALL}/upload_phones/queue",
        {"numbers": SimpleUploadedFile("n.csv", line + b"\r\n", content_type="text/csv")},
        **paycall_auth(),
    )
    assert (answer.status_code == 200) is accepted, answer.json()
    if not accepted:
        assert answer.json()["error"] == "INVALID_NUMBERS_FILE"
    assert len(PaycallCampaign.objects.get(unique_id="queue").numbers) == int(accepted)


# -- Phonon -----------------------------------------------------------------------------
def phonon_post(client, calls: list[dict]):
    body = {"api-version": "1.0", "security-id": SECURITY_ID, "flow-id": FLOW_ID, "calls": calls}
    return client.post(PHONON, data=json.dumps(body), content_type="application/json").json()


@pytest.mark.parametrize(
    ("keys", "code"),
    [
        ([{"name": "$flow.key.Name", "value": "Ankit"}], 200),
        ([], 200),
        # ""name": "$flow.key.<variable>": Name of flow variable."
        ([{"name": "Name", "value": "Ankit"}], 210),
        ([{"name": "flow.key.Name", "value": "Ankit"}], 210),
        ([{"name": "$flow.key.", "value": "Ankit"}], 210),
        ([{"value": "Ankit"}], 210),
    ],
)
def test_phonon_flow_keys_carry_their_prefix(client, phonon_flow, keys, code):
    answer = phonon_post(client, [phonon_call("c-1", keys=keys)])
    assert answer["api-response-code"] == code


def test_phonon_a_call_with_a_bare_key_fails_alone(client, phonon_flow):
    bare = phonon_call("bare", number="918000000002", keys=[{"name": "Name", "value": "A"}])
    answer = phonon_post(client, [phonon_call("good"), bare])
    assert answer["api-response-code"] == 209
    assert [c["client-identifier"] for c in answer["call-details"]] == ["good"]
    assert answer["failed-calls"][0]["api-response-code"] == 210


@pytest.mark.parametrize(("number", "code"), [("918000000001", 200), ("91800000000\u0665", 205)])
def test_phonon_contact_numbers_are_ascii_digits(client, phonon_flow, number, code):
    assert phonon_post(client, [phonon_call("c-1", number=number)])["api-response-code"] == code


# -- iovox ------------------------------------------------------------------------------
def iovox_post(client, body: bytes):
    return client.post(
        IOVOX,
        data=body,
        content_type="application/xml",
        HTTP_USERNAME=IOVOX_USER,
        HTTP_SECUREKEY=IOVOX_KEY,
    )


def iovox_error(answer) -> str:
    content = answer.content.decode()
    return content.split("<error>")[1].split("</error>")[0] if "<error>" in content else ""


@pytest.mark.parametrize(
    ("delay", "status", "error"),
    [
        ("30", 201, ""),
        ("0", 201, ""),
        # "The "delay" variable is optional and must be an integer." (N minutes ahead)
        ("\u0665", 400, "Call Variable delay Invalid"),
        ("-5", 400, "Call Variable delay Invalid"),
        ("1.5", 400, "Call Variable delay Invalid"),
        ("abc", 400, "Call Variable delay Invalid"),
        ("", 400, "Call Variable delay Empty"),
    ],
)
def test_iovox_delay_is_a_whole_number_of_minutes(client, iovox_link, delay, status, error):
    answer = iovox_post(client, iovox_xml(("delay", delay)))
    assert (answer.status_code, iovox_error(answer)) == (status, error)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (iovox_xml(("call_destination", "447000000000")), "call_destination"),
        (iovox_xml(("delay", "30"), ("delay", "5")), "delay"),
        (iovox_xml(("my_var", "a"), ("my_var", "b")), "my_var"),
    ],
)
def test_iovox_refuses_a_duplicated_variable(client, iovox_link, body, name):
    answer = iovox_post(client, body)
    assert (answer.status_code, iovox_error(answer)) == (400, f"Call Variable {name} Duplicated")
    assert not LedgerCall.objects.exists()


@pytest.mark.parametrize(
    ("tail", "error"),
    [
        (f"<link_id>{LINK_ID}</link_id>", "Link ID Duplicated"),
        ("<call_variables><delay>5</delay></call_variables>", "Call Variables Duplicated"),
    ],
)
def test_iovox_refuses_a_duplicated_request_element(client, iovox_link, tail, error):
    answer = iovox_post(client, iovox_xml(tail=tail))
    assert (answer.status_code, iovox_error(answer)) == (400, error)


def test_iovox_ignores_comments_among_call_variables(client, iovox_link):
    body = iovox_xml().replace(b"<call_variables>", b"<call_variables><!-- a --><!-- b -->")
    assert iovox_post(client, body).status_code == 201


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            b"<request>\n<link_id>x</request>",
            "Opening and ending tag mismatch: link_id and request",
        ),
        (b"<request>", "Premature end of data in tag request"),
        (b"<request><a>&foo;</a></request>", "Entity 'foo' not defined"),
    ],
)
def test_iovox_parse_errors_state_the_position_once(client, iovox_link, body, problem):
    """ "XML parse error. x at line y, column z"."""
    answer = iovox_post(client, body)
    assert answer.status_code == 400
    assert re.fullmatch(
        f"XML parse error. {re.escape(problem)} at line \\d+, column \\d+", iovox_error(answer)
    )


def test_iovox_document_example_still_accepted(client, iovox_link):
    assert iovox_post(client, fixture_bytes("iovox", "initiate_call.xml")).status_code == 201
    assert LedgerCall.objects.get().number == "449789123123"
