"""What changed between two canonical definitions, in plain words.

``describe_changes(old, new)`` -> ``['Step "bar": key 2 now hangs up.',
'Step "baz" added.', 'The flow now runs its steps one after the other
(linear mode).']``. Steps are matched by ``step_id`` and routes by key, so
moving things around is not reported as a change of content.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.canonical import (
    KeyRange,
    accepted_keys,
    is_linear,
    is_true,
    parse_key,
    step_routes,
    steps,
    variables,
)


@dataclass(frozen=True)
class Change:
    """One difference: ``text`` for people, ``step`` (id) when it is about a step."""

    text: str
    step: str | None = None


def describe_changes(old: dict, new: dict) -> list[str]:
    return [c.text for c in diff(old, new)]


def diff(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    if old.get("name") != new.get("name"):
        changes.append(
            Change(f'The flow was renamed from "{old.get("name")}" to "{new.get("name")}".')
        )
    if old.get("description", "") != new.get("description", ""):
        changes.append(Change("The flow's description changed."))
    if is_linear(old) != is_linear(new):
        changes.append(
            Change(
                "The flow now runs its steps one after the other (linear mode)."
                if is_linear(new)
                else "The flow now branches: keys decide the next step (branching mode)."
            )
        )
    changes += _variables(old, new)
    changes += _steps(old, new)
    return changes


def _variables(old: dict, new: dict) -> list[Change]:
    before = {v.get("name"): v for v in variables(old)}
    after = {v.get("name"): v for v in variables(new)}
    out = []
    for name in after.keys() - before.keys():
        out.append(Change(f'Variable "{name}" added.'))
    for name in before.keys() - after.keys():
        out.append(Change(f'Variable "{name}" removed.'))
    for name in before.keys() & after.keys():
        if before[name].get("default") != after[name].get("default"):
            default = after[name].get("default")
            out.append(
                Change(
                    f'Variable "{name}" now defaults to "{default}".'
                    if default is not None
                    else f'Variable "{name}" no longer has a default.'
                )
            )
    return sorted(out, key=lambda c: c.text)


def _steps(old: dict, new: dict) -> list[Change]:
    before = {s.get("step_id"): s for s in steps(old)}
    after = {s.get("step_id"): s for s in steps(new)}
    out = []
    for sid in after:
        if sid not in before:
            out.append(Change(f'Step "{sid}" added.', sid))
    for sid in before:
        if sid not in after:
            out.append(Change(f'Step "{sid}" removed.', sid))
    for sid in after:
        if sid in before and before[sid] != after[sid]:
            out += _step(sid, before[sid], after[sid])
    old_order = [s for s in before if s in after]
    new_order = [s for s in after if s in before]
    if old_order != new_order:
        out.append(
            Change(
                "The steps are in a different order: " + ", ".join(f'"{s}"' for s in after) + "."
            )
        )
    elif old_order and new_order and list(before)[0] != list(after)[0]:
        out.append(Change(f'The flow now starts with step "{list(after)[0]}".'))
    return out


def _step(sid: str, old: dict, new: dict) -> list[Change]:
    name = f'Step "{sid}"'
    out = []

    def say(text: str) -> None:
        out.append(Change(f"{name}: {text}.", sid))

    if old.get("prompt") != new.get("prompt") or old.get("prompt_is_file") != new.get(
        "prompt_is_file"
    ):
        say(f"the message is now {_spoken(new.get('prompt'), new.get('prompt_is_file'))}")
    if old.get("gender", "female") != new.get("gender", "female"):
        say(f"now uses a {new.get('gender', 'female')} voice")
    if accepted_keys(old) != accepted_keys(new):
        keys = accepted_keys(new)
        say(f"now accepts {_keys(keys)}" if keys else "no longer listens for keys")
    if old.get("dtmf_ivr_timeout") != new.get("dtmf_ivr_timeout"):
        say(f"now waits {new.get('dtmf_ivr_timeout', 3)} seconds for a key")
    if old.get("dtmf_ivr_retries") != new.get("dtmf_ivr_retries"):
        retries = new.get("dtmf_ivr_retries")
        say(
            f"now allows {retries} retries"
            if retries is not None
            else "now uses the campaign's number of retries"
        )
    if old.get("dtmf_ivr_invalid_text") != new.get("dtmf_ivr_invalid_text") or old.get(
        "dtmf_invalid_text_is_file"
    ) != new.get("dtmf_invalid_text_is_file"):
        text = new.get("dtmf_ivr_invalid_text")
        say(
            "after a wrong key it now "
            + (
                f"plays {_spoken(text, new.get('dtmf_invalid_text_is_file'))}"
                if text
                else "repeats the question"
            )
        )
    out += [Change(f"{name}: {text}.", sid) for text in _routes(old, new)]
    return out


def _routes(old: dict, new: dict) -> list[str]:
    before = {_route_key(r): r for r in step_routes(old)}
    after = {_route_key(r): r for r in step_routes(new)}
    out = []
    for key, route in after.items():
        if key not in before:
            out.append(f"{key} added: {_actions(route.get('actions'))}")
        elif before[key].get("actions") != route.get("actions"):
            out.append(f"{key} now {_actions(route.get('actions'))}")
    for key in before:
        if key not in after:
            out.append(f"{key} removed")
    return out


def _route_key(route: dict) -> str:
    key = parse_key(route.get("key"))
    if isinstance(key, KeyRange):
        return f"keys {key.label()}"
    return f"key {key}"


def _keys(keys: list[str]) -> str:
    return ("key " if len(keys) == 1 else "keys ") + ", ".join(keys)


def _spoken(text, is_file) -> str:
    if is_true(is_file):
        return f"the recording {text}"
    if isinstance(text, dict):
        text = text.get("text")
    elif isinstance(text, list):
        text = " ".join(map(str, text))
    return f'"{text}"'


def _actions(actions) -> str:
    if not actions:
        return "does nothing"
    return ", then ".join(_action(a) for a in actions if isinstance(a, dict))


def _action(action: dict) -> str:
    kind = action.get("action")
    params = action.get("params") if isinstance(action.get("params"), dict) else {}
    if kind == "hangup":
        return "hangs up"
    if kind == "goto":
        return f'goes to step "{params.get("step_id")}"'
    if kind == "call":
        return f"connects the caller to {params.get('number')}"
    if kind == "play":
        return f"says {_spoken(params.get('text'), params.get('is_recording'))}".replace(
            "says the recording", "plays the recording"
        )
    if kind == "wait":
        sleep = params.get("sleep")
        return f"waits {sleep} second" if sleep == 1 else f"waits {sleep} seconds"
    if kind == "mark":
        if params.get("type") == "custom":
            return f'marks the call "{params.get("value")}"'
        return "removes the number from the list"
    return f"does {kind}"
