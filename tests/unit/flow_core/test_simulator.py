"""The simulator: transcripts and the CDR steps report, as the document describes."""

import pytest

from flows.simulator import CALLER_HANGS_UP, TIMEOUT, collect, simulate
from providers.paycall.importer import import_paycall

from .flows import HANGUP, call, flow, goto, mark, play, step, wait


@pytest.fixture
def dialer_flow(dialer_test):
    return import_paycall(dialer_test).definition


@pytest.mark.parametrize(
    ("accepted", "pressed", "expected"),
    [
        (["1", "11"], "1", ("key", "1", "")),
        (["1", "11"], "11", ("key", "11", "")),
        (["1", "11"], "111", ("key", "11", "1")),
        (["1", "11"], "12", ("invalid", "12", "")),
        (["1", "11"], "2", ("invalid", "2", "")),
        (["1", "11"], "", ("timeout", "", "")),
        (["10", "11"], "1", ("invalid", "1", "")),
        (["1", "2"], "12", ("key", "1", "2")),
        (["#"], "#", ("key", "#", "")),
    ],
)
def test_multi_digit_collection(accepted, pressed, expected):
    assert collect(accepted, pressed) == expected


def test_the_documents_example_key_1_goes_to_bar_then_2_hangs_up(dialer_flow):
    result = simulate(dialer_flow, ["1", "2"], unique_id="2743976e")
    assert result.ended_by == "hangup"
    assert result.report == {
        "steps": [{"dtmf": "1", "step_name": "foo"}, {"dtmf": "2", "step_name": "bar"}],
        "invalid": [],
        "unique_id": "2743976e",
    }
    kinds = [e.kind for e in result.transcript]
    assert kinds == ["prompt", "key", "goto", "prompt", "key", "hangup"]


def test_key_11_plays_waits_rounded_up_and_hangs_up(dialer_flow):
    result = simulate(dialer_flow, ["11"])
    assert [e.kind for e in result.transcript] == ["prompt", "key", "play", "wait", "hangup"]
    assert result.transcript[3].data == {"seconds": 1}
    assert result.seconds_waited == 1


def test_key_4_waits_then_the_call_ends(dialer_flow):
    result = simulate(dialer_flow, ["4"])
    assert result.ended_by == "flow_end"
    assert result.lines()[-2:] == [
        "Waits 10 seconds.",
        "Nothing more to do after key 4: the call ends.",
    ]


def test_bridge_call_ends_the_flow(dialer_flow):
    result = simulate(dialer_flow, ["1", "1"])
    assert result.ended_by == "call"
    assert result.lines()[-1] == (
        "Connects the caller to 053000000 (caller id 054000000), then presses WWW111113."
    )


def test_invalid_keys_and_timeouts_use_retries(dialer_flow):
    result = simulate(dialer_flow, ["7", TIMEOUT, "1", "2"])
    assert result.report["invalid"] == [{"dtmf": "7", "step_name": "foo"}]
    kinds = [e.kind for e in result.transcript]
    assert kinds[:7] == ["prompt", "invalid", "prompt", "retry", "prompt", "timeout", "retry"]
    assert result.transcript[2].text == 'Says: "המקש שנלחץ אינו נתמך"'
    assert result.ended_by == "hangup"


def test_retries_exhausted():
    definition = flow(step("a", keys=["1"], routes=[("1", [HANGUP])], dtmf_ivr_retries=1))
    result = simulate(definition, ["5", "6", "1"])
    assert result.ended_by == "retries_exhausted"
    assert len(result.report["invalid"]) == 2
    assert result.report["steps"] == []


def test_general_max_retries_applies_when_the_step_has_none():
    definition = flow(step("a", keys=["1"], routes=[("1", [HANGUP])]))
    assert simulate(definition, [TIMEOUT] * 3 + ["1"]).ended_by == "hangup"
    assert simulate(definition, [TIMEOUT] * 4).ended_by == "retries_exhausted"
    assert simulate(definition, [TIMEOUT, "1"], max_retries=0).ended_by == "retries_exhausted"


def test_caller_hangs_up_and_inputs_running_out():
    definition = flow(step("a", keys=["1"], routes=[("1", [HANGUP])]))
    assert simulate(definition, [CALLER_HANGS_UP]).ended_by == "caller_hung_up"
    assert simulate(definition, []).ended_by == "caller_hung_up"


