"""Small builders for canonical definitions in tests."""

import copy

from flows.canonical import normalize


def step(step_id="main", *, keys=None, routes=None, prompt="Hello", **fields):
    out = {"step_id": step_id, "prompt": prompt, **fields}
    if keys is not None:
        out["dtmf_ivr"] = keys
    if routes is not None:
        out["actions"] = [{"key": k, "actions": list(a)} for k, a in routes]
    return out


def flow(*steps, linear=False, variables=()):
    return normalize(
        {
            "name": "Test flow",
            "have_dependency": "false" if linear else "true",
            "steps": [copy.deepcopy(s) for s in steps],
            "variables": [dict(v) for v in variables],
        }
    )


HANGUP = {"action": "hangup"}


def goto(target):
    return {"action": "goto", "params": {"step_id": target}}


def play(text, **params):
    return {"action": "play", "params": {"text": text, **params}}


def wait(seconds):
    return {"action": "wait", "params": {"sleep": seconds}}


def mark(kind, value=None):
    params = {"type": kind}
    if value is not None:
        params["value"] = value
    return {"action": "mark", "params": params}


def call(number="972501234567", cli="972301234567", **params):
    return {"action": "call", "params": {"number": number, "cli": cli, **params}}
