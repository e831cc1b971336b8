"""The do-not-call page: list, add by hand, upload a file, remove."""

from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from dialer_site.permissions import permission_for

from . import services
from .forms import DoNotCallForm, DoNotCallUploadForm
from .models import DoNotCall
from .reading import FileRefused

READ = "phonelists.view_donotcall"
ADD = "phonelists.add_donotcall"
DELETE = "phonelists.delete_donotcall"
PAGE_SIZE = 50


def _context(request, **extra) -> dict:
    query = request.GET.get("q", "").strip()
    entries = DoNotCall.objects.select_related("created_by")
    if query:
        entries = entries.filter(number__contains=query.lstrip("+").replace(" ", ""))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "can_add": request.user.has_perm(ADD),
        "can_delete": request.user.has_perm(DELETE),
        "form": DoNotCallForm(),
        "upload_form": DoNotCallUploadForm(),
    }
    context.update(extra)
    return context


@permission_for(READ, ADD)
def do_not_call(request):
    """GET: the list (htmx search swaps the table). POST: add numbers typed by hand."""
    if request.method == "POST":
        form = DoNotCallForm(request.POST)
        if form.is_valid():
            # All or nothing: a typo must not leave half of the numbers added.
            with transaction.atomic():
                added, invalid = services.add_do_not_call(
                    form.number_list(),
                    source=DoNotCall.Source.MANUAL,
                    reason=form.cleaned_data["reason"],
                    created_by=request.user,
                    default_country=form.cleaned_data["default_country"] or None,
                )
                if invalid:
                    transaction.set_rollback(True)
            if not invalid:
                return render(
                    request,
                    "phonelists/do_not_call.html#dnc-body",
                    _context(request, added=added),
                )
            for raw, reason in invalid.items():
                form.add_error("numbers", f"{raw}: {reason}")
        return render(
            request,
            "phonelists/do_not_call.html#dnc-body",
            _context(request, form=form),
            status=422,
        )
    template = "phonelists/do_not_call.html"
    if request.htmx and request.htmx.target == "dnc-table":
        template += "#dnc-table"
    return render(request, template, _context(request))


@require_POST
@permission_for(READ, ADD)
def do_not_call_upload(request):
    form = DoNotCallUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            outcome = services.upload_do_not_call(
                upload=form.cleaned_data["file"],
                default_country=form.cleaned_data["default_country"],
                created_by=request.user,
            )
        except FileRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            return render(
                request, "phonelists/do_not_call.html#dnc-body", _context(request, uploaded=outcome)
            )
    return render(
        request,
        "phonelists/do_not_call.html#dnc-body",
        _context(request, upload_form=form),
        status=422,
    )


@require_POST
@permission_for(READ, DELETE)
def do_not_call_remove(request, pk: int):
    entry = get_object_or_404(DoNotCall, pk=pk)
    services.remove_do_not_call(numbers=[entry.number])
    return render(
        request, "phonelists/do_not_call.html#dnc-body", _context(request, removed=entry.number)
    )
