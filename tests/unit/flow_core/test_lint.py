"""Every lint rule: a flow that breaks it, the code, severity and location."""

import pytest

from flows.lint import CODES, lint
from flows.validation import validate_definition

from .flows import HANGUP, call, flow, goto, mark, play, step, wait

MENU = step("menu", keys=["1", "2"], routes=[("1", [goto("bar")]), ("2", [HANGUP])])
BAR = step("bar", keys=["1"], routes=[("1", [HANGUP])])

CASES = {
    "clean": (flow(MENU, BAR), []),
    "no-steps": (flow(), [("no-steps", None, None, None, "steps")]),
    "step-id-empty": (
        flow(step("", keys=["1"], routes=[("1", [HANGUP])])),
        [("step-id-empty", 0, None, None, "step_id")],
    ),
    "step-id-duplicate": (
        flow(
            step(
                "a",
                keys=["1"],
                routes=[
                    ("1", [goto("a")]),
                ],
            ),
            step("a"),
        ),
        None,
    ),
    "step-id-too-long": (
        flow(step("x" * 101, keys=["1"], routes=[("1", [HANGUP])])),
        [("step-id-too-long", 0, None, None, "step_id")],
    ),
    "step-id-invalid": (
        flow(step("main menu", keys=["1"], routes=[("1", [HANGUP])])),
        [("step-id-invalid", 0, None, None, "step_id")],
    ),
    "goto-missing-step": (
        flow(step("bar", keys=["1", "2"], routes=[("1", [HANGUP]), ("2", [goto("baz")])])),
        [("goto-missing-step", 0, 1, 0, "params.step_id")],
    ),
    "goto-target-missing": (
        flow(step("bar", keys=["1"], routes=[("1", [{"action": "goto", "params": {}}])])),
        [("goto-target-missing", 0, 0, 0, "params.step_id")],
    ),
    "goto-ignored-linear": (
        flow(
            step("a", keys=["1"], routes=[("1", [goto("b")])]),
            step("b"),
            linear=True,
        ),
        [("goto-ignored-linear", 0, 0, 0, "params.step_id")],
    ),
    "step-unreachable": (
        flow(MENU, BAR, step("lost", keys=["1"], routes=[("1", [HANGUP])])),
        [("step-unreachable", 2, None, None, None)],
    ),
    "step-unreachable linear": (
        flow(
            step("a", keys=["1"], routes=[("1", [HANGUP])]),
            step("b"),
            linear=True,
        ),
        [("step-unreachable", 1, None, None, None)],
    ),
    "endless-loop": (
        flow(
            step("a", keys=["1"], routes=[("1", [goto("b")])]),
            step("b", keys=["1"], routes=[("1", [play("again"), goto("a")])]),
        ),
        [
            ("endless-loop", 0, None, None, "actions"),
            ("endless-loop", 1, None, None, "actions"),
        ],
    ),
    "route-key-not-accepted": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), ("2", [HANGUP])])),
        [("route-key-not-accepted", 0, 1, None, "key")],
    ),
    "accepted-key-no-route": (
        flow(step("a", keys=["1", "2"], routes=[("1", [HANGUP])])),
        [("accepted-key-no-route", 0, None, None, "dtmf_ivr")],
    ),
    "route-key-duplicate": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), ("1", [wait(1)])])),
        [("route-key-duplicate", 0, 1, None, "key")],
    ),
    "range-overlap": (
        flow(
            step(
                "a",
                keys=[str(k) for k in range(10, 21)],
                routes=[
                    ({"min": "10", "max": "15"}, [HANGUP]),
                    ({"min": "15", "max": "20"}, [HANGUP]),
                ],
            )
        ),
        [("range-overlap", 0, 1, None, "key")],
    ),
    "range-contains-key": (
        flow(
            step(
                "a",
                keys=[str(k) for k in range(10, 16)],
                routes=[({"min": "10", "max": "15"}, [HANGUP]), ("13", [HANGUP])],
            )
        ),
        [("range-contains-key", 0, 1, None, "key")],
    ),
    "range-not-numeric": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), ({"min": "a", "max": "9"}, [HANGUP])])),
        [("range-not-numeric", 0, 1, None, "key.min")],
    ),
    "range-reversed": (
        flow(step("a", keys=["5"], routes=[({"min": "9", "max": "1"}, [HANGUP])])),
        [
            ("range-reversed", 0, 0, None, "key"),
            ("accepted-key-no-route", 0, None, None, "dtmf_ivr"),
        ],
    ),
    "range-special-key": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), ({"min": "1", "max": "#"}, [HANGUP])])),
        [("range-special-key", 0, 1, None, "key.max")],
    ),
    "range-partly-accepted": (
        flow(step("a", keys=["10", "11"], routes=[({"min": "10", "max": "12"}, [HANGUP])])),
        [("range-partly-accepted", 0, 0, None, "key")],
    ),
    "range none accepted": (
        flow(
            step("a", keys=["1"], routes=[("1", [HANGUP]), ({"min": "10", "max": "12"}, [HANGUP])])
        ),
        [("route-key-not-accepted", 0, 1, None, "key")],
    ),
    "key-invalid": (
        flow(step("a", keys=["1", "A"], routes=[("1", [HANGUP])])),
        [("key-invalid", 0, None, None, "dtmf_ivr")],
    ),
    "key-invalid in route": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), ("x", [HANGUP])])),
        [("key-invalid", 0, 1, None, "key")],
    ),
    "key-empty": (
        flow(step("a", keys=["1", ""], routes=[("1", [HANGUP])])),
        [("key-empty", 0, None, None, "dtmf_ivr")],
    ),
    "key-duplicate": (
        flow(step("a", keys=["1", "1"], routes=[("1", [HANGUP])])),
        [("key-duplicate", 0, None, None, "dtmf_ivr")],
    ),
    "route-key-missing": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP]), (None, [HANGUP])])),
        [("route-key-missing", 0, 1, None, "key")],
    ),
    "dtmf-invalid-chars": (
        flow(step("a", keys=["1"], routes=[("1", [call(dtmf_keys="WW12x#")])])),
        [("dtmf-invalid-chars", 0, 0, 0, "params.dtmf_keys")],
    ),
    "phone-not-international": (
        flow(step("a", keys=["1"], routes=[("1", [call(number="0501234567")])])),
        [("phone-not-international", 0, 0, 0, "params.number")],
    ),
    "phone-invalid": (
        flow(step("a", keys=["1"], routes=[("1", [call(cli="call me")])])),
        [("phone-invalid", 0, 0, 0, "params.cli")],
    ),
    "phone-short": (
        flow(step("a", keys=["1"], routes=[("1", [call(number="1201")])])),
        [("phone-short", 0, 0, 0, "params.number")],
    ),
    "call-number-missing": (
        flow(step("a", keys=["1"], routes=[("1", [call(number="")])])),
        [("call-number-missing", 0, 0, 0, "params.number")],
    ),
    "call-cli-missing": (
        flow(
            step(
                "a",
                keys=["1"],
                routes=[("1", [{"action": "call", "params": {"number": "972501234567"}}])],
            )
        ),
        [("call-cli-missing", 0, 0, 0, "params.cli")],
    ),
    "placeholder-missing": (
        flow(step("a", prompt={"text": "Hi $0$ and $name$", "fields": 1, "0": "Bob"})),
        [("placeholder-missing", 0, None, None, "prompt")],
    ),
    "placeholder filled by variable": (
        flow(
            step("a", prompt={"text": "Hi $0$ and $name$", "fields": 1, "0": "Bob"}),
            variables=[{"name": "name"}],
        ),
        [],
    ),
    "placeholder-unknown": (
        flow(step("a", prompt="Hi $name$")),
        [("placeholder-unknown", 0, None, None, "prompt")],
    ),
    "placeholder-count-mismatch": (
        flow(step("a", prompt={"text": "Hi $0$", "fields": 3, "0": "Bob"})),
        [("placeholder-count-mismatch", 0, None, None, "prompt")],
    ),
    "placeholder-unused": (
        flow(step("a", prompt={"text": "Hi $0$", "fields": 2, "0": "Bob", "1": "x"})),
        [("placeholder-unused", 0, None, None, "prompt")],
    ),
    "recording-missing": (
        flow(step("a", prompt="welcome.wav", prompt_is_file="true")),
        [("recording-missing", 0, None, None, "prompt")],
    ),
    "recording-missing in play": (
        flow(step("a", keys=["1"], routes=[("1", [play("bye.wav", is_recording="true")])])),
        [("recording-missing", 0, 0, 0, "params.text")],
    ),
    "recording-missing invalid text": (
        flow(
            step(
                "a",
                keys=["1"],
                routes=[("1", [HANGUP])],
                dtmf_ivr_invalid_text="",
                dtmf_invalid_text_is_file="true",
            )
        ),
        [("recording-missing", 0, None, None, "dtmf_ivr_invalid_text")],
    ),
    "mark-custom-no-value": (
        flow(step("a", keys=["1"], routes=[("1", [mark("custom")])])),
        [("mark-custom-no-value", 0, 0, 0, "params.value")],
    ),
    "mark-type-invalid": (
        flow(step("a", keys=["1"], routes=[("1", [mark("delete")])])),
        [("mark-type-invalid", 0, 0, 0, "params.type")],
    ),
    "mark-value-ignored": (
        flow(step("a", keys=["1"], routes=[("1", [mark("remove", "x")])])),
        [("mark-value-ignored", 0, 0, 0, "params.value")],
    ),
    "retries-out-of-range": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP])], dtmf_ivr_retries=10001)),
        [("retries-out-of-range", 0, None, None, "dtmf_ivr_retries")],
    ),
    "retries negative": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP])], dtmf_ivr_retries=-1)),
        [("retries-out-of-range", 0, None, None, "dtmf_ivr_retries")],
    ),
    "timeout-not-positive": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP])], dtmf_ivr_timeout=0)),
        [("timeout-not-positive", 0, None, None, "dtmf_ivr_timeout")],
    ),
    "text-too-long": (
        flow(step("a", prompt="x" * 4001)),
        [("text-too-long", 0, None, None, "prompt")],
    ),
    "prompt-missing": (
        flow(step("a", prompt="")),
        [("prompt-missing", 0, None, None, "prompt")],
    ),
    "gender-invalid": (
        flow(step("a", gender="robot")),
        [("gender-invalid", 0, None, None, "gender")],
    ),
    "flag-invalid": (
        flow(step("a", prompt_is_file="yes")),
        [("flag-invalid", 0, None, None, "prompt_is_file")],
    ),
    "play-text-missing": (
        flow(step("a", keys=["1"], routes=[("1", [play("")])])),
        [("play-text-missing", 0, 0, 0, "params.text")],
    ),
    "wait-invalid": (
        flow(step("a", keys=["1"], routes=[("1", [wait("soon")])])),
        [("wait-invalid", 0, 0, 0, "params.sleep")],
    ),
    "wait-rounded": (
        flow(step("a", keys=["1"], routes=[("1", [wait(0.5)])])),
        [("wait-rounded", 0, 0, 0, "params.sleep")],
    ),
    "wait-too-long": (
        flow(step("a", keys=["1"], routes=[("1", [wait(100000)])])),
        [("wait-too-long", 0, 0, 0, "params.sleep")],
    ),
    "action-unknown": (
        flow(step("a", keys=["1"], routes=[("1", [{"action": "dance"}])])),
        [("action-unknown", 0, 0, 0, "action")],
    ),
    "action-after-end": (
        flow(step("a", keys=["1"], routes=[("1", [HANGUP, play("bye")])])),
        [("action-after-end", 0, 0, 1, None)],
    ),
    "route-actions-empty": (
        flow(step("a", keys=["1"], routes=[("1", [])])),
        [("route-actions-empty", 0, 0, None, "actions")],
    ),
    "variable-name-invalid": (
        flow(step("a"), variables=[{"name": "first name"}]),
        [
            ("variable-name-invalid", None, None, None, "variables.0.name"),
            ("variable-unused", None, None, None, "variables"),
        ],
    ),
    "variable-duplicate": (
        flow(step("a", prompt="$x$"), variables=[{"name": "x"}, {"name": "x"}]),
        [("variable-duplicate", None, None, None, "variables.1.name")],
    ),
    "variable-name-reserved": (
        flow(step("a", prompt="$delay$"), variables=[{"name": "delay"}]),
        [("variable-name-reserved", None, None, None, "variables.0.name")],
    ),
    "variable-unused": (
        flow(step("a"), variables=[{"name": "x"}]),
        [("variable-unused", None, None, None, "variables")],
    ),
    "mode-invalid": (
        {**flow(step("a")), "have_dependency": "yes"},
        [("mode-invalid", None, None, None, "have_dependency")],
    ),
    "count-steps-mismatch": (
        {**flow(step("a")), "count_steps": 3},
        [("count-steps-mismatch", None, None, None, "count_steps")],
    ),
}