def test_ranges_and_marks_in_the_report(key_ranges_steps):
    definition = import_paycall(key_ranges_steps).definition
    result = simulate(definition, ["18"], unique_id="u")
    assert result.report["steps"] == [
        {"dtmf": "18", "step_name": "age", "mark": "custom", "value": "adult"}
    ]
    assert result.transcript[0].text == (
        'Says: "Hello Mr. Flintstone, welcome to stone age. Mr. Flintstone, please key in your age"'
    )
    removed = simulate(definition, ["99"])
    assert removed.report["steps"] == [{"dtmf": "99", "step_name": "age", "mark": "remove"}]
    assert removed.ended_by == "hangup"
    assert simulate(definition, ["13"]).lines()[2] == 'Says: "Happy Bar Mitzva"'
    assert simulate(definition, ["19"]).report["invalid"] == [{"dtmf": "19", "step_name": "age"}]
    assert simulate(definition, ["25"]).report["invalid"] == [{"dtmf": "2", "step_name": "age"}]


def test_exact_key_wins_over_range():
    definition = flow(
        step(
            "a",
            keys=["5", "6"],
            routes=[({"min": "1", "max": "9"}, [play("range")]), ("5", [play("five")])],
        )
    )
    assert simulate(definition, ["5"]).lines()[2] == 'Says: "five"'
    assert simulate(definition, ["6"]).lines()[2] == 'Says: "range"'


def test_linear_mode_runs_steps_in_order_and_ignores_goto():
    definition = flow(
        step("a", keys=["1", "2"], routes=[("1", [goto("c")])]),
        step("b", prompt="Second"),
        step("c", keys=["9"], prompt="Third"),
        linear=True,
    )
    result = simulate(definition, ["1", "9"])
    assert [(e.kind, e.step) for e in result.transcript] == [
        ("prompt", "a"),
        ("key", "a"),
        ("goto_ignored", "a"),
        ("prompt", "b"),
        ("prompt", "c"),
        ("key", "c"),
        ("no_route", "c"),
        ("end", None),
    ]
    assert [s["step_name"] for s in result.report["steps"]] == ["a", "c"]
    assert simulate(definition, ["2", "9"]).ended_by == "flow_end"


def test_branching_key_without_route_ends_the_call():
    definition = flow(step("a", keys=["1", "2"], routes=[("1", [HANGUP])]))
    result = simulate(definition, ["2"])
    assert result.ended_by == "flow_end"
    assert result.lines()[-1] == "Nothing is set for key 2: the call ends."


def test_placeholders_filled_from_variables_and_defaults():
    definition = flow(
        step(
            "a",
            prompt="Hi $name$, about $topic$ $unknown$",
            keys=["1"],
            routes=[("1", [play("Bye $name$"), call()])],
        ),
        variables=[{"name": "name"}, {"name": "topic", "default": "your order"}],
    )
    result = simulate(definition, ["1"], variables={"name": "Ana"})
    assert result.lines()[0] == 'Says: "Hi Ana, about your order $unknown$"'
    assert result.lines()[2] == 'Says: "Bye Ana"'


def test_recordings_and_waits_ceil():
    definition = flow(
        step(
            "a",
            prompt="hello.wav",
            prompt_is_file="true",
            keys=["1"],
            routes=[("1", [wait(2.1), play("bye.wav", is_recording="true"), mark("remove")])],
        )
    )
    result = simulate(definition, ["1"])
    assert result.lines()[:4] == [
        "Plays the recording hello.wav.",
        "The caller presses 1.",
        "Waits 3 seconds.",
        "Plays the recording bye.wav.",
    ]


def test_endless_loops_are_cut():
    definition = flow(
        step("a", keys=["1"], routes=[("1", [goto("a")])]),
    )
    result = simulate(definition, ["1"] * 2000)
    assert result.ended_by == "step_limit"


def test_empty_flow():
    assert simulate(flow()).ended_by == "flow_end"


def test_malformed_numbers_fall_back_to_defaults():
    definition = flow(
        step("a", keys=["1"], routes=[("1", [wait("x"), HANGUP])], dtmf_ivr_retries="many")
    )
    assert simulate(definition, [TIMEOUT, "1"]).ended_by == "hangup"
