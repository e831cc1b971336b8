"""Small edits of a flow's draft, as the editor makes them.

Each public function is a keyword-only, atomic service: it locks the flow, refuses
a stale `revision` (someone else saved the draft since this editor loaded it),
applies one pure change to the canonical definition and saves the draft in a
constant number of queries (`flows.definition`). The pure changes work on the
canonical dict (steps addressed by position, routes and actions by position
within them), so they are easy to test and never touch the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .draft_reader import read_definition
from .draft_writer import write_changes
from .flowmap import automatic_layout, node_positions
from .models import Flow
from .services import DraftConflict

MAX_STEPS = 500
MAX_ROUTES_PER_STEP = 100
MAX_ACTIONS_PER_ROUTE = 20
MAX_VARIABLES = 50
NEW_STEP_PREFIX = "step_"
STEP_ID_RE = re.compile(r"^[\w\-]+$")


@dataclass(frozen=True)
class EditResult:
    flow: Flow
    definition: dict
    # What the edit made, when the page needs to know (e.g. the new step's index).
    value: object = None


# ---------------------------------------------------------------------------------
# reading the canonical dict (it may carry the ivr object nested or at the top)


def ivr_of(definition: dict) -> dict:
    ivr = definition.get("ivr")
    return ivr if isinstance(ivr, dict) else definition


def steps_of(definition: dict) -> list[dict]:
    ivr = ivr_of(definition)
    if not isinstance(ivr.get("steps"), list):
        ivr["steps"] = []
    return ivr["steps"]


def both_shapes(definition: dict) -> dict:
    """The definition readable both as {"ivr": {...}} and with the ivr fields on top,
    for the pure modules (lint, compilers, simulator) whichever shape they read."""
    return {**definition, **ivr_of(definition)}


def is_graph(definition: dict) -> bool:
    return str(ivr_of(definition).get("have_dependency", "false")).lower() == "true"


def routes_of(step: dict) -> list[dict]:
    if not isinstance(step.get("actions"), list):
        step["actions"] = []
    return step["actions"]


def actions_of(route: dict) -> list[dict]:
    if not isinstance(route.get("actions"), list):
        route["actions"] = []
    return route["actions"]


def accepted_keys(step: dict) -> list[str]:
    value = step.get("dtmf_ivr")
    if value is None or value == "":
        return []
    return [str(k) for k in value] if isinstance(value, list) else [str(value)]


def step_at(definition: dict, index: int) -> dict:
    return _step(definition, index)


def _step(definition: dict, index: int) -> dict:
    steps = steps_of(definition)
    if not 0 <= index < len(steps):
        raise ValidationError("This step no longer exists. Reload the flow.")
    return steps[index]


def route_at(definition: dict, index: int, route: int) -> dict:
    return _route(definition, index, route)


def _route(definition: dict, index: int, route: int) -> dict:
    routes = routes_of(_step(definition, index))
    if not 0 <= route < len(routes):
        raise ValidationError("This route no longer exists. Reload the flow.")
    return routes[route]


def _move(items: list, index: int, offset: int) -> None:
    target = index + offset
    if not 0 <= index < len(items) or not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]


def unused_step_id(definition: dict) -> str:
    taken = {step.get("step_id") for step in steps_of(definition)}
    number = len(taken) + 1
    while f"{NEW_STEP_PREFIX}{number}" in taken:
        number += 1
    return f"{NEW_STEP_PREFIX}{number}"


def check_step_id(definition: dict, step_id: str, *, index: int | None = None) -> None:
    if not STEP_ID_RE.match(step_id):
        raise ValidationError(
            "Use letters, digits, dashes and underscores only (no spaces).", code="step_id"
        )
    for other_index, step in enumerate(steps_of(definition)):
        if other_index != index and step.get("step_id") == step_id:
            raise ValidationError(
                f'Another step is already called "{step_id}". Step names must be unique.',
                code="step_id",
            )


# ---------------------------------------------------------------------------------
# pure changes of the canonical dict


def insert_step(definition: dict, *, step_id: str | None = None) -> int:
    steps = steps_of(definition)
    if len(steps) >= MAX_STEPS:
        raise ValidationError(f"A flow can have at most {MAX_STEPS} steps.")
    step_id = step_id or unused_step_id(definition)
    check_step_id(definition, step_id)
    steps.append({"step_id": step_id, "gender": "female", "prompt": "", "actions": []})
    return len(steps) - 1


def change_step(definition: dict, *, index: int, fields: dict) -> None:
    """Set the step's fields; a field given as None is removed (absent = default)."""
    step = _step(definition, index)
    old_id = step.get("step_id")
    new_id = fields.get("step_id", old_id)
    if new_id != old_id:
        check_step_id(definition, new_id, index=index)
        _rename_gotos(definition, old_id, new_id)
        layout = definition.get("layout") or {}
        if old_id in layout:
            layout[new_id] = layout.pop(old_id)
    for name, value in fields.items():
        if value is None:
            step.pop(name, None)
        else:
            step[name] = value
    # Keep the document's field order, so exports read like Paycall's examples.
    ordered = {name: step.pop(name) for name in STEP_FIELD_ORDER if name in step}
    ordered.update(step)
    step.clear()
    step.update(ordered)


