"""The draft rows of a flow <-> its canonical definition (a plain dict), losslessly.

The canonical definition is the shape of `flows.canonical` (the Paycall ivr fields
count_steps / have_dependency / steps, plus schema_version, name, description and
variables; `flows/schemas/flow_definition.schema.json`). The editor keeps a few
things beside it that the schema has no place for — the flow's language, its
default retries (Paycall's general `max_retries`), the canvas layout and the
variables' labels. The *editable* definition that `definition_from_flow` returns
and `save_definition` takes is the canonical one with those on top:

    {...canonical..., "language": "he", "max_retries": 3,
     "layout": {"foo": {"x": 0.0, "y": 0.0}},
     "variables": [{"name": "first_name", "label": "First name", ...}]}

`split_definition` separates the two: the strict canonical definition (what the
schema, lint, the provider builders and published versions see) and the metadata.

The public API: `read_flow` / `definition_from_flow` read a draft in four queries
whatever its size (plain `.values()` rows, no model instances); `save_definition`
stores one, either whole (an import, a revert) or, given the definition the rows
hold now, only the steps that differ (an editor change) — both with a fixed
number of queries and the same row builders, so a re-read gives back exactly the
definition that was saved. Optional fields stay absent when they were absent,
string booleans stay strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from flows.canonical import SCHEMA_VERSION, STEP_FIELDS
from flows.models import Action, ActionsForm, Flow, Route, Step, Variable

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Step fields held in a column of the same name (all but step_id and actions).
STEP_COLUMNS = tuple(field for field in STEP_FIELDS if field not in ("step_id", "actions"))
VARIABLE_COLUMNS = ("default", "description")
# Per action type: the params it has, as (param name, Action column).
ACTION_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    Action.Type.HANGUP: (),
    Action.Type.CALL: (("number", "number"), ("cli", "cli"), ("dtmf_keys", "dtmf_keys")),
    Action.Type.GOTO: (),
    Action.Type.MARK: (("type", "mark_type"), ("value", "mark_value")),
    Action.Type.PLAY: (("text", "text"), ("gender", "gender"), ("is_recording", "is_recording")),
    Action.Type.WAIT: (("sleep", "sleep"),),
}
NUMBER_COLUMNS = ("dtmf_ivr_timeout", "sleep")
METADATA_KEYS = ("language", "max_retries", "layout")

# The columns each read asks for.
VARIABLE_VALUES = ("name", "label", *VARIABLE_COLUMNS)
STEP_VALUES = ("pk", "step_id", *STEP_COLUMNS, "actions_form", "x", "y")
ROUTE_VALUES = ("pk", "step_id", "key", "key_min", "key_max", "actions_form")
ACTION_VALUES = (
    "route_id",
    "type",
    "goto_step__step_id",
    "goto_step_name",
    *dict.fromkeys(column for params in ACTION_PARAMS.values() for _, column in params),
)


class DefinitionError(ValidationError):
    """A definition the draft tables cannot hold (e.g. two steps with the same id)."""


# ---------------------------------------------------------------------------------
# rows -> canonical


def read_flow(flow: Flow) -> tuple[dict, dict]:
    """(strict canonical definition, metadata) of `flow`'s draft, in four queries."""
    variables = list(
        Variable.objects.filter(flow=flow).order_by("order", "pk").values(*VARIABLE_VALUES)
    )
    steps = list(Step.objects.filter(flow=flow).order_by("order", "pk").values(*STEP_VALUES))
    actions_of = defaultdict(list)
    for row in (
        Action.objects.filter(route__step__flow=flow).order_by("order", "pk").values(*ACTION_VALUES)
    ):
        actions_of[row["route_id"]].append(_action_dict(row))
    routes_of = defaultdict(list)
    for row in Route.objects.filter(step__flow=flow).order_by("order", "pk").values(*ROUTE_VALUES):
        routes_of[row["step_id"]].append(_route_dict(row, actions_of[row["pk"]]))

    definition: dict = {"schema_version": SCHEMA_VERSION, "name": flow.name}
    if flow.description:
        definition["description"] = flow.description
    definition["count_steps"] = len(steps)
    definition["have_dependency"] = flow.have_dependency
    definition["steps"] = [_step_dict(step, routes_of[step["pk"]]) for step in steps]
    definition["variables"] = [_variable_dict(variable) for variable in variables]
    metadata: dict = {"language": flow.language}
    if flow.max_retries is not None:
        metadata["max_retries"] = flow.max_retries
    layout = {
        step["step_id"]: {"x": step["x"], "y": step["y"]}
        for step in steps
        if step["x"] is not None and step["y"] is not None
    }
    if layout:
        metadata["layout"] = layout
    labels = {v["name"]: v["label"] for v in variables if v["label"] is not None}
    if labels:
        metadata["variable_labels"] = labels
    return definition, metadata


