"""The simulator tab: a phone keypad, a transcript (spoken by the browser where it
has a voice), timeouts, variable values, and the steps report at the end.

The call is replayed from the start on every key with all inputs so far, so the
server keeps no state; a reply that ran out of inputs is a call still waiting
for the caller, not one where the caller hung up.
"""

from __future__ import annotations

import json

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dialer_site import jsonlimits
from dialer_site.permissions import permission_for

from ..canonical import DTMF_KEY_CHARS
from ..definition import definition_from_flow, split_definition
from ..editing import steps_of
from ..simulator import CALLER_HANGS_UP, TIMEOUT, simulate
from .common import flow_or_404
from .editor import tab_page
from .highlight import highlight_json
from .preview import variable_values

MAX_INPUTS = 200
MAX_KEYS_PER_INPUT = 20
SPEECH_LANGUAGES = {"he": "he-IL", "en": "en-US", "ru": "ru-RU"}
SPOKEN = ("prompt", "play")
KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]


def read_inputs(request) -> list:
    """The caller's inputs so far, then this request's key, timeout or hang-up."""
    try:
        inputs = jsonlimits.loads(request.GET.get("inputs") or "[]")
    except ValueError:
        inputs = []
    if not isinstance(inputs, list):
        inputs = []
    inputs = [
        item
        for item in inputs
        if item is None or (isinstance(item, str) and _is_keys(item)) or item == CALLER_HANGS_UP
    ][:MAX_INPUTS]
    if "reset" in request.GET:
        return []
    press = (request.GET.get("press") or request.GET.get("press_many") or "").strip()
    if press and _is_keys(press):
        inputs.append(press)
    elif "timeout" in request.GET:
        inputs.append(TIMEOUT)
    elif "hangup" in request.GET:
        inputs.append(CALLER_HANGS_UP)
    return inputs[:MAX_INPUTS]


def _is_keys(text: str) -> bool:
    return 0 < len(text) <= MAX_KEYS_PER_INPUT and all(c in DTMF_KEY_CHARS for c in text)


def run_simulation(definition: dict, inputs: list, values: dict) -> dict:
    strict, _ = split_definition(definition)
    result = simulate(strict, inputs, variables=values, max_retries=definition.get("max_retries"))
    events = list(result.transcript)
    waiting = False
    caller_hung_up = inputs and inputs[-1] == CALLER_HANGS_UP
    if result.ended_by == "caller_hung_up" and not caller_hung_up and events:
        # Out of inputs: the call waits for the next key instead.
        events = events[:-1]
        waiting = True
    timeout = 3
    if waiting and events:
        steps = {step.get("step_id"): step for step in steps_of(strict)}
        step = steps.get(events[-1].step) or {}
        timeout = step.get("dtmf_ivr_timeout") or 3
    report = json.dumps(result.report, ensure_ascii=False, indent=2)
    return {
        "events": [
            {
                "kind": e.kind,
                "text": e.text,
                "step": e.step,
                "speak": e.data.get("text", "") if e.kind in SPOKEN else "",
            }
            for e in events
        ],
        "waiting": waiting,
        "ended_by": None if waiting else result.ended_by,
        "report_html": highlight_json(report),
        "timeout": timeout,
    }


@require_GET
@permission_for("flows.view_flow")
def simulator(request, pk: int):
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    values = variable_values(request, definition)
    inputs = read_inputs(request)
    context = {
        "flow": flow,
        "tab": "simulator",
        "inputs_json": json.dumps(inputs),
        "input_count": len(inputs),
        "values": values,
        "keypad": KEYPAD,
        "speech_lang": SPEECH_LANGUAGES.get(definition.get("language") or "he", "he-IL"),
        "has_steps": bool(steps_of(definition)),
        **run_simulation(definition, inputs, values),
    }
    if request.htmx and request.htmx.target == "sim-call":
        return render(request, "flows/simulator.html#call", context)
    return tab_page(request, flow, definition, "simulator", context)
