"""The editor page (map, side panel, problems, tabs), flow settings and variables."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_POST

from dialer_site.permissions import permission_for

from .. import editing, services
from ..definition import definition_from_flow, split_definition
from ..forms import SettingsForm, VariableForm
from ..models import FlowVersion
from .common import (
    editor_context,
    error_messages,
    flow_or_404,
    render_update,
    run_edit,
)
from .steps import READ, WRITE, step_panel_context

TABS = (
    ("design", "flows:editor", "Design"),
    ("preview", "flows:preview", "Preview"),
    ("simulator", "flows:simulator", "Simulator"),
    ("versions", "flows:versions", "Versions"),
)


def last_version(flow):
    return FlowVersion.objects.filter(flow=flow).order_by("-number").first()


def page_context(request, flow, definition, tab: str) -> dict:
    latest = last_version(flow)
    return {
        **editor_context(request, flow, definition),
        "tabs": TABS,
        "tab": tab,
        "latest": latest,
        "has_unpublished": latest is None or latest.definition != split_definition(definition)[0],
    }


def tab_page(request, flow, definition, tab: str, context: dict, status: int = 200):
    """The editor page opened on `tab`, whose content is `flows/<tab>.html` with `context`."""
    return render(
        request,
        "flows/editor.html",
        {
            **page_context(request, flow, definition, tab),
            **context,
            "tab_template": f"flows/{tab}.html",
        },
        status=status,
    )


@permission_for(READ)
def editor(request, pk: int):
    """The editor page; `?step=<n>` opens that step's panel."""
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    context = page_context(request, flow, definition, "design")
    steps = editing.steps_of(definition)
    index = request.GET.get("step", "")
    if index.isdigit() and int(index) < len(steps):
        context.update(
            step_panel_context(definition, int(index), context["findings"], context["recordings"])
        )
        context["panel"] = "step-panel"
    else:
        context["panel"] = "panel-empty"
    return render(request, "flows/editor.html", context)


def _settings_form_initial(flow, definition) -> dict:
    return {
        "name": flow.name,
        "description": flow.description,
        "language": flow.language,
        "have_dependency": flow.have_dependency or "false",
        "max_retries": flow.max_retries,
    }


@permission_for(READ, WRITE)
def settings(request, pk: int):
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    if request.method == "GET":
        form = SettingsForm(initial=_settings_form_initial(flow, definition))
        return render_update(
            request,
            flow=flow,
            definition=definition,
            main="settings-panel",
            context={"settings_form": form, "focus": request.GET.get("focus", "")},
            parts=(),
        )
    form = SettingsForm(request.POST)

    def refused():
        return render_update(
            request,
            flow=flow,
            definition=definition,
            main="settings-panel",
            context={"settings_form": form},
            status=422,
            parts=("revision",),
        )

    if not form.is_valid():
        return refused()

    def saved(result):
        return render_update(
            request,
            flow=result.flow,
            definition=result.definition,
            main="settings-panel",
            context={"settings_form": form, "saved": True},
            parts=("map", "problems", "revision", "title"),
        )

    def invalid(error):
        form.add_error(None, " ".join(error_messages(error)))
        return refused()

    return run_edit(
        request, flow, services.update_settings, saved, invalid, fields=form.cleaned_data
    )


def _variables_response(request, flow, definition, status=200, forms=None, saved=False):
    variables = definition.get("variables") or []
    forms = forms or {}
    rows = [
        {
            "position": position,
            "form": forms.get(position) or VariableForm(prefix=f"v{position}", initial=variable),
        }
        for position, variable in enumerate(variables)
    ]
    context = {
        "variable_rows": rows,
        "new_variable_form": forms.get("new") or VariableForm(prefix="new"),
        "saved": saved,
    }
    parts = ("map", "problems", "revision") if request.method == "POST" else ()
    return render_update(
        request,
        flow=flow,
        definition=definition,
        main="variables-panel",
        context=context,
        status=status,
        parts=parts,
    )


@permission_for(READ, WRITE)
def variables(request, pk: int):
    """GET: the variables panel. POST: add a variable."""
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    if request.method == "GET":
        return _variables_response(request, flow, definition)
    return _save_variable(request, flow, definition, None)


@require_POST
@permission_for(READ, WRITE)
def variable(request, pk: int, position: int):
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    if not 0 <= position < len(definition.get("variables") or []):
        return _variables_response(request, flow, definition)
    return _save_variable(request, flow, definition, position)


def _save_variable(request, flow, definition: dict, position: int | None):
    """Store the posted variable form at `position` (None: a new variable)."""
    key = "new" if position is None else position
    form = VariableForm(request.POST, prefix="new" if position is None else f"v{position}")
    if not form.is_valid():
        return _variables_response(request, flow, definition, 422, {key: form})
    original = None if position is None else definition["variables"][position]

    def saved(result):
        return _variables_response(request, result.flow, result.definition, saved=True)

    def invalid(error):
        form.add_error("name", " ".join(error_messages(error)))
        return _variables_response(request, flow, definition, 422, {key: form})

    return run_edit(
        request,
        flow,
        services.save_variable,
        saved,
        invalid,
        position=position,
        variable=form.variable(original),
    )


@require_POST
@permission_for(READ, WRITE)
def delete_variable(request, pk: int, position: int):
    flow = flow_or_404(pk)

    def done(result):
        return _variables_response(request, result.flow, result.definition)

    def invalid(error):
        return _variables_response(request, flow, definition_from_flow(flow))

    return run_edit(request, flow, services.delete_variable, done, invalid, position=position)
