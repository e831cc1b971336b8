"""Run a flow on paper: variable values and a caller's inputs in, a transcript
and the Paycall steps report out.

Inputs are consumed one per question: a string of keys pressed in quick
succession followed by silence (``"1"``, ``"11"``, ``"#"``), ``TIMEOUT``
(``None``: nothing pressed before the step's timeout) or ``CALLER_HANGS_UP``.
When the inputs run out the caller hangs up.

Behaviour follows the Paycall document:

- linear mode (``have_dependency`` "false") plays the steps in order, whatever
  is pressed, and ignores goto; branching mode starts at the first step and
  moves only by goto; when a route's actions run out the call ends;
- keys are collected until they can no longer grow into a longer accepted key
  (with ``["1", "11"]``, "1" waits for a second key, "11" is complete) or the
  timeout passes; an exact key route wins over a range;
- an invalid key or a timeout uses a retry (``dtmf_ivr_retries``, else the
  general ``max_retries``, default 3); after the last one the call ends;
- waits round up to whole seconds (ceil).

The report is the CDR ``steps`` JSON: ``{"steps": [{"dtmf", "step_name"}],
"invalid": [...], "unique_id"}``. The document says a mark's type (and a
custom mark's value) is returned for that step but shows no example; we add
them to the step's entry as ``"mark"`` and ``"value"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.canonical import (
    PAYCALL_DEFAULTS,
    accepted_keys,
    fill_placeholders,
    is_linear,
    is_true,
    key_label,
    match_route,
    render_prompt,
    route_actions,
    step_ids,
    steps,
    variable_values,
)

TIMEOUT = None
CALLER_HANGS_UP = "hangup"
MAX_STEP_VISITS = 1000


@dataclass(frozen=True)
class Event:
    """One line of the transcript: what happened, where, in words."""

    kind: str
    text: str
    step: str | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Simulation:
    transcript: list[Event]
    report: dict
    ended_by: str
    seconds_waited: int = 0

    def lines(self) -> list[str]:
        return [e.text for e in self.transcript]


class _Hangup(Exception):
    def __init__(self, reason: str):
        self.reason = reason


@dataclass
class _Run:
    definition: dict
    inputs: list[str | None]
    values: dict[str, str]
    max_retries: int
    unique_id: str
    transcript: list[Event] = field(default_factory=list)
    report_steps: list[dict] = field(default_factory=list)
    invalid: list[dict] = field(default_factory=list)
    waited: int = 0

    def say(self, kind: str, line: str, step: str | None, /, **data: Any) -> None:
        self.transcript.append(Event(kind, line, step, data))

    def next_input(self) -> str | None:
        return self.inputs.pop(0) if self.inputs else CALLER_HANGS_UP


def collect(accepted: list[str], pressed: str) -> tuple[str, str, str]:
    """(outcome, digits, ignored): outcome is "key", "invalid" or "timeout"."""
    buffer = ""
    for index, char in enumerate(pressed):
        buffer += char
        longer = [k for k in accepted if k.startswith(buffer) and k != buffer]
        if buffer not in accepted and not longer:
            return "invalid", buffer, pressed[index + 1 :]
        if buffer in accepted and not longer:
            return "key", buffer, pressed[index + 1 :]
    if not buffer:
        return "timeout", "", ""
    return ("key" if buffer in accepted else "invalid"), buffer, ""


def simulate(
    definition: dict,
    inputs: Iterable[str | None] = (),
    *,
    variables: Mapping[str, str] | None = None,
    max_retries: int | None = None,
    unique_id: str = "simulation",
) -> Simulation:
    """Run ``definition`` for a caller who presses ``inputs`` (see module doc)."""
    run = _Run(
        definition,
        list(inputs),
        variable_values(definition, variables)[0],
        PAYCALL_DEFAULTS["max_retries"] if max_retries is None else max_retries,
        unique_id,
    )
    all_steps = steps(definition)
    ids = step_ids(definition)
    linear = is_linear(definition)
    index: int | None = 0 if all_steps else None
    visits = 0
    ended_by = "flow_end"
    try:
        while index is not None:
            visits += 1
            if visits > MAX_STEP_VISITS:
                run.say("step_limit", f"Stopped after {MAX_STEP_VISITS} steps.", None)
                ended_by = "step_limit"
                break
            index = _run_step(run, all_steps[index], index, len(all_steps), ids, linear)
        else:
            run.say("end", "The flow is over: the call hangs up.", None)
    except _Hangup as stop:
        ended_by = stop.reason
    report = {"steps": run.report_steps, "invalid": run.invalid, "unique_id": unique_id}
    return Simulation(run.transcript, report, ended_by, run.waited)


def _run_step(
    run: _Run, step: dict, index: int, count: int, ids: dict[str, int], linear: bool
) -> int | None:
    """Play one step; return the index of the next step, or None to end."""
    sid = step.get("step_id")
    name = str(sid)
    keys = accepted_keys(step)
    retries = _number(step.get("dtmf_ivr_retries"), run.max_retries)
    timeout = _number(step.get("dtmf_ivr_timeout"), PAYCALL_DEFAULTS["dtmf_ivr_timeout"])
    following = index + 1 if linear and index + 1 < count else None
    failures = 0
    while True:
        _play_prompt(run, step, name)
        if not keys:
            return following
        pressed = run.next_input()
        if pressed == CALLER_HANGS_UP:
            run.say("caller_hangup", "The caller hangs up.", name)
            raise _Hangup("caller_hung_up")
        outcome, digits, ignored = collect(keys, pressed or "")
        if outcome == "key":
            run.say("key", f"The caller presses {digits}.", name, dtmf=digits)
            if ignored:
                run.say("extra_keys", f"Keys {ignored} pressed after that are ignored.", name)
            entry = {"dtmf": digits, "step_name": name}
            run.report_steps.append(entry)
            return _take_route(run, step, name, digits, entry, ids, linear, following)
        if outcome == "invalid":
            run.say("invalid", f"The caller presses {digits}: not a valid key here.", name)
            run.invalid.append({"dtmf": digits, "step_name": name})
            _play_invalid_text(run, step, name)
        else:
            run.say("timeout", f"No key pressed within {timeout:g} seconds.", name)
        failures += 1
        if failures > retries:
            run.say(
                "retries_exhausted",
                f"No valid key after {failures} tries: the call hangs up.",
                name,
            )
            raise _Hangup("retries_exhausted")
        run.say("retry", f"Try {failures + 1}: the question is asked again.", name)


def _number(value: Any, default: float) -> float:
    """A step's number, or the default when it is absent or not a number (lint
    reports those; the simulator carries on as Paycall's default would)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return default