def definition_from_flow(flow: Flow) -> dict:
    """The editable definition of `flow`'s draft (a constant number of queries)."""
    return join_definition(*read_flow(flow))


def join_definition(definition: dict, metadata: dict) -> dict:
    """The editable definition: canonical `definition` with `metadata` on top."""
    joined = dict(definition)
    for key in METADATA_KEYS:
        if key in metadata:
            joined[key] = metadata[key]
    labels = metadata.get("variable_labels") or {}
    if labels:
        joined["variables"] = [
            _with_label(variable, labels) for variable in definition.get("variables") or []
        ]
    return joined


def _with_label(variable: dict, labels: dict) -> dict:
    if not isinstance(variable, dict) or variable.get("name") not in labels:
        return variable
    name, rest = variable["name"], {k: v for k, v in variable.items() if k != "name"}
    return {"name": name, "label": labels[name], **rest}


def split_definition(editable: dict) -> tuple[dict, dict]:
    """(strict canonical definition, metadata) of an editable definition.

    Tolerates the ivr fields nested under "ivr" (the older agreed shape).
    """
    flat = dict(editable)
    if isinstance(flat.get("ivr"), dict):
        flat.update(flat.pop("ivr"))
    metadata: dict = {}
    for key in METADATA_KEYS:
        if key in flat:
            metadata[key] = flat.pop(key)
    labels = {}
    variables = []
    for variable in flat.get("variables") or []:
        if isinstance(variable, dict) and "label" in variable:
            labels[variable.get("name")] = variable["label"]
            variable = {k: v for k, v in variable.items() if k != "label"}
        variables.append(variable)
    if "variables" in flat:
        flat["variables"] = variables
    if labels:
        metadata["variable_labels"] = labels
    return flat, metadata


def _present(row: dict, columns: Iterable[str]) -> dict:
    """The columns of `row` that hold a value (NULL = absent in the definition)."""
    return {
        column: _plain_number(row[column]) if column in NUMBER_COLUMNS else row[column]
        for column in columns
        if row[column] is not None
    }


def _variable_dict(row: dict) -> dict:
    return {"name": row["name"], **_present(row, VARIABLE_COLUMNS)}


def _with_actions(data: dict, form: str, actions: list) -> dict:
    if form == ActionsForm.LIST:
        data["actions"] = actions
    elif form == ActionsForm.NULL:
        data["actions"] = None
    return data


def _step_dict(row: dict, routes: list[dict]) -> dict:
    data = {"step_id": row["step_id"], **_present(row, STEP_COLUMNS)}
    return _with_actions(data, row["actions_form"], routes)


def _route_dict(row: dict, actions: list[dict]) -> dict:
    key = row["key"] if row["key"] is not None else {"min": row["key_min"], "max": row["key_max"]}
    return _with_actions({"key": key}, row["actions_form"], actions)


