"""Property-based round trips: generated canonical flows through canonical form
and Paycall JSON (the rows half of the round trip is tested with the models)."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import schemas
from flows.canonical import ivr_object, normalize
from flows.lint import lint
from flows.simulator import simulate
from providers.building import Contact, Schedule
from providers.paycall.dialer import PaycallOptions, compile_dialer
from providers.paycall.importer import export_paycall, import_paycall

STEP_IDS = st.text("abcdefgh_", min_size=1, max_size=6)
DIGITS = st.text("0123456789", min_size=1, max_size=3)
KEY = st.text("0123456789*#", min_size=1, max_size=2)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
BOOL = st.sampled_from(["true", "false"])
GENDER = st.sampled_from(["male", "female"])
PHONE = st.from_regex(r"\A\+?972[0-9]{8}\Z")


def maybe(**fields):
    """A fixed dict of optional fields, each present or absent."""
    return st.fixed_dictionaries({}, optional=fields)


def action(step_ids):
    return st.one_of(
        st.just({"action": "hangup"}),
        st.builds(
            lambda number, cli, extra: {
                "action": "call",
                "params": {"number": number, "cli": cli, **extra},
            },
            PHONE,
            PHONE,
            maybe(dtmf_keys=st.text("0123456789*#Ww", max_size=8)),
        ),
        st.builds(
            lambda t: {"action": "goto", "params": {"step_id": t}}, st.sampled_from(step_ids)
        ),
        st.builds(
            lambda v: {"action": "mark", "params": {"type": "custom", "value": v}},
            TEXT.filter(str.strip),
        ),
        st.just({"action": "mark", "params": {"type": "remove"}}),
        st.builds(
            lambda t, extra: {"action": "play", "params": {"text": t, **extra}},
            TEXT.filter(bool),
            maybe(gender=GENDER, is_recording=BOOL),
        ),
        st.builds(
            lambda s: {"action": "wait", "params": {"sleep": s}},
            st.one_of(st.integers(0, 100), st.sampled_from([0.5, 1.5, 3.5])),
        ),
    )


def route_key():
    return st.one_of(
        KEY,
        st.builds(lambda a, b: {"min": a, "max": b}, DIGITS, DIGITS),
    )


PROMPT = st.one_of(
    TEXT,
    st.lists(TEXT, min_size=1, max_size=3),
    st.builds(
        lambda text, values: {"text": text, "fields": len(values), **values},
        TEXT,
        st.dictionaries(st.sampled_from(["0", "1", "name"]), TEXT, max_size=3),
    ),
)


@st.composite
def definitions(draw):
    ids = draw(st.lists(STEP_IDS, min_size=1, max_size=5, unique=True))
    steps = []
    for sid in ids:
        step = {"step_id": sid}
        step.update(
            draw(
                maybe(
                    gender=GENDER,
                    prompt_is_file=BOOL,
                    prompt=PROMPT,
                    dtmf_ivr=st.one_of(KEY, st.lists(KEY, max_size=4)),
                    dtmf_ivr_timeout=st.one_of(st.integers(1, 30), st.just(0.5)),
                    dtmf_invalid_text_is_file=BOOL,
                    dtmf_ivr_invalid_text=TEXT,
                    dtmf_ivr_retries=st.integers(0, 10000),
                    actions=st.one_of(
                        st.none(),
                        st.lists(
                            st.fixed_dictionaries(
                                {"key": route_key(), "actions": st.lists(action(ids), max_size=3)}
                            ),
                            max_size=4,
                        ),
                    ),
                )
            )
        )
        steps.append(step)
    return normalize(
        {
            "name": draw(TEXT.filter(bool)),
            "have_dependency": draw(BOOL),
            "steps": steps,
            "variables": [],
        }
    )


OPTIONS = st.builds(
    PaycallOptions,
    return_address=st.just("https://example.test/report"),
    unique_id=st.one_of(st.none(), st.uuids().map(str)),
    schedule=st.one_of(
        st.none(),
        st.builds(Schedule, st.integers(0, 10**6), st.sampled_from([None, "seconds", "timestamp"])),
    ),
    max_retries=st.one_of(st.none(), st.integers(0, 10000)),
    ring_timeout=st.one_of(st.none(), st.integers(1, 120)),
    retry_wait_time=st.one_of(st.none(), st.integers(0, 600)),
    numbers_from_queue=st.sampled_from([None, False]),
    cli=st.one_of(st.none(), PHONE),
    dtmf_originator=st.one_of(st.none(), st.text("0123456789*#Ww", max_size=6)),
)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@SETTINGS
@given(definitions())
def test_generated_flows_are_schema_valid_and_canonical(definition):
    assert schemas.validate(schemas.FLOW_DEFINITION, definition) == []
    assert normalize(definition) == definition
    assert normalize(json.loads(json.dumps(definition))) == definition


@SETTINGS
@given(definitions(), OPTIONS, PHONE)
def test_canonical_to_paycall_json_and_back(definition, options, number):
    payload = compile_dialer(definition, options, Contact(number=number))
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, payload) == []
    text = json.dumps(payload, ensure_ascii=False)
    imported = import_paycall(text, name=definition["name"])
    assert imported.findings == []
    assert imported.definition == definition
    assert canonical_json(export_paycall(imported)) == canonical_json(payload)
    assert ivr_object(imported.definition) == payload["ivr"]


@SETTINGS
@given(
    definitions(), st.lists(st.one_of(st.none(), st.text("0123456789*#", max_size=3)), max_size=8)
)
def test_lint_and_simulator_never_crash(definition, inputs):
    for finding in lint(definition):
        assert finding.message and finding.code
    result = simulate(definition, inputs)
    assert set(result.report) == {"steps", "invalid", "unique_id"}