def located(findings):
    return [(f.code, f.step_index, f.route, f.action, f.field) for f in findings]


@pytest.mark.parametrize("name", [n for n, (_, want) in CASES.items() if want is not None])
def test_lint_rule(name):
    definition, want = CASES[name]
    found = lint(definition, known_recordings={"known.wav"})
    assert sorted(located(found), key=str) == sorted(want, key=str)


def test_duplicate_step_ids():
    definition, _ = CASES["step-id-duplicate"]
    codes = located(lint(definition))
    assert ("step-id-duplicate", 1, None, None, "step_id") in codes


def test_every_code_is_exercised_and_has_its_declared_severity():
    seen = {}
    for definition, _ in CASES.values():
        for f in lint(definition, known_recordings=()):
            seen[f.code] = f.severity
    assert set(CODES) - set(seen) == {"text-invalid", "route-actions-missing", "phone-not-e164"}
    for code, severity in seen.items():
        assert CODES[code] == severity, code


def test_messages_are_plain_and_name_the_step():
    definition, _ = CASES["goto-missing-step"]
    (finding,) = lint(definition)
    assert finding.message == (
        'Step "bar", key 2 goes to step "baz", which does not exist. '
        'Pick another step or create "baz".'
    )


def test_known_recordings():
    definition = flow(step("a", prompt="welcome.wav", prompt_is_file="true"))
    assert lint(definition, known_recordings={"welcome.wav"}) == []
    (finding,) = lint(definition, known_recordings={"other.wav"})
    assert finding.code == "recording-missing"
    assert '"welcome.wav"' in finding.message


def test_lint_survives_garbage():
    garbage = {"steps": [None, 3, {"step_id": 5, "actions": "x", "dtmf_ivr": 7}], "variables": 4}
    codes = {f.code for f in lint(garbage)}
    assert "step-id-empty" in codes
    assert lint("not a dict")[0].code == "no-steps"


def test_errors_come_first():
    definition, _ = CASES["wait-rounded"]
    broken = flow(step("a", keys=["1"], routes=[("1", [wait(0.5), mark("custom")])]))
    assert [f.severity for f in lint(broken)] == ["error", "info"]
    assert lint(definition)[0].severity == "info"


def test_validate_definition_adds_unexplained_schema_errors_once():
    definition = flow(step("a", keys=["1"], routes=[("1", [HANGUP])], dtmf_ivr_retries=10001))
    definition["steps"][0]["colour"] = "red"
    findings = validate_definition(definition)
    assert [(f.code, f.step) for f in findings] == [("retries-out-of-range", "a")]
    definition["steps"][0]["dtmf_ivr_retries"] = 3
    (finding,) = validate_definition(definition)
    assert finding.code == "schema-invalid"
    assert finding.step == "a" and "colour" in finding.message