STEP_FIELD_ORDER = (
    "step_id",
    "gender",
    "prompt_is_file",
    "prompt",
    "dtmf_ivr",
    "dtmf_ivr_timeout",
    "dtmf_invalid_text_is_file",
    "dtmf_ivr_invalid_text",
    "dtmf_ivr_retries",
    "actions",
)


def _rename_gotos(definition: dict, old_id: str, new_id: str) -> None:
    for step in steps_of(definition):
        for route in step.get("actions") or []:
            for action in route.get("actions") or []:
                params = action.get("params") or {}
                if action.get("action") == "goto" and params.get("step_id") == old_id:
                    params["step_id"] = new_id


def remove_step(definition: dict, *, index: int) -> str:
    """Delete a step; gotos to it stay (lint shows them) so nothing vanishes silently."""
    step = _step(definition, index)
    steps_of(definition).pop(index)
    (definition.get("layout") or {}).pop(step.get("step_id"), None)
    return step.get("step_id")


def shift_step(definition: dict, *, index: int, offset: int) -> None:
    _move(steps_of(definition), index, offset)


def toggle_key(definition: dict, *, index: int, key: str) -> None:
    """Accept `key` if it was not accepted, stop accepting it if it was."""
    step = _step(definition, index)
    keys = accepted_keys(step)
    if key in keys:
        keys.remove(key)
    else:
        keys.append(key)
    _set_keys(step, keys)


def _set_keys(step: dict, keys: list[str]) -> None:
    if keys:
        step["dtmf_ivr"] = keys
    else:
        step.pop("dtmf_ivr", None)
    change_order = {name: step.pop(name) for name in STEP_FIELD_ORDER if name in step}
    step.update(change_order)


def insert_route(definition: dict, *, index: int, key) -> int:
    """Add a route for a key ("1") or a range ({"min", "max"}); a single key is also
    accepted by the step, since a route for a key the step refuses never runs."""
    step = _step(definition, index)
    routes = routes_of(step)
    if len(routes) >= MAX_ROUTES_PER_STEP:
        raise ValidationError(f"A step can have at most {MAX_ROUTES_PER_STEP} routes.")
    routes.append({"key": key, "actions": []})
    if isinstance(key, str):
        keys = accepted_keys(step)
        if key not in keys:
            _set_keys(step, [*keys, key])
    return len(routes) - 1


def remove_route(definition: dict, *, index: int, route: int) -> None:
    _route(definition, index, route)
    routes_of(_step(definition, index)).pop(route)


def shift_route(definition: dict, *, index: int, route: int, offset: int) -> None:
    _move(routes_of(_step(definition, index)), route, offset)


def insert_action(definition: dict, *, index: int, route: int, action: dict) -> int:
    actions = actions_of(_route(definition, index, route))
    if len(actions) >= MAX_ACTIONS_PER_ROUTE:
        raise ValidationError(f"A route can have at most {MAX_ACTIONS_PER_ROUTE} actions.")
    actions.append(action)
    return len(actions) - 1


def _action_index(definition: dict, index: int, route: int, action: int) -> list[dict]:
    actions = actions_of(_route(definition, index, route))
    if not 0 <= action < len(actions):
        raise ValidationError("This action no longer exists. Reload the flow.")
    return actions


def change_action(definition: dict, *, index: int, route: int, action: int, value: dict) -> None:
    _action_index(definition, index, route, action)[action] = value


def remove_action(definition: dict, *, index: int, route: int, action: int) -> None:
    _action_index(definition, index, route, action).pop(action)


def shift_action(definition: dict, *, index: int, route: int, action: int, offset: int) -> None:
    _move(_action_index(definition, index, route, action), action, offset)


def change_settings(definition: dict, *, fields: dict) -> None:
    for name in ("name", "description", "language"):
        if name in fields:
            definition[name] = fields[name]
    if fields.get("max_retries") is None:
        definition.pop("max_retries", None)
    else:
        definition["max_retries"] = fields["max_retries"]
    if "have_dependency" in fields:
        ivr_of(definition)["have_dependency"] = fields["have_dependency"]


def set_variable(definition: dict, *, position: int | None, variable: dict) -> None:
    variables = definition.setdefault("variables", [])
    for other, existing in enumerate(variables):
        if other != position and existing.get("name") == variable["name"]:
            raise ValidationError(
                f'There is already a variable called "{variable["name"]}".', code="name"
            )
    if position is None:
        if len(variables) >= MAX_VARIABLES:
            raise ValidationError(f"A flow can have at most {MAX_VARIABLES} variables.")
        variables.append(variable)
    elif 0 <= position < len(variables):
        variables[position] = variable
    else:
        raise ValidationError("This variable no longer exists. Reload the flow.")


def remove_variable(definition: dict, *, position: int) -> None:
    variables = definition.get("variables") or []
    if 0 <= position < len(variables):
        variables.pop(position)


