"""What every editor view shares: permission checks, the draft revision, the
problems list, and answering an edit with its partial plus the map, the problems
and the revision swapped out of band."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from .. import flowmap, flowmap_svg
from ..definition import definition_from_flow
from ..editing import steps_of
from ..findings import sort_findings
from ..lint import lint
from ..models import Flow, Recording
from ..services import DraftConflict, EditResult, apply_edit

EDITOR = "flows/editor.html"


def can_edit(user) -> bool:
    return user.has_perm("flows.change_flow")


def flow_or_404(pk: int) -> Flow:
    return get_object_or_404(Flow.objects.select_related("updated_by"), pk=pk)


def revision_of(request) -> int | None:
    """The draft revision the page was showing, sent with every edit."""
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() else None


def offset_of(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


def recording_names() -> list[str]:
    return list(Recording.objects.values_list("name", flat=True))


def findings_of(definition: dict, recordings: list[str] | None = None) -> list:
    return sort_findings(lint(flowmap.flat(definition), recordings))


def finding_target(flow: Flow, finding) -> tuple[str, str]:
    """(URL of the panel that edits what a finding is about, the id of its field)."""
    index = getattr(finding, "step_index", None)
    field = getattr(finding, "field", None) or ""
    if index is None:
        if field.startswith("variables"):
            return reverse("flows:variables", args=[flow.pk]), "variables"
        return reverse("flows:settings", args=[flow.pk]), f"id_{field or 'name'}"
    url = reverse("flows:step", args=[flow.pk, index])
    route, action = getattr(finding, "route", None), getattr(finding, "action", None)
    if route is not None and action is not None:
        name = field.removeprefix("params.")
        names = {"step_id": "goto_step", "type": "mark_type", "value": "mark_value"}
        return url, f"id_a{route}-{action}-{names.get(name, name)}"
    if route is not None:
        return url, f"route-{route}"
    return url, STEP_FIELD_TARGETS.get(field, "id_step_id")


STEP_FIELD_TARGETS = {
    "prompt": "id_prompt_text",
    "prompt_is_file": "id_prompt_text",
    "gender": "id_gender",
    "dtmf_ivr": "step-keys",
    "dtmf_ivr_timeout": "id_dtmf_ivr_timeout",
    "dtmf_ivr_invalid_text": "id_invalid_text",
    "dtmf_invalid_text_is_file": "id_invalid_text",
    "dtmf_ivr_retries": "id_dtmf_ivr_retries",
    "actions": "step-routes",
}


def problems(flow: Flow, definition: dict, findings: list) -> list[dict]:
    steps = steps_of(definition)
    out = []
    for finding in findings:
        url, target = finding_target(flow, finding)
        index = getattr(finding, "step_index", None)
        where = ""
        if index is not None and 0 <= index < len(steps):
            where = f'Step "{steps[index].get("step_id")}"'
        out.append(
            {
                "finding": finding,
                "url": f"{url}?focus={target}",
                "where": where,
            }
        )
    return out


def editor_context(request, flow: Flow, definition: dict, findings: list | None = None) -> dict:
    recordings = recording_names()
    findings = findings_of(definition, recordings) if findings is None else findings
    flow_map = flowmap.build_map(definition, findings)
    editable = can_edit(request.user)
    return {
        "recordings": recordings,
        "flow": flow,
        "definition": definition,
        "findings": findings,
        "problems": problems(flow, definition, findings),
        "error_count": sum(1 for f in findings if f.severity == "error"),
        "flow_map": flow_map,
        "map_svg": map_svg(flow, flow_map, editable),
        "can_edit": editable,
    }


def map_svg(flow: Flow, flow_map, editable: bool):
    step_url = reverse("flows:step", args=[flow.pk, 0]).removesuffix("0/")
    return mark_safe(  # noqa: S308 - flowmap_svg escapes every text it writes
        flowmap_svg.to_svg(
            flow_map,
            step_url=lambda index: f"{step_url}{index}/",
            move_url=(lambda index: f"{step_url}{index}/position/") if editable else None,
        )
    )


def render_update(
    request,
    *,
    flow: Flow,
    definition: dict,
    main: str | None,
    context: dict,
    status: int = 200,
    findings: list | None = None,
    parts: tuple[str, ...] = ("map", "problems", "revision"),
) -> HttpResponse:
    """The edited partial (`main`, swapped into the request's target) and the parts
    of the editor that follow from the draft, swapped out of band."""
    ctx = {**editor_context(request, flow, definition, findings), **context}
    html = render_to_string(f"{EDITOR}#{main}", {**ctx, "oob": False}, request) if main else ""
    for part in parts:
        html += render_to_string(
            f"{EDITOR}#{OOB_PARTS.get(part, part)}", {**ctx, "oob": True}, request
        )
    return HttpResponse(html, status=status)


# Parts that are swapped out of band under another name.
OOB_PARTS = {"keys-oob": "step-keys"}


def run_edit(
    request, flow: Flow, edit: Callable[..., EditResult], on_success, on_invalid, **kwargs
) -> HttpResponse:
    """Apply a service edit; a conflict or a refused value never loses the draft."""
    try:
        result = edit(flow=flow, revision=revision_of(request), user=request.user, **kwargs)
    except DraftConflict as conflict:
        return conflict_response(request, conflict)
    except ValidationError as error:
        return on_invalid(error)
    return on_success(result)


class FormRefused(Exception):
    """The submitted form does not fit the draft as it is now."""

    def __init__(self, form):
        self.form = form
        super().__init__("form refused")


def run_form_edit(request, flow: Flow, *, bind, apply, saved, refused) -> HttpResponse:
    """Check a submitted form against the locked draft and apply it, reading the
    draft once: `bind(definition)` gives the bound form (or raises ValidationError
    when what it edits is gone), `apply(definition, form)` changes the definition.
    A refused form comes back through `refused(form, definition)`, status 422."""

    def change(definition):
        form = bind(definition)
        if not form.is_valid():
            raise FormRefused(form)
        try:
            return apply(definition, form)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            raise FormRefused(form) from error

    try:
        result = apply_edit(
            flow=flow, revision=revision_of(request), user=request.user, change=change
        )
    except DraftConflict as conflict:
        return conflict_response(request, conflict)
    except FormRefused as refusal:
        return refused(refusal.form, definition_from_flow(flow))
    except ValidationError:
        return refused(None, definition_from_flow(flow))
    return saved(result)


def conflict_response(request, conflict: DraftConflict) -> HttpResponse:
    html = render_to_string(f"{EDITOR}#conflict", {"message": str(conflict)})
    response = HttpResponse(html, status=409)
    response["HX-Retarget"] = "#conflict"
    response["HX-Reswap"] = "innerHTML"
    return response


def error_messages(error: ValidationError) -> list[str]:
    return list(error.messages)
