"""The flows list: search, create, import, duplicate, export, delete."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from dialer_site import jsonlimits
from dialer_site.permissions import permission_for
from flows import services
from flows.definition import definition_from_flow, split_definition
from flows.forms import FlowCreateForm, FlowImportForm, PaycallExportForm
from flows.models import Flow
from flows.views.common import flow_or_404
from providers.building import CompileError, Contact, Schedule
from providers.paycall.dialer import PaycallOptions, compile_dialer

READ = "flows.view_flow"
PAGE_SIZE = 100


def flows_with_state(query: str):
    flows = Flow.objects.select_related("updated_by").annotate(
        last_version=Max("versions__number"), published_at=Max("versions__created_at")
    )
    if query:
        flows = flows.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return flows.order_by("-updated_at")[:PAGE_SIZE]


@permission_for(READ, "flows.add_flow")
def flow_list(request):
    """GET: the list (htmx search swaps the table). POST: create a flow."""
    query = request.GET.get("q", "").strip()
    create_form = FlowCreateForm(request.POST or None)
    if request.method == "POST" and create_form.is_valid():
        flow = services.create_flow(user=request.user, **create_form.cleaned_data)
        return redirect("flows:editor", flow.pk)
    context = {
        "flows": flows_with_state(query),
        "query": query,
        "create_form": create_form,
        "import_form": FlowImportForm(prefix="import"),
        "can_add": request.user.has_perm("flows.add_flow"),
        "can_delete": request.user.has_perm("flows.delete_flow"),
    }
    if request.htmx and request.htmx.target == "flow-table":
        return render(request, "flows/list.html#flow-table", context)
    status = 422 if request.method == "POST" else 200
    return render(request, "flows/list.html", context, status=status)


@require_POST
@permission_for(READ, "flows.add_flow")
def import_flow(request):
    form = FlowImportForm(request.POST, request.FILES, prefix="import")
    if form.is_valid():
        try:
            data = jsonlimits.loads(form.cleaned_data["file"].read().decode("utf-8-sig"))
            flow, findings = services.import_flow(
                data=data, user=request.user, name=form.cleaned_data.get("name") or None
            )
        except (UnicodeDecodeError, ValueError) as error:
            form.add_error("file", f"This file is not JSON: {error}")
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            for finding in findings:
                messages.warning(request, finding.message)
            messages.success(request, f'Imported "{flow.name}".')
            return redirect("flows:editor", flow.pk)
    context = {
        "flows": flows_with_state(""),
        "query": "",
        "create_form": FlowCreateForm(),
        "import_form": form,
        "can_add": True,
        "can_delete": request.user.has_perm("flows.delete_flow"),
        "import_open": True,
    }
    return render(request, "flows/list.html", context, status=422)


@require_POST
@permission_for(READ, "flows.add_flow")
def duplicate_flow(request, pk: int):
    copy = services.duplicate_flow(flow=flow_or_404(pk), user=request.user)
    messages.success(request, f'Made a copy: "{copy.name}".')
    return redirect("flows:editor", copy.pk)


@permission_for(READ, "flows.delete_flow")
def delete_flow(request, pk: int):
    """GET asks for confirmation; POST deletes (with its versions)."""
    flow = flow_or_404(pk)
    if request.method == "POST":
        name = flow.name
        flow.delete()
        messages.success(request, f'Deleted "{name}".')
        return redirect("flows:list")
    return render(
        request,
        "flows/confirm_delete.html",
        {"flow": flow, "versions": flow.versions.count()},
    )


def paycall_options(data: dict) -> tuple[PaycallOptions, Contact]:
    schedule = data.get("schedule")
    options = PaycallOptions(
        return_address=data["return_address"],
        unique_id=data.get("unique_id") or None,
        schedule=Schedule(schedule) if schedule is not None else None,
        max_retries=data.get("max_retries"),
        ring_timeout=data.get("ring_timeout"),
        retry_wait_time=data.get("retry_wait_time"),
    )
    return options, Contact(number=data["number"], cli=data.get("cli") or None)


def _download(payload, filename: str) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_for(READ)
def export_flow(request, pk: int):
    """Our format (the editable definition), or Paycall dialer JSON for the options."""
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    slug = slugify(flow.name) or f"flow-{flow.pk}"
    kind = request.GET.get("format")
    if kind == "dialer-studio":
        return _download(definition, f"{slug}.flow.json")
    form = PaycallExportForm(request.GET if kind == "paycall" else None)
    error = ""
    if kind == "paycall" and form.is_valid():
        options, contact = paycall_options(form.cleaned_data)
        strict, _ = split_definition(definition)
        try:
            payload = compile_dialer(strict, options, contact)
        except CompileError as problem:
            error = str(problem)
        else:
            return _download(payload, f"{slug}.paycall.json")
    return render(
        request,
        "flows/export.html",
        {
            "flow": flow,
            "form": form,
            "error": error,
            "editor_url": reverse("flows:editor", args=[pk]),
        },
        status=422 if kind == "paycall" else 200,
    )
