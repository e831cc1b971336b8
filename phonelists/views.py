"""Phone list pages: the lists, upload, column mapping, import progress and report."""

import os

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dialer_site.htmx import redirect_after_post
from dialer_site.permissions import permission_for

from . import columns, services, tasks
from .forms import PhoneListUploadForm, mapping_from_post
from .models import PhoneList
from .reading import FileRefused

READ = "phonelists.view_phonelist"
ADD = "phonelists.add_phonelist"
CHANGE = "phonelists.change_phonelist"
DELETE = "phonelists.delete_phonelist"


@permission_for(READ)
def phone_list_index(request):
    lists = PhoneList.objects.select_related("created_by")[:200]
    return render(
        request,
        "phonelists/list.html",
        {"phone_lists": lists, "can_upload": request.user.has_perm(ADD)},
    )


@permission_for(ADD, ADD)
def upload(request):
    form = PhoneListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                phone_list = services.upload_phone_list(
                    name=form.cleaned_data["name"],
                    upload=form.cleaned_data["file"],
                    default_country=form.cleaned_data["default_country"],
                    number_policy=form.cleaned_data["number_policy"],
                    created_by=request.user,
                    enqueue=tasks.import_phone_list.enqueue,
                )
            except services.NameTaken as taken:
                form.add_error("name", str(taken))
            except FileRefused as refusal:
                form.add_error("file", str(refusal))
            else:
                return redirect_after_post(
                    request, reverse("phonelists:detail", args=[phone_list.pk])
                )
        template = (
            "phonelists/upload.html#upload-form" if request.htmx else "phonelists/upload.html"
        )
        return render(request, template, {"form": form}, status=422)
    return render(request, "phonelists/upload.html", {"form": form})


def _mapping_rows(phone_list: PhoneList, mapping: list[dict] | None = None) -> list[dict]:
    mapping = mapping or phone_list.mapping
    count = max([len(phone_list.headers)] + [len(r) for r in phone_list.sample_rows])
    rows = []
    for index in range(count):
        entry = mapping[index] if index < len(mapping) else {"role": "ignore", "name": ""}
        rows.append(
            {
                "index": index,
                "header": phone_list.headers[index] if index < len(phone_list.headers) else "",
                "samples": [r[index] for r in phone_list.sample_rows if index < len(r)][:3],
                "role": entry.get("role", ""),
                "name": entry.get("name", ""),
            }
        )
    return rows


def _detail_context(request, phone_list: PhoneList, **extra) -> dict:
    return {
        "phone_list": phone_list,
        "can_manage": request.user.has_perm(CHANGE),
        "can_delete": request.user.has_perm(DELETE),
        "roles": columns.ROLES,
        "mapping_rows": _mapping_rows(phone_list),
        **extra,
    }


@permission_for(READ)
def detail(request, pk: int):
    phone_list = get_object_or_404(PhoneList.objects.select_related("created_by"), pk=pk)
    return render(request, "phonelists/detail.html", _detail_context(request, phone_list))


@permission_for(READ)
def progress(request, pk: int):
    """Polled every second while the import runs; once finished it answers with the
    report, whose markup has no polling trigger, so the polling stops."""
    phone_list = get_object_or_404(PhoneList, pk=pk)
    return render(request, "phonelists/detail.html#status", _detail_context(request, phone_list))


@require_POST
@permission_for(READ, CHANGE)
def mapping(request, pk: int):
    phone_list = get_object_or_404(PhoneList, pk=pk)
    count = max([len(phone_list.headers)] + [len(r) for r in phone_list.sample_rows])
    chosen = mapping_from_post(request.POST, count)
    try:
        services.set_mapping(
            phone_list=phone_list, mapping=chosen, enqueue=tasks.import_phone_list.enqueue
        )
    except services.MappingInvalid as invalid:
        context = _detail_context(request, phone_list, mapping_errors=invalid.errors)
        context["mapping_rows"] = _mapping_rows(phone_list, chosen)
        return render(request, "phonelists/detail.html#status", context, status=422)
    return redirect_after_post(request, reverse("phonelists:detail", args=[pk]))


@require_POST
@permission_for(READ, CHANGE)
def cancel(request, pk: int):
    phone_list = get_object_or_404(PhoneList, pk=pk)
    services.cancel_import(phone_list=phone_list)
    return redirect_after_post(request, reverse("phonelists:detail", args=[pk]))


@require_POST
@permission_for(READ, DELETE)
def delete(request, pk: int):
    phone_list = get_object_or_404(PhoneList, pk=pk)
    try:
        services.delete_phone_list(phone_list=phone_list)
    except services.ListBusy as busy:
        messages.error(request, str(busy))
        return redirect_after_post(request, reverse("phonelists:detail", args=[pk]))
    return redirect_after_post(request, reverse("phonelists:list"))


def rejected_response(phone_list: PhoneList) -> FileResponse:
    """The rejected lines as CSV (line, reason, content), cells already escaped
    against spreadsheet formulas when they were written."""
    path = phone_list.rejected_path
    if not phone_list.is_finished or not default_storage.exists(path):
        raise Http404("No rejected-lines file for this list yet.")
    name = os.path.splitext(phone_list.original_filename)[0] or "list"
    return FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=f"{name}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


@permission_for(READ)
def rejected_csv(request, pk: int):
    return rejected_response(get_object_or_404(PhoneList, pk=pk))
