"""Differences between two definitions, in plain words."""

import copy

from flows.diff import describe_changes, diff
from providers.paycall.importer import import_paycall

from .flows import HANGUP, call, flow, goto, mark, play, step, wait


def test_no_changes(dialer_test):
    definition = import_paycall(dialer_test).definition
    assert describe_changes(definition, copy.deepcopy(definition)) == []


def test_the_issues_examples():
    old = flow(
        step("foo", keys=["1"], routes=[("1", [goto("bar")])]),
        step("bar", keys=["1", "2"], routes=[("1", [call()]), ("2", [goto("foo")])]),
    )
    new = flow(
        step("foo", keys=["1"], routes=[("1", [goto("bar")])]),
        step("bar", keys=["1", "2"], routes=[("1", [call()]), ("2", [HANGUP])]),
        step("baz"),
        linear=True,
    )
    assert describe_changes(old, new) == [
        "The flow now runs its steps one after the other (linear mode).",
        'Step "baz" added.',
        'Step "bar": key 2 now hangs up.',
    ]


def test_step_fields():
    old = flow(step("a", keys=["1"], routes=[("1", [HANGUP])]))
    new = flow(
        step(
            "a",
            prompt="welcome.wav",
            prompt_is_file="true",
            gender="male",
            keys=["1", "2"],
            dtmf_ivr_timeout=5,
            dtmf_ivr_retries=2,
            dtmf_ivr_invalid_text="Wrong key",
            routes=[
                ("1", [play("Bye"), wait(1), mark("custom", "yes")]),
                ({"min": "10", "max": "12"}, [HANGUP]),
            ],
        )
    )
    assert describe_changes(old, new) == [
        'Step "a": the message is now the recording welcome.wav.',
        'Step "a": now uses a male voice.',
        'Step "a": now accepts keys 1, 2.',
        'Step "a": now waits 5 seconds for a key.',
        'Step "a": now allows 2 retries.',
        'Step "a": after a wrong key it now plays "Wrong key".',
        'Step "a": key 1 now says "Bye", then waits 1 second, then marks the call "yes".',
        'Step "a": keys 10–12 added: hangs up.',
    ]
    back = describe_changes(new, old)
    assert 'Step "a": keys 10–12 removed.' in back
    assert 'Step "a": no longer listens for keys.' not in back
    assert 'Step "a": after a wrong key it now repeats the question.' in back


def test_flow_level_changes():
    old = {**flow(step("a"), step("b"), variables=[{"name": "x"}]), "name": "Old"}
    new = {
        **flow(step("b"), step("a"), variables=[{"name": "x", "default": "1"}, {"name": "y"}]),
        "name": "New",
    }
    changes = diff(old, new)
    assert [c.text for c in changes] == [
        'The flow was renamed from "Old" to "New".',
        'Variable "x" now defaults to "1".',
        'Variable "y" added.',
        'The steps are in a different order: "b", "a".',
    ]
    removed = diff(old, flow(step("a")))
    assert any(c.text == 'Step "b" removed.' and c.step == "b" for c in removed)