def _action_dict(row: dict) -> dict:
    action_type = row["type"]
    if action_type == Action.Type.HANGUP:
        return {"action": action_type}
    if action_type == Action.Type.GOTO:
        # A deleted target leaves its last name, so lint reports a missing step.
        target = row["goto_step__step_id"]
        if target is None:
            target = row["goto_step_name"]
        return {"action": action_type, "params": {"step_id": target}}
    params = ACTION_PARAMS[action_type]
    present = _present(row, [column for _, column in params])
    return {
        "action": action_type,
        "params": {param: present[column] for param, column in params if column in present},
    }


def _plain_number(value: float) -> int | float:
    """10.0 -> 10: a float column gives back a whole number as it was written."""
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------------------------
# canonical -> rows


@transaction.atomic
def save_definition(
    *,
    flow: Flow,
    definition: dict,
    user: User | AnonymousUser | None = None,
    before: dict | None = None,
) -> Flow:
    """Store an editable definition (schema-valid canonical fields, plus the optional
    language, max_retries, layout and variable labels) as `flow`'s draft.

    Without `before`, every row is replaced with bulk inserts (an import, a revert,
    a copy). With `before` — the editable definition the rows hold now — only what
    differs is rewritten: the variables if they changed, and the steps added,
    changed, renamed in place, removed or moved, so that an editor change costs a
    fixed number of queries whatever the flow's size.

    What is given is what is stored: a definition without `max_retries` clears the
    flow's default retries, one without `layout` clears canvas positions (a missing
    `language` keeps the flow's). Gotos are resolved to step foreign keys once the
    steps exist; `draft_revision` goes up by one.
    """
    canonical, metadata = split_definition(definition)
    step_dicts = canonical.get("steps") or []
    variable_dicts = canonical.get("variables") or []
    _check_storable(step_dicts, variable_dicts)
    layout = metadata.get("layout") or {}
    labels = metadata.get("variable_labels") or {}
    _store_flow(flow, canonical, metadata, user)
    if before is None:
        # Children first: each is then a plain DELETE without cascade look-ups.
        Action.objects.filter(route__step__flow=flow).delete()
        Route.objects.filter(step__flow=flow).delete()
        Step.objects.filter(flow=flow).delete()
        _store_variables(flow, variable_dicts, labels)
        steps = Step.objects.bulk_create(
            _step_row(flow, index, item, layout.get(item["step_id"]) or {})
            for index, item in enumerate(step_dicts)
        )
        _store_routes(step_dicts, {step.step_id: step for step in steps})
        return flow
    old, old_metadata = split_definition(before)
    if old.get("variables") != canonical.get("variables") or old_metadata.get(
        "variable_labels"
    ) != metadata.get("variable_labels"):
        _store_variables(flow, variable_dicts, labels)
    old_steps = old.get("steps") or []
    if old_steps != step_dicts or old_metadata.get("layout") != metadata.get("layout"):
        _store_changed_steps(flow, old_steps, step_dicts, layout)
    return flow


def _check_storable(step_dicts: list, variable_dicts: list) -> None:
    """What the tables' unique constraints need, said as a person would say it."""
    errors = [
        *_naming_problems(
            step_dicts,
            "step_id",
            missing="Every step needs a step_id.",
            twice='Two steps have the step_id "{}"; step ids must be unique.',
        ),
        *_naming_problems(
            variable_dicts,
            "name",
            missing="Every variable needs a name.",
            twice='Two variables are named "{}"; variable names must be unique.',
        ),
    ]
    if errors:
        raise DefinitionError(errors)


def _naming_problems(items: list, field: str, *, missing: str, twice: str) -> list[str]:
    problems = []
    seen: set[object] = set()
    for item in items:
        name = item.get(field) if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(missing)
        elif name in seen:
            problems.append(twice.format(name))
        seen.add(name)
    return problems


