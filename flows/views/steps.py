"""The step editor: the panel, its form, the keypad of accepted keys, adding,
moving and deleting steps, and keeping a dragged node where it was dropped."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from dialer_site.permissions import permission_for

from .. import editing, services
from ..canonical import PLACEHOLDER_RE, KeyRange, accepted_keys, parse_key
from ..definition import definition_from_flow
from ..forms import ActionForm, KeyForm, RouteForm, StepForm
from .common import (
    error_messages,
    findings_of,
    flow_or_404,
    recording_names,
    render_update,
    run_edit,
    run_form_edit,
)

KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]
READ, WRITE = "flows.view_flow", "flows.change_flow"


def recording_choices(names: list[str]) -> list[tuple[str, str]]:
    return [("", "Choose a recording…")] + [(name, name) for name in names]


def action_summary(action: dict) -> str:
    params = action.get("params") or {}
    kind = action.get("action")
    if kind == "goto":
        return f"Go to {params.get('step_id') or '…'}"
    if kind == "play":
        if str(params.get("is_recording", "")).lower() == "true":
            return f"Play recording {params.get('text', '')}"
        return f"Say “{params.get('text', '')}”"
    if kind == "wait":
        return f"Wait {params.get('sleep', '?')} s"
    if kind == "call":
        return f"Call {params.get('number', '')} and connect"
    if kind == "mark":
        if params.get("type") == "custom":
            return f"Mark as “{params.get('value', '')}”"
        return "Remove the contact from the list"
    if kind == "hangup":
        return "Hang up"
    return str(kind)


def route_label(key) -> str:
    parsed = parse_key(key)
    if isinstance(parsed, KeyRange):
        return f"Keys {parsed.min} to {parsed.max}"
    return f"Key {parsed}" if parsed is not None else "Key ?"


def prompt_preview(step: dict) -> list[dict]:
    """The prompt as text runs and $variable$ chips (empty for a recording)."""
    prompt = step.get("prompt")
    if str(step.get("prompt_is_file", "")).lower() == "true":
        return []
    if isinstance(prompt, dict):
        text = str(prompt.get("text", ""))
    elif isinstance(prompt, list):
        text = " / ".join(map(str, prompt))
    else:
        text = str(prompt or "")
    if "$" not in text:
        return []
    parts, last = [], 0
    for match in PLACEHOLDER_RE.finditer(text):
        parts.append({"text": text[last : match.start()], "variable": False})
        parts.append({"text": match.group(0), "variable": True})
        last = match.end()
    parts.append({"text": text[last:], "variable": False})
    return parts


def step_panel_context(
    definition: dict,
    index: int,
    findings: list,
    recordings: list[str],
    *,
    step_form: StepForm | None = None,
    key_form: KeyForm | None = None,
    route_form: RouteForm | None = None,
    action_forms: dict | None = None,
    focus: str = "",
    saved: bool = False,
) -> dict:
    """Everything the step panel shows, with each finding beside its field."""
    steps = editing.steps_of(definition)
    step = steps[index]
    choices = recording_choices(recordings)
    step_ids = [s.get("step_id") for s in steps]
    action_forms = action_forms or {}
    mine = [f for f in findings if getattr(f, "step_index", None) == index]
    field_findings: dict[str, list] = {}
    for finding in mine:
        if finding.route is None:
            field_findings.setdefault(finding.field or "step", []).append(finding)
    routes = []
    for r, route in enumerate(step.get("actions") or []):
        route_actions = route.get("actions") or []
        actions = []
        for a, action in enumerate(route_actions):
            prefix = f"a{r}-{a}"
            findings_here = [f for f in mine if f.route == r and f.action == a]
            # A form is rendered only where it is needed now (a refused value, an
            # error, a problem being opened); the others load when opened.
            form = action_forms.get(prefix)
            if form is None and (
                focus.startswith(f"id_{prefix}-")
                or any(f.severity == "error" for f in findings_here)
            ):
                form = ActionForm(
                    prefix=prefix, action=action, step_ids=step_ids, recordings=choices
                )
            actions.append(
                {
                    "index": a,
                    "form": form,
                    "summary": action_summary(action),
                    "type": action.get("action"),
                    "findings": findings_here,
                    "first": a == 0,
                    "last": a == len(route_actions) - 1,
                }
            )
        routes.append(
            {
                "index": r,
                "label": route_label(route.get("key")),
                "actions": actions,
                "findings": [f for f in mine if f.route == r and f.action is None],
                "add_form": action_forms.get(f"n{r}"),
                "last": r == len(step.get("actions") or []) - 1,
            }
        )
    keys = accepted_keys(step)
    return {
        "step": step,
        "index": index,
        "is_start": index == 0,
        "is_last": index == len(steps) - 1,
        "step_form": step_form or StepForm(step=step, recordings=choices),
        "key_form": key_form or KeyForm(),
        "route_form": route_form or RouteForm(prefix="route"),
        "keypad": [{"key": k, "on": k in keys} for k in KEYPAD],
        "keys": keys,
        "other_keys": [k for k in keys if k not in KEYPAD],
        "routes": routes,
        "field_findings": field_findings,
        "variables": definition.get("variables") or [],
        "prompt_preview": prompt_preview(step),
        "focus": focus,
        "saved": saved,
    }


def step_update(
    request, flow, definition, index, main="step-panel", status=200, parts=None, **forms
):
    recordings = recording_names()
    findings = findings_of(definition, recordings)
    if not 0 <= index < len(editing.steps_of(definition)):
        return render_update(
            request,
            flow=flow,
            definition=definition,
            main="panel-empty",
            context={},
            findings=findings,
        )
    context = step_panel_context(definition, index, findings, recordings, **forms)
    return render_update(
        request,
        flow=flow,
        definition=definition,
        main=main,
        context=context,
        status=status,
        findings=findings,
        parts=parts or ("map", "problems", "revision"),
    )


def routes_edit(request, flow, index: int, edit, **arguments):
    """Run the service `edit` on step `index`'s routes or actions and answer with the
    step's routes (as they are now, if the edit was refused)."""

    def done(result):
        return step_update(request, result.flow, result.definition, index, "step-routes")

    def invalid(error):
        return step_update(request, flow, definition_from_flow(flow), index, "step-routes")

    return run_edit(request, flow, edit, done, invalid, index=index, **arguments)


