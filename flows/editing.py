"""Pure changes of a flow's canonical definition, as the editor makes them.

They work on the canonical dict (steps addressed by position, routes and actions by
position within them), so they are easy to test and never touch the database; the
atomic services that apply them to a draft (locked, revision-checked, saved) are in
`flows.services`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from .canonical import STEP_FIELDS, accepted_keys

MAX_STEPS = 500
MAX_ROUTES_PER_STEP = 100
MAX_ACTIONS_PER_ROUTE = 20
MAX_VARIABLES = 50
NEW_STEP_PREFIX = "step_"
STEP_ID_RE = re.compile(r"^[\w\-]+$")


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


def routes_of(step: dict) -> list[dict]:
    if not isinstance(step.get("actions"), list):
        step["actions"] = []
    return step["actions"]


def actions_of(route: dict) -> list[dict]:
    if not isinstance(route.get("actions"), list):
        route["actions"] = []
    return route["actions"]


def step_at(definition: dict, index: int) -> dict:
    steps = steps_of(definition)
    if not 0 <= index < len(steps):
        raise ValidationError("This step no longer exists. Reload the flow.")
    return steps[index]


def route_at(definition: dict, index: int, route: int) -> dict:
    routes = routes_of(step_at(definition, index))
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
    step = step_at(definition, index)
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
    _keep_field_order(step)


def _keep_field_order(step: dict) -> None:
    """Put the step's fields back in the document's order, so exports read like
    Paycall's examples (fields it does not know stay, after them)."""
    ordered = {name: step.pop(name) for name in STEP_FIELDS if name in step}
    ordered.update(step)
    step.clear()
    step.update(ordered)


def _rename_gotos(definition: dict, old_id: str, new_id: str) -> None:
    for step in steps_of(definition):
        for route in step.get("actions") or []:
            for action in route.get("actions") or []:
                params = action.get("params") or {}
                if action.get("action") == "goto" and params.get("step_id") == old_id:
                    params["step_id"] = new_id


def remove_step(definition: dict, *, index: int) -> str:
    """Delete a step; gotos to it stay (lint shows them) so nothing vanishes silently."""
    step = step_at(definition, index)
    steps_of(definition).pop(index)
    (definition.get("layout") or {}).pop(step.get("step_id"), None)
    return step.get("step_id")


def shift_step(definition: dict, *, index: int, offset: int) -> None:
    _move(steps_of(definition), index, offset)


def toggle_key(definition: dict, *, index: int, key: str) -> None:
    """Accept `key` if it was not accepted, stop accepting it if it was."""
    step = step_at(definition, index)
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
    _keep_field_order(step)


def insert_route(definition: dict, *, index: int, key) -> int:
    """Add a route for a key ("1") or a range ({"min", "max"}); a single key is also
    accepted by the step, since a route for a key the step refuses never runs."""
    step = step_at(definition, index)
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
    route_at(definition, index, route)
    routes_of(step_at(definition, index)).pop(route)


def shift_route(definition: dict, *, index: int, route: int, offset: int) -> None:
    _move(routes_of(step_at(definition, index)), route, offset)


def insert_action(definition: dict, *, index: int, route: int, action: dict) -> int:
    actions = actions_of(route_at(definition, index, route))
    if len(actions) >= MAX_ACTIONS_PER_ROUTE:
        raise ValidationError(f"A route can have at most {MAX_ACTIONS_PER_ROUTE} actions.")
    actions.append(action)
    return len(actions) - 1


def _action_index(definition: dict, index: int, route: int, action: int) -> list[dict]:
    actions = actions_of(route_at(definition, index, route))
    if not 0 <= action < len(actions):
        raise ValidationError("This action no longer exists. Reload the flow.")
    return actions


def change_action(definition: dict, *, index: int, route: int, action: int, value: dict) -> None:
    _action_index(definition, index, route, action)[action] = value


def put_action(
    definition: dict,
    *,
    index: int,
    route: int,
    action: int | None,
    value: dict,
    new_step: str | None = None,
) -> int | None:
    """Add (`action` None; returns its index) or replace an action. A goto to "new
    step..." names the step to create first, so that it goes somewhere."""
    if new_step:
        insert_step(definition, step_id=new_step)
    if action is None:
        return insert_action(definition, index=index, route=route, action=value)
    change_action(definition, index=index, route=route, action=action, value=value)
    return None


def remove_action(definition: dict, *, index: int, route: int, action: int) -> None:
    _action_index(definition, index, route, action).pop(action)


def shift_action(definition: dict, *, index: int, route: int, action: int, offset: int) -> None:
    _move(_action_index(definition, index, route, action), action, offset)


def variable_at(variables: list, position: int):
    """The variable at `position` of the flow's list (a dict or a row)."""
    if not 0 <= position < len(variables):
        raise ValidationError("This variable no longer exists. Reload the flow.")
    return variables[position]


def check_variable(names: list[str], *, position: int | None, name: str) -> None:
    """Refuse a variable name the flow cannot take: `names` are the flow's variables
    in order, `position` the one being renamed (None: a new variable)."""
    if any(other != position and existing == name for other, existing in enumerate(names)):
        raise ValidationError(f'There is already a variable called "{name}".', code="name")
    if position is None and len(names) >= MAX_VARIABLES:
        raise ValidationError(f"A flow can have at most {MAX_VARIABLES} variables.")


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