def _store_flow(
    flow: Flow, canonical: dict, metadata: dict, user: User | AnonymousUser | None
) -> None:
    flow.name = canonical.get("name") or flow.name or "Untitled flow"
    flow.description = canonical.get("description") or ""
    flow.have_dependency = canonical.get("have_dependency") or Flow.Mode.LINEAR
    flow.language = metadata.get("language") or flow.language
    flow.max_retries = metadata.get("max_retries")
    flow.draft_revision = (flow.draft_revision or 0) + 1
    if user is not None and user.is_authenticated:
        flow.updated_by = user
        if flow.pk is None:
            flow.created_by = user
    flow.save()


def _store_variables(flow: Flow, variable_dicts: list[dict], labels: dict) -> None:
    Variable.objects.filter(flow=flow).delete()
    Variable.objects.bulk_create(
        Variable(
            flow=flow,
            order=index,
            name=item["name"],
            label=labels.get(item["name"]),
            **{column: item.get(column) for column in VARIABLE_COLUMNS},
        )
        for index, item in enumerate(variable_dicts)
    )


def _store_routes(step_dicts: list[dict], targets: dict[str, Step]) -> None:
    """Insert the routes and actions of `step_dicts`; `targets` holds (at least) the
    row of each of these steps and every step a goto may name, by step id."""
    routes: list[Route] = []
    route_actions: list[list[dict]] = []
    for item in step_dicts:
        step = targets[item["step_id"]]
        for index, route_dict in enumerate(item.get("actions") or []):
            routes.append(_route_row(step, index, route_dict))
            route_actions.append(route_dict.get("actions") or [])
    routes = Route.objects.bulk_create(routes)
    Action.objects.bulk_create(
        _action_row(route, index, action_dict, targets)
        for route, action_dicts in zip(routes, route_actions, strict=True)
        for index, action_dict in enumerate(action_dicts)
    )


# A stored step's row: (pk, order, x, y).
_StepPlace = tuple[int, int, float | None, float | None]


def _store_changed_steps(
    flow: Flow, old_steps: list[dict], new_steps: list[dict], layout: dict
) -> None:
    rows: dict[str, _StepPlace] = {
        step_id: (pk, order, x, y)
        for pk, step_id, order, x, y in Step.objects.filter(flow=flow).values_list(
            "pk", "step_id", "order", "x", "y"
        )
    }
    old_ids = [step["step_id"] for step in old_steps]
    new_ids = [step["step_id"] for step in new_steps]
    renames = _renames(old_ids, new_ids)
    for old_id, new_id in renames.items():
        pk = rows[old_id][0]
        Step.objects.filter(pk=pk).update(step_id=new_id)
        # A goto remembers its target's name for when the target is deleted.
        Action.objects.filter(goto_step_id=pk).update(goto_step_name=new_id)
        rows[new_id] = rows.pop(old_id)
    old_by_id = {renames.get(step["step_id"], step["step_id"]): step for step in old_steps}

    removed = [step_id for step_id in old_by_id if step_id not in set(new_ids)]
    if removed:
        Step.objects.filter(pk__in=[rows[step_id][0] for step_id in removed]).delete()

    added = [step for step in new_steps if step["step_id"] not in old_by_id]
    changed = [
        step
        for step in new_steps
        if step["step_id"] in old_by_id and old_by_id[step["step_id"]] != step
    ]
    orders = _orders(new_ids, {step_id: row[1] for step_id, row in rows.items()})
    new_rows = Step.objects.bulk_create(
        _step_row(flow, orders[step["step_id"]], step, layout.get(step["step_id"]) or {})
        for step in added
    )
    pks = {step_id: row[0] for step_id, row in rows.items() if step_id not in removed}
    pks.update({row.step_id: row.pk for row in new_rows})

    for step in changed:
        Step.objects.filter(pk=pks[step["step_id"]]).update(
            actions_form=_actions_form(step),
            **{column: step.get(column) for column in STEP_COLUMNS},
        )
    touched = added + changed
    if touched:
        touched_pks = [pks[step["step_id"]] for step in touched]
        Action.objects.filter(route__step_id__in=touched_pks).delete()
        Route.objects.filter(step_id__in=touched_pks).delete()
        _store_routes(
            touched, {step_id: Step(pk=pk, step_id=step_id) for step_id, pk in pks.items()}
        )
    _link_gotos(flow, [step["step_id"] for step in added], pks)
    _update_places(new_ids, rows, orders, layout, pks)