@permission_for(READ, WRITE)
def step(request, pk: int, index: int):
    """GET: the step's editor panel. POST: save the step form."""
    flow = flow_or_404(pk)
    if request.method == "GET":
        definition = definition_from_flow(flow)
        return step_update(request, flow, definition, index, focus=request.GET.get("focus", ""))
    choices = recording_choices(recording_names())

    def bind(definition):
        step_dict = editing.step_at(definition, index)
        return StepForm(request.POST, step=step_dict, recordings=choices)

    def apply(definition, form):
        editing.change_step(definition, index=index, fields=form.step_fields)

    def saved(result):
        return step_update(request, result.flow, result.definition, index, "step-form", saved=True)

    def refused(form, definition):
        if form is None:
            return step_update(request, flow, definition, index)
        return step_update(request, flow, definition, index, "step-form", 422, step_form=form)

    return run_form_edit(request, flow, bind=bind, apply=apply, saved=saved, refused=refused)


@require_POST
@permission_for(READ, WRITE)
def add_step(request, pk: int):
    flow = flow_or_404(pk)

    def saved(result):
        return step_update(request, result.flow, result.definition, result.value)

    def invalid(error):
        return render_update(
            request,
            flow=flow,
            definition=definition_from_flow(flow),
            main="panel-message",
            context={"message": " ".join(error_messages(error))},
            status=422,
        )

    return run_edit(request, flow, services.add_step, saved, invalid)


@require_POST
@permission_for(READ, WRITE)
def delete_step(request, pk: int, index: int):
    flow = flow_or_404(pk)

    def saved(result):
        return render_update(
            request,
            flow=result.flow,
            definition=result.definition,
            main="panel-message",
            context={"message": f"Step “{result.value}” was deleted."},
        )

    def invalid(error):
        return step_update(request, flow, definition_from_flow(flow), index)

    return run_edit(request, flow, services.delete_step, saved, invalid, index=index)


@require_POST
@permission_for(READ, WRITE)
def move_step(request, pk: int, index: int):
    flow = flow_or_404(pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    new_index = index + offset

    def saved(result):
        steps = editing.steps_of(result.definition)
        return step_update(
            request, result.flow, result.definition, min(max(new_index, 0), len(steps) - 1)
        )

    def invalid(error):
        return step_update(request, flow, definition_from_flow(flow), index)

    return run_edit(request, flow, services.move_step, saved, invalid, index=index, offset=offset)


@require_POST
@permission_for(READ, WRITE)
def toggle_key(request, pk: int, index: int):
    """The keypad and the "other key" field: accept or stop accepting a key."""
    flow = flow_or_404(pk)
    form = KeyForm(request.POST)
    if not form.is_valid():
        definition = definition_from_flow(flow)
        return step_update(request, flow, definition, index, "step-keys", 422, key_form=form)

    def saved(result):
        return step_update(request, result.flow, result.definition, index, "step-keys")

    def invalid(error):
        form.add_error("key", " ".join(error_messages(error)))
        definition = definition_from_flow(flow)
        return step_update(request, flow, definition, index, "step-keys", 422, key_form=form)

    return run_edit(
        request,
        flow,
        services.toggle_step_key,
        saved,
        invalid,
        index=index,
        key=form.cleaned_data["key"],
    )


@require_POST
@permission_for(READ, WRITE)
def place_step(request, pk: int, index: int):
    """A node dropped on the map keeps its place (all nodes are pinned then)."""
    flow = flow_or_404(pk)
    try:
        x, y = float(request.POST["x"]), float(request.POST["y"])
    except (KeyError, ValueError):
        return HttpResponse("Send the new position as numbers x and y.", status=422)

    return run_edit(
        request, flow, services.place_node, *_map_answers(request, flow), index=index, x=x, y=y
    )


@require_POST
@permission_for(READ, WRITE)
def tidy_layout(request, pk: int):
    """Forget the dragged places: the automatic layout arranges every node again."""
    flow = flow_or_404(pk)
    return run_edit(request, flow, services.tidy_layout, *_map_answers(request, flow))


def _map_answers(request, flow):
    """(saved, invalid) of an edit that only moves nodes: the map as it is after it."""

    def answer(flow, definition):
        return render_update(
            request,
            flow=flow,
            definition=definition,
            main=None,
            context={},
            parts=("map", "revision"),
        )

    def saved(result):
        return answer(result.flow, result.definition)

    def invalid(error):
        return answer(flow, definition_from_flow(flow))

    return saved, invalid
