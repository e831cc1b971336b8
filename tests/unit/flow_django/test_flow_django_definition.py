"""Rows <-> canonical definition: lossless both ways, in a constant number of queries."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import canonical
from flows.definition import (
    DefinitionError,
    definition_from_flow,
    join_definition,
    read_flow,
    save_definition,
    split_definition,
)
from flows.models import Action, Flow, Route, Step
from providers.paycall.importer import export_paycall, import_paycall

from .support import PAYCALL_FIXTURES, fixture_json, saved, two_step_definition, wide_flow

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fixture", PAYCALL_FIXTURES)
def test_every_paycall_fixture_survives_import_rows_export(fixture):
    original = fixture_json(fixture)
    imported = import_paycall(copy.deepcopy(original))
    flow = saved(imported.definition)
    strict, _ = read_flow(flow)
    assert strict == imported.definition
    imported.definition = strict
    assert export_paycall(imported) == original


def test_absent_optional_fields_stay_absent():
    definition = two_step_definition()
    flow = saved(definition)
    bye = definition_from_flow(flow)["steps"][1]
    assert set(bye) == {"step_id", "prompt", "dtmf_ivr", "actions"}
    step = Step.objects.get(flow=flow, step_id="bye")
    assert step.dtmf_ivr_timeout is None and step.gender is None


def test_actions_null_and_absent_are_kept_apart():
    definition = two_step_definition()
    definition["steps"][1]["actions"] = None
    definition["steps"].append({"step_id": "silent", "prompt": "…"})
    definition["count_steps"] = 3
    assert definition_from_flow(saved(definition)) == definition


def test_metadata_travels_beside_the_strict_definition():
    definition = two_step_definition(max_retries=5, layout={"menu": {"x": 10.5, "y": 20}})
    flow = saved(definition)
    strict, metadata = read_flow(flow)
    assert "layout" not in strict and "language" not in strict
    assert "label" not in strict["variables"][0]
    assert canonical.normalize(strict) == strict
    assert metadata == {
        "language": "en",
        "max_retries": 5,
        "layout": {"menu": {"x": 10.5, "y": 20.0}},
        "variable_labels": {"first_name": "First name"},
    }
    assert join_definition(strict, metadata) == definition
    assert split_definition(definition) == (strict, metadata)


def test_the_older_nested_ivr_shape_is_read_too():
    flat = two_step_definition()
    nested = {k: v for k, v in flat.items() if k not in ("count_steps", "have_dependency")}
    nested["ivr"] = {
        "count_steps": 2,
        "have_dependency": "true",
        "steps": nested.pop("steps"),
    }
    assert definition_from_flow(saved(nested)) == flat


def test_goto_is_a_foreign_key_that_follows_a_rename():
    flow = saved(two_step_definition())
    goto = Action.objects.get(route__step__flow=flow, type="goto")
    assert goto.goto_step.step_id == "bye"
    bye = goto.goto_step
    bye.step_id = "farewell"
    bye.save()
    steps = definition_from_flow(flow)["steps"]
    assert steps[0]["actions"][0]["actions"][0]["params"] == {"step_id": "farewell"}


def test_deleting_the_goto_target_keeps_the_goto_with_its_last_name():
    flow = saved(two_step_definition())
    bye = Step.objects.get(flow=flow, step_id="bye")
    bye.step_id = "farewell"
    bye.save()
    bye.delete()
    goto = Action.objects.get(route__step__flow=flow, type="goto")
    assert goto.goto_step is None
    definition = definition_from_flow(flow)
    assert definition["steps"][0]["actions"][0]["actions"] == [
        {"action": "goto", "params": {"step_id": "farewell"}}
    ]


def test_a_goto_to_a_missing_step_is_stored_and_exported_as_written():
    definition = two_step_definition()
    definition["steps"][0]["actions"][0]["actions"][0]["params"]["step_id"] = "nowhere"
    flow = saved(definition)
    assert Action.objects.get(route__step__flow=flow, type="goto").goto_step is None
    assert definition_from_flow(flow) == definition


def test_saving_replaces_the_draft_and_bumps_the_revision():
    flow = saved(two_step_definition())
    assert flow.draft_revision == 1
    smaller = two_step_definition()
    smaller["steps"] = smaller["steps"][1:]
    smaller["count_steps"] = 1
    save_definition(flow=flow, definition=smaller)
    assert flow.draft_revision == 2
    assert list(Step.objects.filter(flow=flow).values_list("step_id", flat=True)) == ["bye"]
    assert Route.objects.filter(step__flow=flow).count() == 1


def test_count_steps_is_always_derived():
    definition = two_step_definition(count_steps=7)
    assert definition_from_flow(saved(definition))["count_steps"] == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["steps"].append({"step_id": "menu"}), 'Two steps have the step_id "menu"'),
        (
            lambda d: d["variables"].append({"name": "first_name"}),
            'Two variables are named "first_name"',
        ),
    ],
)
def test_definitions_the_tables_cannot_hold_are_refused_in_words(change, message):
    definition = two_step_definition()
    change(definition)
    with pytest.raises(DefinitionError) as raised:
        saved(definition)
    assert any(message in m for m in raised.value.messages)
    assert not Flow.objects.exists()


@pytest.mark.parametrize("steps", [5, 100])
def test_reading_a_flow_takes_four_queries_whatever_its_size(steps, django_assert_num_queries):
    definition = wide_flow(steps)
    flow = Flow.objects.get(pk=saved(definition).pk)
    with django_assert_num_queries(4):
        assert definition_from_flow(flow) == definition


def test_saving_uses_bulk_inserts_not_a_query_per_row():
    flow = saved(wide_flow(1))
    with CaptureQueriesContext(connection) as captured:
        save_definition(flow=flow, definition=wide_flow(100))
    # 100 steps, 200 routes, 300 actions, 3 variables: only the database's limit on
    # parameters per statement splits the inserts into batches.
    assert len(captured) < 40


# --- property: any canonical flow survives save_definition -> definition_from_flow ---

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
dtmf_key = st.text(alphabet="0123456789*#", min_size=1, max_size=3)
digits = st.text(alphabet="0123456789", min_size=1, max_size=3)
string_bool = st.sampled_from(["true", "false"])
gender = st.sampled_from(["male", "female"])
seconds = st.one_of(st.integers(0, 600), st.floats(0, 600, allow_nan=False))
prompt = st.one_of(
    text,
    st.lists(text, min_size=1, max_size=3),
    st.builds(
        lambda body, values: {"text": body, "fields": len(values), **values},
        text,
        st.dictionaries(st.sampled_from(["0", "1", "name"]), text, max_size=2),
    ),
)


def optional(**fields):
    """A fixed_dictionaries strategy where every field may be left out."""
    return st.fixed_dictionaries({}, optional=fields)


def actions(step_ids: list[str]):
    params = {
        "call": st.builds(
            lambda number, cli, extra: {"number": number, "cli": cli, **extra},
            st.from_regex(r"\A\+?[0-9]{3,12}\Z"),
            st.from_regex(r"\A[0-9]{0,9}\Z"),
            optional(dtmf_keys=st.from_regex(r"\A[0-9Ww#*]{1,8}\Z")),
        ),
        "goto": st.builds(
            lambda target: {"step_id": target}, st.sampled_from([*step_ids, "missing"])
        ),
        "mark": st.one_of(
            st.just({"type": "remove"}),
            st.builds(lambda value: {"type": "custom", "value": value}, text),
        ),
        "play": st.builds(
            lambda body, extra: {"text": body, **extra},
            text,
            optional(gender=gender, is_recording=string_bool),
        ),
        "wait": st.builds(lambda sleep: {"sleep": sleep}, seconds),
    }
    one = st.one_of(
        st.just({"action": "hangup"}),
        *(
            st.builds(lambda p, kind=kind: {"action": kind, "params": p}, strategy)
            for kind, strategy in params.items()
        ),
    )
    return st.lists(one, max_size=3)


def routes(step_ids: list[str]):
    key = st.one_of(dtmf_key, st.builds(lambda a, b: {"min": a, "max": b}, digits, digits))
    route = st.builds(lambda k, a: {"key": k, "actions": a}, key, actions(step_ids))
    return st.one_of(st.none(), st.lists(route, max_size=3))


@st.composite
def editable_definitions(draw):
    step_ids = draw(
        st.lists(st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z"), min_size=1, max_size=4, unique=True)
    )
    steps = []
    for step_id in step_ids:
        step = {"step_id": step_id}
        step.update(
            draw(
                optional(
                    gender=gender,
                    prompt_is_file=string_bool,
                    prompt=prompt,
                    dtmf_ivr=st.one_of(dtmf_key, st.lists(dtmf_key, min_size=1, max_size=4)),
                    dtmf_ivr_timeout=st.one_of(st.integers(1, 30), st.floats(0.5, 30)),
                    dtmf_invalid_text_is_file=string_bool,
                    dtmf_ivr_invalid_text=text,
                    dtmf_ivr_retries=st.integers(0, 10000),
                    actions=routes(step_ids),
                )
            )
        )
        steps.append(canonical.normalize_step(step))
    names = draw(st.lists(st.from_regex(r"\A[a-z_][a-z0-9_]{0,10}\Z"), max_size=3, unique=True))
    variables = [
        {"name": name, **draw(optional(label=text, default=text, description=text))}
        for name in names
    ]
    definition = {
        "schema_version": 1,
        "name": draw(text),
        "count_steps": len(steps),
        "have_dependency": draw(string_bool),
        "steps": steps,
        "variables": variables,
        "language": draw(st.sampled_from(["he", "en", "ru"])),
    }
    definition.update(
        draw(
            optional(
                description=text,
                max_retries=st.integers(0, 10000),
                layout=st.dictionaries(
                    st.sampled_from(step_ids),
                    st.fixed_dictionaries({"x": st.floats(-1e4, 1e4), "y": st.floats(-1e4, 1e4)}),
                    min_size=1,
                ),
            )
        )
    )
    return definition


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(definition=editable_definitions())
def test_any_canonical_flow_round_trips_through_rows(definition):
    strict, _ = split_definition(definition)
    assert canonical.normalize(strict) == strict
    assert definition_from_flow(saved(definition)) == definition


def test_waits_round_up_and_timeouts_default_to_three_seconds():
    flow = saved(two_step_definition())
    route = Route.objects.filter(step__flow=flow).first()
    assert Action(route=route, type="wait", sleep=0.5).wait_seconds == 1
    assert Action(route=route, type="wait", sleep=3.0).wait_seconds == 3
    assert Step.objects.get(flow=flow, step_id="bye").effective_timeout == 3


def test_the_longest_values_the_schema_allows_fit_the_columns():
    definition = two_step_definition()
    definition["variables"][0]["default"] = "d" * 4000
    definition["steps"][0]["step_id"] = "s" * 100
    definition["steps"][0]["actions"][1]["actions"] = [
        {"action": "call", "params": {"number": "+" + "9" * 20, "cli": "", "dtmf_keys": "W" * 200}},
        {"action": "mark", "params": {"type": "custom", "value": "v" * 4000}},
    ]
    definition["steps"][1]["actions"][0]["key"] = {"min": "1" * 32, "max": "9" * 32}
    assert definition_from_flow(saved(definition)) == definition
