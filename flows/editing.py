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

from .canonical import STEP_FIELDS, accepted_keys
from .definition import definition_from_flow, save_definition
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
    before = definition_from_flow(locked)
    definition = json.loads(json.dumps(before))  # a deep copy, several times faster
    value = change(definition)
    ivr_of(definition)["count_steps"] = len(steps_of(definition))
    # Every node's place is stored, so the automatic layout runs once per flow
    # (or on "tidy up"), not on every edit.
    definition["layout"] = node_positions(definition)
    save_definition(flow=locked, definition=definition, before=before, user=user)
    return EditResult(flow=locked, definition=definition, value=value)


def _service(change: Callable[..., object], what: str) -> Callable[..., EditResult]:
    """The atomic service `(*, flow, revision, user, **arguments)` that applies the pure
    `change(definition, **arguments)` to the draft with `apply_edit`."""

    def service(*, flow: Flow, revision: int | None, user, **arguments) -> EditResult:
        return apply_edit(
            flow=flow, revision=revision, user=user, change=lambda d: change(d, **arguments)
        )

    service.__doc__ = f"{what} (`{change.__name__}`), as an atomic edit of the draft."
    return service


add_step = _service(insert_step, "Add a step")
update_step = _service(change_step, "Change a step's fields")
delete_step = _service(remove_step, "Delete a step")
move_step = _service(shift_step, "Move a step")
toggle_step_key = _service(toggle_key, "Accept or refuse a key")
add_route = _service(insert_route, "Add a route")
delete_route = _service(remove_route, "Delete a route")
move_route = _service(shift_route, "Move a route")
move_action = _service(shift_action, "Move an action")
delete_action = _service(remove_action, "Delete an action")
update_settings = _service(change_settings, "Change the flow's settings")
save_variable = _service(set_variable, "Add or change a variable")
delete_variable = _service(remove_variable, "Delete a variable")


def _after_new_step(change: Callable[..., object]) -> Callable[..., object]:
    """`change`, after creating the step its `new_step` argument names, if any (a goto
    to "new step..." creates the step it goes to)."""

    def with_new_step(definition: dict, *, new_step: str | None = None, **arguments):
        if new_step:
            insert_step(definition, step_id=new_step)
        return change(definition, **arguments)

    with_new_step.__name__ = change.__name__
    return with_new_step


add_action = _service(_after_new_step(insert_action), "Add an action")
update_action = _service(_after_new_step(change_action), "Change an action")


def place_node(*, flow: Flow, revision: int | None, user, index: int, x: float, y: float):
    def change(definition):
        step_id = step_at(definition, index).get("step_id")
        place_step(definition, step_id=step_id, x=x, y=y, layout=node_positions(definition))

    return apply_edit(flow=flow, revision=revision, user=user, change=change)


def tidy_layout(*, flow: Flow, revision: int | None, user):
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: replace_layout(d, layout=automatic_layout(d)),
    )
