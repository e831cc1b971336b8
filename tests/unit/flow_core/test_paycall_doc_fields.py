"""One row per field of the Paycall document's Dialer, IVR, Steps and Action
sections: its documented default, and that a value survives compile -> schema ->
import unchanged."""

import pytest

from flows import schemas
from flows.canonical import PAYCALL_DEFAULTS
from flows.simulator import TIMEOUT, simulate
from providers.building import Contact
from providers.paycall.dialer import PaycallOptions, compile_dialer
from providers.paycall.importer import export_paycall, import_paycall
from tests.unit.flow_core.flows import HANGUP, call, flow, goto, mark, play, step, wait

DOCUMENTED_DEFAULTS = [
    # (field, default in the document)
    ("schedule_type", "seconds"),
    ("schedule", None),
    ("max_retries", 3),
    ("ring_timeout", 10),
    ("retry_wait_time", 0),
    ("numbers_from_queue", "false"),
    ("have_dependency", "false"),
    ("gender", "female"),
    ("prompt_is_file", "false"),
    ("dtmf_ivr_timeout", 3),
    ("dtmf_invalid_text_is_file", "false"),
    ("play.gender", "female"),
    ("play.is_recording", "false"),
]


@pytest.mark.parametrize(("name", "default"), DOCUMENTED_DEFAULTS)
def test_documented_defaults(name, default):
    assert PAYCALL_DEFAULTS[name] == default


STEP_FIELDS = [
    ("gender", "male"),
    ("prompt_is_file", "true"),
    ("prompt", "Plain text"),
    ("prompt", ["Several ", "texts"]),
    ("prompt", {"text": "Hello $0$", "fields": 1, "0": "Fred"}),
    ("prompt", {"text": "Hello $name$", "fields": 1, "name": "Fred"}),
    ("dtmf_ivr", "0"),
    ("dtmf_ivr", ["1", "11", "0", "#", "*"]),
    ("dtmf_ivr_timeout", 1),
    ("dtmf_ivr_timeout", 2.5),
    ("dtmf_invalid_text_is_file", "true"),
    ("dtmf_ivr_invalid_text", "Wrong key"),
    ("dtmf_ivr_retries", 0),
    ("dtmf_ivr_retries", 10000),
    ("actions", None),
]

ACTIONS = [
    HANGUP,
    call("0500000000", "030000000"),
    call("972501234567", "972301234567", dtmf_keys="WWW111113"),
    goto("main"),
    mark("remove"),
    mark("custom", "interested"),
    play("Thanks"),
    play("Thanks", gender="male", is_recording="false"),
    play("thanks.wav", is_recording="true"),
    wait(0.5),
    wait(100000),
]

KEYS = ["1", "11", "#", "*", {"min": "10", "max": "12"}]


def round_trip(definition):
    payload = compile_dialer(
        definition, PaycallOptions(return_address="r"), Contact("972501234567")
    )
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, payload) == []
    imported = import_paycall(payload)
    assert imported.findings == []
    assert export_paycall(imported) == payload
    return imported.definition["steps"][0]


@pytest.mark.parametrize(("field", "value"), STEP_FIELDS)
def test_step_fields(field, value):
    assert round_trip(flow(step("main", **{field: value})))[field] == value


@pytest.mark.parametrize("action", ACTIONS)
def test_action_types(action):
    got = round_trip(flow(step("main", keys=["1"], routes=[("1", [action])])))
    assert got["actions"][0]["actions"] == [action]


@pytest.mark.parametrize("key", KEYS)
def test_route_keys(key):
    got = round_trip(flow(step("main", keys=["1"], routes=[(key, [HANGUP])])))
    assert got["actions"][0]["key"] == key


def test_dtmf_ivr_timeout_default_is_three_seconds():
    result = simulate(flow(step("a", keys=["1"], routes=[("1", [HANGUP])])), [TIMEOUT, "1"])
    assert "No key pressed within 3 seconds." in result.lines()


def test_null_actions_end_the_call_after_the_key():
    result = simulate(flow(step("a", keys=["1"], actions=None), step("b")), ["1"])
    assert result.ended_by == "flow_end"
    assert result.report["steps"] == [{"dtmf": "1", "step_name": "a"}]


def test_empty_invalid_text_repeats_the_question():
    result = simulate(flow(step("a", keys=["1"], routes=[("1", [HANGUP])])), ["5", "1"])
    assert [e.kind for e in result.transcript][:4] == ["prompt", "invalid", "retry", "prompt"]
