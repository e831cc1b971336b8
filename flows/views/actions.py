"""Actions of a route: one form per action type; add, change, reorder, delete;
and the phone number check that runs while a person types."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dialer_site.permissions import permission_for

from .. import editing, services
from ..definition import definition_from_flow
from ..forms import PHONE_RE, ActionForm
from ..phones import check_phone
from .common import (
    can_edit,
    findings_of,
    flow_or_404,
    offset_of,
    recording_names,
    run_form_edit,
)
from .steps import READ, WRITE, recording_choices, route_label, routes_edit, step_update


def _action_form(request, definition, prefix, action=None):
    step_ids = [step.get("step_id") for step in editing.steps_of(definition)]
    return ActionForm(
        request.POST,
        prefix=prefix,
        action=action,
        step_ids=step_ids,
        recordings=recording_choices(recording_names()),
    )


def _route_exists(definition, index, route) -> bool:
    steps = editing.steps_of(definition)
    return 0 <= index < len(steps) and 0 <= route < len(steps[index].get("actions") or [])


def _form_partial(request, flow, definition, index, route, number=None):
    """GET: one action's form (or a route's "add an action" form), loaded when the
    person opens it."""
    step = editing.steps_of(definition)[index]
    route_dict = step["actions"][route]
    actions = route_dict.get("actions") or []
    findings = [
        f
        for f in findings_of(definition, recording_names())
        if f.step_index == index and f.route == route and f.action == number
    ]
    context = {
        "flow": flow,
        "index": index,
        "route": {"index": route, "label": route_label(route_dict.get("key"))},
        "can_edit": can_edit(request.user),
    }
    step_ids = [s.get("step_id") for s in editing.steps_of(definition)]
    choices = recording_choices(recording_names())
    if number is None:
        context["route"]["add_form"] = ActionForm(
            prefix=f"n{route}", step_ids=step_ids, recordings=choices, initial={"type": "goto"}
        )
        return render(request, "flows/editor.html#add-action-form", context)
    context["a"] = {
        "index": number,
        "first": number == 0,
        "last": number == len(actions) - 1,
        "findings": findings,
        "form": ActionForm(
            prefix=f"a{route}-{number}",
            action=actions[number],
            step_ids=step_ids,
            recordings=choices,
        ),
    }
    return render(request, "flows/editor.html#action-form", context)


def _save_action_form(request, flow, index, route, number=None):
    """Add (number None) or change an action from its submitted form, checked
    against the locked draft."""
    prefix = f"n{route}" if number is None else f"a{route}-{number}"

    def bind(definition):
        actions = editing.route_at(definition, index, route).get("actions") or []
        original = None
        if number is not None:
            if not 0 <= number < len(actions):
                raise ValidationError("This action no longer exists. Reload the flow.")
            original = actions[number]
        return _action_form(request, definition, prefix, original)

    def apply(definition, form):
        return editing.put_action(
            definition,
            index=index,
            route=route,
            action=number,
            value=form.action,
            new_step=form.new_step,
        )

    def saved(result):
        return step_update(request, result.flow, result.definition, index, "step-routes")

    def refused(form, definition):
        if form is None:
            return step_update(request, flow, definition, index)
        return step_update(
            request, flow, definition, index, "step-routes", 422, action_forms={prefix: form}
        )

    return run_form_edit(request, flow, bind=bind, apply=apply, saved=saved, refused=refused)


@permission_for(READ, WRITE)
def add_action(request, pk: int, index: int, route: int):
    """GET: the form to add an action to a route. POST: add it."""
    flow = flow_or_404(pk)
    if request.method == "POST":
        return _save_action_form(request, flow, index, route)
    definition = definition_from_flow(flow)
    if not _route_exists(definition, index, route):
        return step_update(request, flow, definition, index)
    return _form_partial(request, flow, definition, index, route)


@permission_for(READ, WRITE)
def action(request, pk: int, index: int, route: int, number: int):
    """GET: one action's form. POST: save it."""
    flow = flow_or_404(pk)
    if request.method == "POST":
        return _save_action_form(request, flow, index, route, number)
    definition = definition_from_flow(flow)
    if not _route_exists(definition, index, route):
        return step_update(request, flow, definition, index)
    actions = editing.steps_of(definition)[index]["actions"][route].get("actions") or []
    if not 0 <= number < len(actions):
        return step_update(request, flow, definition, index, "step-routes")
    return _form_partial(request, flow, definition, index, route, number)


@require_POST
@permission_for(READ, WRITE)
def delete_action(request, pk: int, index: int, route: int, number: int):
    return routes_edit(
        request, flow_or_404(pk), index, services.delete_action, route=route, action=number
    )


@require_POST
@permission_for(READ, WRITE)
def move_action(request, pk: int, index: int, route: int, number: int):
    return routes_edit(
        request,
        flow_or_404(pk),
        index,
        services.move_action,
        route=route,
        action=number,
        offset=offset_of(request),
    )


@require_GET
@permission_for(READ)
def check_number(request, pk: int):
    """While typing a number to call: is it one a provider can dial?"""
    flow_or_404(pk)
    number = ""
    for name, value in request.GET.items():
        if name.endswith("number") or name.endswith("cli"):
            number = value.replace(" ", "").replace("-", "")
            break
    if not number:
        messages, ok = [], None
    elif not PHONE_RE.match(number):
        messages, ok = ["Only digits, and + at the start."], False
    else:
        findings = check_phone(number, what="This number")
        messages = [finding.message for finding in findings]
        ok = not any(finding.severity == "error" for finding in findings)
    return render(request, "flows/editor.html#number-check", {"messages": messages, "ok": ok})