def _renames(old_ids: list[str], new_ids: list[str]) -> dict[str, str]:
    """A step renamed in place: same position, the old name gone, the new one new."""
    if len(old_ids) != len(new_ids):
        return {}
    return {
        old: new
        for old, new in zip(old_ids, new_ids, strict=True)
        if old != new and old not in new_ids and new not in old_ids
    }


def _orders(new_ids: list[str], current: dict[str, int]) -> dict[str, int]:
    """Keep the stored order numbers while they still increase; else renumber."""
    kept = [current[step_id] for step_id in new_ids if step_id in current]
    if all(a < b for a, b in zip(kept, kept[1:], strict=False)):
        orders, last = {}, -1
        for step_id in new_ids:
            last = current[step_id] if step_id in current else last + 1
            orders[step_id] = last
        if all(a < b for a, b in zip(orders.values(), list(orders.values())[1:], strict=False)):
            return orders
    return {step_id: index for index, step_id in enumerate(new_ids)}


def _link_gotos(flow: Flow, added_ids: list[str], pks: dict[str, int]) -> None:
    """Gotos elsewhere that named a step before it existed now reach it."""
    for step_id in added_ids:
        Action.objects.filter(
            route__step__flow=flow,
            type=Action.Type.GOTO,
            goto_step__isnull=True,
            goto_step_name=step_id,
        ).update(goto_step_id=pks[step_id])


def _update_places(
    new_ids: list[str],
    rows: dict[str, _StepPlace],
    orders: dict[str, int],
    layout: dict,
    pks: dict[str, int],
) -> None:
    """Order numbers and canvas positions of the steps that kept their row."""
    stale = []
    for step_id in new_ids:
        if step_id not in rows:
            continue
        _, order, x, y = rows[step_id]
        position = layout.get(step_id) or {}
        if (order, x, y) != (orders[step_id], position.get("x"), position.get("y")):
            stale.append(
                Step(
                    pk=pks[step_id], order=orders[step_id], x=position.get("x"), y=position.get("y")
                )
            )
    if stale:
        Step.objects.bulk_update(stale, ["order", "x", "y"], batch_size=len(stale))


def _actions_form(item: dict) -> str:
    if "actions" not in item:
        return ActionsForm.ABSENT
    return ActionsForm.NULL if item["actions"] is None else ActionsForm.LIST


def _step_row(flow: Flow, order: int, item: dict, position: dict) -> Step:
    return Step(
        flow=flow,
        order=order,
        step_id=item["step_id"],
        actions_form=_actions_form(item),
        x=position.get("x"),
        y=position.get("y"),
        **{column: item.get(column) for column in STEP_COLUMNS},
    )


def _route_row(step: Step, order: int, item: dict) -> Route:
    key = item.get("key")
    form = _actions_form(item)
    if isinstance(key, dict):
        return Route(
            step=step,
            order=order,
            key_min=str(key.get("min")),
            key_max=str(key.get("max")),
            actions_form=form,
        )
    return Route(step=step, order=order, key=str(key), actions_form=form)


def _action_row(route: Route, order: int, item: dict, steps_by_id: dict[str, Step]) -> Action:
    action_type = item["action"]
    params = item.get("params") or {}
    action = Action(route=route, order=order, type=action_type)
    if action_type == Action.Type.GOTO:
        target = params.get("step_id")
        action.goto_step = steps_by_id.get(target) if isinstance(target, str) else None
        action.goto_step_name = target
        return action
    for param, column in ACTION_PARAMS.get(action_type, ()):
        setattr(action, column, params.get(param))
    return action
