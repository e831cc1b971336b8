"""The versions tab: publish the draft with a note, the list of versions with what
changed in plain words, and reverting the draft to a version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from dialer_site.permissions import permission_for

from .. import services
from ..definition import definition_from_flow, split_definition
from ..diff import describe_changes
from ..forms import PublishForm
from ..models import FlowVersion
from .common import conflict_response, flow_or_404, revision_of
from .editor import tab_page
from .steps import READ, WRITE

MAX_VERSIONS_SHOWN = 50


def changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return ["The first version."]
    return describe_changes(old, new) or ["No changes."]


def versions_context(flow, definition, form=None, errors=None, message="") -> dict:
    strict, _ = split_definition(definition)
    versions = list(
        FlowVersion.objects.filter(flow=flow)
        .select_related("created_by")
        .order_by("-number")[: MAX_VERSIONS_SHOWN + 1]
    )
    rows = []
    for position, version in enumerate(versions[:MAX_VERSIONS_SHOWN]):
        previous = versions[position + 1] if position + 1 < len(versions) else None
        rows.append(
            {
                "version": version,
                "changes": changes(previous.definition if previous else None, version.definition),
            }
        )
    latest = versions[0] if versions else None
    return {
        "flow": flow,
        "tab": "versions",
        "rows": rows,
        "draft_changes": changes(latest.definition, strict) if latest else [],
        "publish_form": form or PublishForm(),
        "publish_errors": errors or [],
        "message": message,
    }


def _render(request, flow, definition, status=200, **kwargs):
    context = versions_context(flow, definition, **kwargs)
    # Publishing and reverting answer with the tab's content; opening the tab
    # answers with the page (htmx picks the workspace and the tabs out of it).
    if request.htmx and request.method == "POST":
        return render(request, "flows/versions.html", context, status=status)
    return tab_page(request, flow, definition, "versions", context, status)


@permission_for(READ)
def versions(request, pk: int):
    flow = flow_or_404(pk)
    return _render(request, flow, definition_from_flow(flow))


@require_POST
@permission_for(READ, WRITE)
def publish(request, pk: int):
    flow = flow_or_404(pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render(request, flow, definition_from_flow(flow), 422, form=form)
    try:
        version = services.publish_flow(
            flow=flow, user=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        return _render(
            request, flow, definition_from_flow(flow), 422, form=form, errors=error.messages
        )
    return _render(
        request, flow, definition_from_flow(flow), message=f"Published version {version.number}."
    )


@require_POST
@permission_for(READ, WRITE)
def revert(request, pk: int, number: int):
    flow = flow_or_404(pk)
    version = get_object_or_404(FlowVersion, flow=flow, number=number)
    try:
        flow = services.revert_flow(
            flow=flow, version=version, user=request.user, expected_revision=revision_of(request)
        )
    except services.DraftConflict as conflict:
        return conflict_response(request, conflict)
    response = _render(
        request,
        flow,
        definition_from_flow(flow),
        message=f"The draft is now what version {number} was.",
    )
    return response