def place_step(definition: dict, *, step_id: str, x: float, y: float, layout: dict) -> None:
    """Keep a dragged node where it was dropped; `layout` holds every other node's
    current place so that the first drag also pins the automatic layout."""
    if step_id not in {step.get("step_id") for step in steps_of(definition)}:
        raise ValidationError("This step no longer exists. Reload the flow.")
    stored = definition.setdefault("layout", {})
    for other, position in layout.items():
        stored.setdefault(other, position)
    stored[step_id] = {"x": round(x, 1), "y": round(y, 1)}


def replace_layout(definition: dict, *, layout: dict) -> None:
    definition["layout"] = layout


# ---------------------------------------------------------------------------------
# atomic services


@transaction.atomic
def apply_edit(
    *, flow: Flow, revision: int | None, user, change: Callable[[dict], object]
) -> EditResult:
    """Run `change` on the current draft and save it, unless the draft moved on."""
    locked = Flow.objects.select_for_update().get(pk=flow.pk)
    if revision is not None and revision != locked.draft_revision:
        raise DraftConflict(expected=revision, current=locked.draft_revision)
    before = read_definition(locked)
    definition = json.loads(json.dumps(before))  # a deep copy, several times faster
    value = change(definition)
    ivr_of(definition)["count_steps"] = len(steps_of(definition))
    # Every node's place is stored, so the automatic layout runs once per flow
    # (or on "tidy up"), not on every edit.
    definition["layout"] = node_positions(definition)
    write_changes(flow=locked, before=before, after=definition, user=user)
    return EditResult(flow=locked, definition=definition, value=value)


def add_step(*, flow: Flow, revision: int | None, user, step_id: str | None = None):
    return apply_edit(
        flow=flow, revision=revision, user=user, change=lambda d: insert_step(d, step_id=step_id)
    )


def update_step(*, flow: Flow, revision: int | None, user, index: int, fields: dict):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: change_step(d, index=index, fields=fields),
    )


def delete_step(*, flow: Flow, revision: int | None, user, index: int):
    return apply_edit(
        flow=flow, revision=revision, user=user, change=lambda d: remove_step(d, index=index)
    )


def move_step(*, flow: Flow, revision: int | None, user, index: int, offset: int):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: shift_step(d, index=index, offset=offset),
    )


def add_route(*, flow: Flow, revision: int | None, user, index: int, key):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: insert_route(d, index=index, key=key),
    )


def add_action(
    *,
    flow: Flow,
    revision: int | None,
    user,
    index: int,
    route: int,
    action: dict,
    new_step: str | None = None,
):
    """Add an action; `new_step` names a step to create first (goto "new step...")."""

    def change(definition):
        if new_step:
            insert_step(definition, step_id=new_step)
        return insert_action(definition, index=index, route=route, action=action)

    return apply_edit(flow=flow, revision=revision, user=user, change=change)


def update_action(
    *,
    flow: Flow,
    revision: int | None,
    user,
    index: int,
    route: int,
    action: int,
    value: dict,
    new_step: str | None = None,
):
    def change(definition):
        if new_step:
            insert_step(definition, step_id=new_step)
        change_action(definition, index=index, route=route, action=action, value=value)

    return apply_edit(flow=flow, revision=revision, user=user, change=change)


def move_action(
    *, flow: Flow, revision: int | None, user, index: int, route: int, action: int, offset: int
):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: shift_action(d, index=index, route=route, action=action, offset=offset),
    )


def toggle_step_key(*, flow: Flow, revision: int | None, user, index: int, key: str):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: toggle_key(d, index=index, key=key),
    )


def place_node(*, flow: Flow, revision: int | None, user, index: int, x: float, y: float):
    def change(definition):
        step_id = _step(definition, index).get("step_id")
        place_step(definition, step_id=step_id, x=x, y=y, layout=node_positions(definition))

    return apply_edit(flow=flow, revision=revision, user=user, change=change)


def tidy_layout(*, flow: Flow, revision: int | None, user):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: replace_layout(d, layout=automatic_layout(d)),
    )


def update_settings(*, flow: Flow, revision: int | None, user, fields: dict):
    return apply_edit(
        flow=flow, revision=revision, user=user, change=lambda d: change_settings(d, fields=fields)
    )


def save_variable(*, flow: Flow, revision: int | None, user, position: int | None, variable: dict):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: set_variable(d, position=position, variable=variable),
    )


def delete_variable(*, flow: Flow, revision: int | None, user, position: int):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: remove_variable(d, position=position),
    )


def delete_route(*, flow: Flow, revision: int | None, user, index: int, route: int):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: remove_route(d, index=index, route=route),
    )


def move_route(*, flow: Flow, revision: int | None, user, index: int, route: int, offset: int):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: shift_route(d, index=index, route=route, offset=offset),
    )


def delete_action(*, flow: Flow, revision: int | None, user, index: int, route: int, action: int):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: remove_action(d, index=index, route=route, action=action),
    )
