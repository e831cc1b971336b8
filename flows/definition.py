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
schema, lint, the compilers and published versions see) and the metadata.
Reading takes a constant number of queries whatever the flow's size; saving
replaces the draft in one transaction. Optional fields stay absent when they were
absent, string booleans stay strings.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from .canonical import SCHEMA_VERSION, STEP_FIELDS
from .models import Action, ActionsForm, Flow, Route, Step, Variable

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


class DefinitionError(ValidationError):
    """A definition the draft tables cannot hold (e.g. two steps with the same id)."""


# ---------------------------------------------------------------------------------
# rows -> canonical


def read_flow(flow: Flow) -> tuple[dict, dict]:
    """(strict canonical definition, metadata) of `flow`'s draft, in four queries."""
    variables = list(Variable.objects.filter(flow=flow).order_by("order", "pk"))
    steps = list(
        Step.objects.filter(flow=flow)
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch(
                "routes",
                queryset=Route.objects.order_by("order", "pk").prefetch_related(
                    Prefetch(
                        "actions",
                        queryset=Action.objects.order_by("order", "pk").select_related("goto_step"),
                    )
                ),
            )
        )
    )
    definition: dict = {"schema_version": SCHEMA_VERSION, "name": flow.name}
    if flow.description:
        definition["description"] = flow.description
    definition["count_steps"] = len(steps)
    definition["have_dependency"] = flow.have_dependency
    definition["steps"] = [_step_dict(step) for step in steps]
    definition["variables"] = [_variable_dict(variable) for variable in variables]
    metadata: dict = {"language": flow.language}
    if flow.max_retries is not None:
        metadata["max_retries"] = flow.max_retries
    layout = {
        step.step_id: {"x": step.x, "y": step.y}
        for step in steps
        if step.x is not None and step.y is not None
    }
    if layout:
        metadata["layout"] = layout
    labels = {v.name: v.label for v in variables if v.label is not None}
    if labels:
        metadata["variable_labels"] = labels
    return definition, metadata


def definition_from_flow(flow: Flow) -> dict:
    """The editable definition of `flow`'s draft (a constant number of queries)."""
    return join_definition(*read_flow(flow))


def join_definition(definition: dict, metadata: dict) -> dict:
    """The editable definition: canonical `definition` with `metadata` on top."""
    joined = dict(definition)
    for key in ("language", "max_retries", "layout"):
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


def _variable_dict(variable: Variable) -> dict:
    data = {"name": variable.name}
    for column in VARIABLE_COLUMNS:
        value = getattr(variable, column)
        if value is not None:
            data[column] = value
    return data


def _step_dict(step: Step) -> dict:
    data: dict = {"step_id": step.step_id}
    for column in STEP_COLUMNS:
        value = getattr(step, column)
        if value is not None:
            data[column] = _plain_number(value) if column in NUMBER_COLUMNS else value
    if step.actions_form == ActionsForm.LIST:
        data["actions"] = [_route_dict(route) for route in step.routes.all()]
    elif step.actions_form == ActionsForm.NULL:
        data["actions"] = None
    return data


def _route_dict(route: Route) -> dict:
    key = route.key if route.key is not None else {"min": route.key_min, "max": route.key_max}
    data: dict = {"key": key}
    if route.actions_form == ActionsForm.LIST:
        data["actions"] = [_action_dict(action) for action in route.actions.all()]
    elif route.actions_form == ActionsForm.NULL:
        data["actions"] = None
    return data


def _action_dict(action: Action) -> dict:
    data: dict = {"action": action.type}
    if action.type == Action.Type.HANGUP:
        return data
    if action.type == Action.Type.GOTO:
        # A deleted target leaves its last name, so lint reports a missing step.
        target = action.goto_step.step_id if action.goto_step else action.goto_step_name
        data["params"] = {"step_id": target}
        return data
    params = {}
    for param, column in ACTION_PARAMS[action.type]:
        value = getattr(action, column)
        if value is not None:
            params[param] = _plain_number(value) if column in NUMBER_COLUMNS else value
    data["params"] = params
    return data


def _plain_number(value: float) -> int | float:
    """10.0 -> 10: a float column gives back a whole number as it was written."""
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------------------------
# canonical -> rows


@transaction.atomic
def save_definition(*, flow: Flow, definition: dict, user=None) -> Flow:
    """Replace `flow`'s draft with an editable definition (schema-valid canonical
    fields, plus the optional language, max_retries, layout and variable labels).

    What is given is what is stored: a definition without `max_retries` clears
    the flow's default retries, one without `layout` clears canvas positions (a
    missing `language` keeps the flow's). Old rows are replaced with bulk inserts;
    gotos are resolved to step foreign keys once the steps exist; `draft_revision`
    goes up by one.
    """
    canonical, metadata = split_definition(definition)
    step_dicts = canonical.get("steps") or []
    variable_dicts = canonical.get("variables") or []
    _check_storable(step_dicts, variable_dicts)
    layout = metadata.get("layout") or {}
    labels = metadata.get("variable_labels") or {}

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

    # Children first: each is then a plain DELETE without cascade look-ups.
    Action.objects.filter(route__step__flow=flow).delete()
    Route.objects.filter(step__flow=flow).delete()
    Step.objects.filter(flow=flow).delete()
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
    steps = Step.objects.bulk_create(
        _step_row(flow, index, item, layout.get(item["step_id"]) or {})
        for index, item in enumerate(step_dicts)
    )
    steps_by_id = {step.step_id: step for step in steps}

    routes: list[Route] = []
    route_actions: list[list[dict]] = []
    for step, item in zip(steps, step_dicts, strict=True):
        for index, route_dict in enumerate(item.get("actions") or []):
            routes.append(_route_row(step, index, route_dict))
            route_actions.append(route_dict.get("actions") or [])
    routes = Route.objects.bulk_create(routes)
    Action.objects.bulk_create(
        _action_row(route, index, action_dict, steps_by_id)
        for route, action_dicts in zip(routes, route_actions, strict=True)
        for index, action_dict in enumerate(action_dicts)
    )
    return flow


def _check_storable(step_dicts: list, variable_dicts: list) -> None:
    """What the tables' unique constraints need, said as a person would say it."""
    errors = []
    seen: set[str] = set()
    for item in step_dicts:
        step_id = item.get("step_id") if isinstance(item, dict) else None
        if not isinstance(step_id, str) or not step_id:
            errors.append("Every step needs a step_id.")
        elif step_id in seen:
            errors.append(f'Two steps have the step_id "{step_id}"; step ids must be unique.')
        seen.add(step_id)
    names: set[str] = set()
    for item in variable_dicts:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            errors.append("Every variable needs a name.")
        elif name in names:
            errors.append(f'Two variables are named "{name}"; variable names must be unique.')
        names.add(name)
    if errors:
        raise DefinitionError(errors)


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
        action.goto_step = steps_by_id.get(target)
        action.goto_step_name = target
        return action
    for param, column in ACTION_PARAMS.get(action_type, ()):
        setattr(action, column, params.get(param))
    return action
