"""Paycall dialer and simple dialer payloads: every general field and default."""

import datetime as dt

import pytest

import providers.paycall.dialer as paycall
import providers.paycall.simple_dialer as paycall_simple
from flows import schemas
from flows.canonical import PAYCALL_DEFAULTS
from flows.dtmf import DtmfSequence
from providers.building import CompileError, Contact, MissingVariablesError, Schedule
from providers.paycall.dialer import PaycallOptions, compile_dialer, compile_ivr
from providers.paycall.importer import import_paycall
from providers.paycall.simple_dialer import (
    PaycallSimpleOptions,
    compile_simple_dialer,
    message_shape_findings,
)
from tests.unit.flow_core.flows import HANGUP, call, flow, goto, play, step

MENU = flow(
    step("menu", keys=["1", "2"], routes=[("1", [goto("bar")]), ("2", [HANGUP])]),
    step("bar", keys="1", routes=[("1", [play("Bye $first_name$"), HANGUP])]),
    variables=[{"name": "first_name", "default": "friend"}],
)
OPTS = PaycallOptions(return_address="https://example.test/paycall/report")
ANA = Contact(number="972501234567", variables={"first_name": "Ana"})


def valid_dialer(payload):
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, payload) == []
    return payload


@pytest.mark.parametrize(
    ("options", "contact", "expected"),
    [
        (OPTS, ANA, {"return_address": OPTS.return_address, "number": "972501234567"}),
        (
            PaycallOptions(return_address="r", schedule=Schedule(300)),
            ANA,
            {"schedule": 300},
        ),
        (
            PaycallOptions(return_address="r", schedule=Schedule.in_seconds(60)),
            ANA,
            {"schedule_type": "seconds", "schedule": 60},
        ),
        (
            PaycallOptions(
                return_address="r",
                schedule=Schedule.at(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
            ),
            ANA,
            {"schedule_type": "timestamp", "schedule": 1893456000},
        ),
        (PaycallOptions(return_address="r", unique_id="c-1"), ANA, {"unique_id": "c-1"}),
        (PaycallOptions(return_address="r", max_retries=5), ANA, {"max_retries": 5}),
        (PaycallOptions(return_address="r", ring_timeout=15), ANA, {"ring_timeout": 15}),
        (PaycallOptions(return_address="r", retry_wait_time=10), ANA, {"retry_wait_time": 10}),
        (
            PaycallOptions(return_address="r", numbers_from_queue=False),
            ANA,
            {"numbers_from_queue": "false", "number": "972501234567"},
        ),
        (
            PaycallOptions(return_address="r", numbers_from_queue=True),
            None,
            {"numbers_from_queue": "true"},
        ),
        (PaycallOptions(return_address="r", cli="97230000000"), ANA, {"cli": "97230000000"}),
        (
            PaycallOptions(return_address="r", cli="97230000000"),
            Contact(number="972501234567", cli="97231111111", variables={"first_name": "A"}),
            {"cli": "97231111111"},
        ),
        (
            PaycallOptions(return_address="r", dtmf_originator="W1#"),
            ANA,
            {"dtmf_originator": "W1#"},
        ),
        (
            PaycallOptions(return_address="r", dtmf_originator="W1#"),
            Contact(
                number="972501234567",
                dtmf_originator=DtmfSequence.of(1.5, "9"),
                variables={"first_name": "A"},
            ),
            {"dtmf_originator": "Ww9"},
        ),
    ],
)
def test_general_fields(options, contact, expected):
    payload = valid_dialer(compile_dialer(MENU, options, contact))
    for name, value in expected.items():
        assert payload[name] == value
    unset = {
        "schedule_type",
        "schedule",
        "unique_id",
        "max_retries",
        "ring_timeout",
        "retry_wait_time",
        "numbers_from_queue",
        "cli",
        "dtmf_originator",
    } - set(expected)
    assert not unset & set(payload), "unset options stay out: the provider default applies"


def test_queue_mode_has_no_number_and_fills_defaults_only():
    payload = valid_dialer(
        compile_dialer(MENU, PaycallOptions(return_address="r", numbers_from_queue=True))
    )
    assert "number" not in payload
    play_text = payload["ivr"]["steps"][1]["actions"][0]["actions"][0]["params"]["text"]
    assert play_text == "Bye friend"


def test_per_contact_fills_placeholders():
    payload = compile_dialer(MENU, OPTS, ANA)
    assert payload["ivr"]["steps"][1]["actions"][0]["actions"][0]["params"]["text"] == "Bye Ana"


def test_missing_variable_value_is_an_error():
    definition = flow(step("a", prompt="Hi $name$"), variables=[{"name": "name"}])
    with pytest.raises(MissingVariablesError) as info:
        compile_dialer(definition, OPTS, Contact(number="972501234567"))
    assert info.value.names == ["name"]
    assert '"name"' in info.value.findings[0].message


def test_number_is_needed_unless_from_queue():
    with pytest.raises(CompileError):
        compile_dialer(MENU, OPTS, None)


def test_explicit_defaults_write_every_documented_default():
    payload = valid_dialer(
        compile_dialer(MENU, PaycallOptions(return_address="r", explicit_defaults=True), ANA)
    )
    for name in (
        "schedule_type",
        "max_retries",
        "ring_timeout",
        "retry_wait_time",
        "numbers_from_queue",
    ):
        assert payload[name] == PAYCALL_DEFAULTS[name]
    first = payload["ivr"]["steps"][0]
    assert first["gender"] == "female"
    assert first["prompt_is_file"] == "false"
    assert first["dtmf_ivr_timeout"] == 3
    assert first["dtmf_invalid_text_is_file"] == "false"
    play_params = payload["ivr"]["steps"][1]["actions"][0]["actions"][0]["params"]
    assert play_params["gender"] == "female" and play_params["is_recording"] == "false"


@pytest.mark.parametrize(
    ("prompt", "values", "expected"),
    [
        ("Hello $n$", {"n": "Ana"}, "Hello Ana"),
        (["Hello", "$n$"], {"n": "Ana"}, ["Hello", "Ana"]),
        (
            {"text": "Hi $0$ and $n$", "fields": 1, "0": "Bob"},
            {"n": "Ana"},
            {"text": "Hi $0$ and $n$", "fields": 2, "0": "Bob", "n": "Ana"},
        ),
        ({"text": "Hi $0$", "0": "Bob"}, {"0": "ignored"}, {"text": "Hi $0$", "0": "Bob"}),
        ("Price $5$", {"n": "Ana"}, "Price $5$"),
    ],
)
def test_prompt_forms_and_placeholders(prompt, values, expected):
    definition = flow(step("a", prompt=prompt))
    assert compile_ivr(definition, values)["steps"][0]["prompt"] == expected


def test_recordings_are_never_filled():
    definition = flow(step("a", prompt="$n$.wav", prompt_is_file="true"))
    assert compile_ivr(definition, {"n": "x"})["steps"][0]["prompt"] == "$n$.wav"


def test_steps_and_actions_pass_through_in_the_documents_shape(dialer_test):
    imported = import_paycall(dialer_test)
    ivr = compile_ivr(imported.definition)
    assert ivr == dialer_test["ivr"]
    assert ivr["count_steps"] == 2 and ivr["have_dependency"] == "true"


def test_key_ranges_pass_through(key_ranges_steps):
    definition = import_paycall(key_ranges_steps).definition
    payload = valid_dialer(compile_dialer(definition, OPTS, ANA))
    assert payload["ivr"]["steps"] == key_ranges_steps


def test_check_options():
    codes = lambda findings: [f.code for f in findings]  # noqa: E731
    assert codes(paycall.check_options(OPTS, ANA)) == []
    assert codes(paycall.check_options(PaycallOptions(return_address=""), ANA)) == [
        "paycall-return-address-missing"
    ]
    assert codes(paycall.check_options(OPTS, Contact(number="030000000"))) == ["phone-not-e164"]
    assert codes(paycall.check_options(PaycallOptions(return_address="r", max_retries=10001))) == [
        "retries-out-of-range"
    ]
    assert codes(
        paycall.check_options(
            PaycallOptions(return_address="r", dtmf_originator=DtmfSequence.of(0.3, "1")), ANA
        )
    ) == ["dtmf-pause-rounded"]
    assert codes(
        paycall.check_options(PaycallOptions(return_address="r", numbers_from_queue=True), ANA)
    ) == ["paycall-number-ignored"]


# --- simple dialer ---------------------------------------------------------------

MESSAGE = flow(
    step("message", prompt="Your order $order$ is ready", gender="male"),
    variables=[{"name": "order"}],
)


def valid_simple(payload):
    assert schemas.validate(schemas.PAYCALL_SIMPLE_DIALER_REQUEST, payload) == []
    return payload


def test_simple_dialer_message_then_hangup():
    payload = valid_simple(
        compile_simple_dialer(
            MESSAGE,
            PaycallSimpleOptions(unique_id="u1"),
            Contact(number="972501234567", variables={"order": "42"}),
        )
    )
    assert payload == {
        "unique_id": "u1",
        "leg_a": "972501234567",
        "tts": "true",
        "gender": "male",
        "sound": "Your order 42 is ready",
    }


def test_simple_dialer_bridges_to_leg_b_and_takes_all_fields():
    options = PaycallSimpleOptions(
        unique_id="u1",
        dial_at=1893456000,
        from_campaign=False,
        answer_delay=2,
        ring_timeout="20",
        max_retries=1,
        retry_wait_time=3,
        leg_b="972501234568",
        cid_b="97230000000",
        dtmf_b="Ww12",
    )
    contact = Contact(
        number="+972501234567", cli="97231111111", dtmf_originator="w5", variables={"order": "7"}
    )
    payload = valid_simple(compile_simple_dialer(MESSAGE, options, contact))
    assert payload["from_campaign"] == "false"
    assert (payload["cid_a"], payload["dtmf_a"]) == ("97231111111", "w5")
    assert (payload["leg_b"], payload["cid_b"], payload["dtmf_b"]) == (
        "972501234568",
        "97230000000",
        "Ww12",
    )
    assert (payload["dial_at"], payload["answer_delay"], payload["ring_timeout"]) == (
        1893456000,
        2,
        "20",
    )


def test_simple_dialer_from_campaign_and_recording():
    definition = flow(step("message", prompt="promo.wav", prompt_is_file="true"))
    payload = valid_simple(
        compile_simple_dialer(definition, PaycallSimpleOptions(from_campaign=True))
    )
    assert payload == {"from_campaign": "true", "tts": "false", "sound": "promo.wav"}


@pytest.mark.parametrize(
    ("definition", "fits"),
    [
        (MESSAGE, True),
        (flow(step("a"), step("b")), False),
        (flow(step("a", keys=["1"])), False),
        (flow(step("a", routes=[("1", [call()])])), False),
        (flow(step("a", prompt="")), False),
        (flow(step("a", prompt={"text": "Hi $0$", "0": "Bob"})), True),
    ],
)
def test_message_shape(definition, fits):
    assert paycall_simple.has_message_shape(definition) is fits
    if not fits:
        assert message_shape_findings(definition)[0].code == "simple-dialer-shape"
        with pytest.raises(CompileError):
            compile_simple_dialer(definition, PaycallSimpleOptions(from_campaign=True))


def test_simple_dialer_checks_e164_legs():
    findings = paycall_simple.check_options(
        PaycallSimpleOptions(leg_b="0501234567"), Contact(number="030000000")
    )
    assert [(f.code, f.field) for f in findings] == [
        ("phone-not-e164", "leg_a"),
        ("phone-not-e164", "leg_b"),
    ]