def _play_prompt(run: _Run, step: dict, name: str) -> None:
    prompt = step.get("prompt")
    if prompt in (None, "", []):
        return
    if is_true(step.get("prompt_is_file")):
        run.say("recording", f"Plays the recording {prompt}.", name, recording=prompt)
    else:
        text = render_prompt(prompt, run.values)
        run.say("prompt", f'Says: "{text}"', name, text=text)


def _play_invalid_text(run: _Run, step: dict, name: str) -> None:
    text = step.get("dtmf_ivr_invalid_text")
    if not text:
        return
    if is_true(step.get("dtmf_invalid_text_is_file")):
        run.say("recording", f"Plays the recording {text}.", name, recording=text)
    else:
        filled = fill_placeholders(str(text), run.values)
        run.say("prompt", f'Says: "{filled}"', name, text=filled)


def _take_route(
    run: _Run,
    step: dict,
    name: str,
    digits: str,
    entry: dict,
    ids: dict[str, int],
    linear: bool,
    following: int | None,
) -> int | None:
    found = match_route(step, digits)
    if found is None:
        run.say(
            "no_route",
            f"Nothing is set for key {digits}"
            + (": the flow moves on." if linear else ": the call ends."),
            name,
        )
        if not linear:
            raise _Hangup("flow_end")
        return following
    _ri, route = found
    for action in route_actions(route):
        kind = action.get("action")
        given = action.get("params")
        params = given if isinstance(given, dict) else {}
        if kind == "hangup":
            run.say("hangup", "Hangs up.", name)
            raise _Hangup("hangup")
        if kind == "call":
            extra = f", then presses {params['dtmf_keys']}" if params.get("dtmf_keys") else ""
            run.say(
                "call",
                f"Connects the caller to {params.get('number')} "
                f"(caller id {params.get('cli') or 'hidden'}){extra}.",
                name,
                **params,
            )
            raise _Hangup("call")
        if kind == "goto":
            target = params.get("step_id")
            if linear:
                run.say("goto_ignored", f'"Go to {target}" is ignored in linear mode.', name)
                continue
            if target not in ids:
                run.say("end", f'Step "{target}" does not exist: the call ends.', name)
                raise _Hangup("flow_end")
            run.say("goto", f'Goes to step "{target}".', name, step_id=target)
            return ids[target]
        if kind == "play":
            _play_action(run, params, name)
        elif kind == "wait":
            seconds = math.ceil(_number(params.get("sleep"), 0))
            run.waited += seconds
            run.say("wait", f"Waits {seconds} seconds.", name, seconds=seconds)
        elif kind == "mark":
            entry["mark"] = params.get("type")
            if params.get("type") == "custom":
                entry["value"] = params.get("value")
            run.say("mark", _mark_text(params), name, **params)
    if linear:
        return following
    run.say("end", f"Nothing more to do after {key_label(route.get('key'))}: the call ends.", name)
    raise _Hangup("flow_end")


def _play_action(run: _Run, params: dict, name: str) -> None:
    text = params.get("text")
    if is_true(params.get("is_recording")):
        run.say("recording", f"Plays the recording {text}.", name, recording=text)
    else:
        filled = fill_placeholders(str(text or ""), run.values)
        run.say("play", f'Says: "{filled}"', name, text=filled)


def _mark_text(params: dict) -> str:
    if params.get("type") == "remove":
        return "Marks the number to be removed from the list."
    return f'Marks the call as "{params.get("value")}".'
