"""The recording library: upload (drag and drop onto the file field), listen,
rename, delete (refused while a flow plays the recording)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dialer_site.permissions import permission_for

from .. import services
from ..forms import RecordingRenameForm, RecordingUploadForm
from ..models import Recording

READ = "flows.view_recording"
CONTENT_TYPES = {Recording.Format.WAV: "audio/wav", Recording.Format.MP3: "audio/mpeg"}


def _list(request, form=None, status=200, rename_errors=None):
    recordings = Recording.objects.select_related("uploaded_by").order_by("name")
    return render(
        request,
        "flows/recordings.html",
        {
            "recordings": recordings,
            "form": form or RecordingUploadForm(),
            "rename_errors": rename_errors or {},
            "can_add": request.user.has_perm("flows.add_recording"),
            "can_change": request.user.has_perm("flows.change_recording"),
            "can_delete": request.user.has_perm("flows.delete_recording"),
        },
        status=status,
    )


@permission_for(READ, "flows.add_recording")
def recording_list(request):
    """GET: the library. POST: upload a recording."""
    if request.method == "GET":
        return _list(request)
    form = RecordingUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            recording = services.upload_recording(
                uploaded_file=form.cleaned_data["file"],
                user=request.user,
                name=form.cleaned_data.get("name") or None,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            messages.success(request, f'Uploaded "{recording.name}".')
            return redirect("flows:recordings")
    return _list(request, form, 422)


def _file_response(recording: Recording):
    try:
        handle = recording.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The audio file is missing.") from missing
    return FileResponse(handle, content_type=CONTENT_TYPES.get(recording.format))


@require_GET
@permission_for(READ)
def audio(request, pk: int):
    return _file_response(get_object_or_404(Recording, pk=pk))


@require_GET
@permission_for(READ)
def audio_by_name(request, name: str):
    """Prompts name their recording; the step editor plays it by that name."""
    return _file_response(get_object_or_404(Recording, name=name))


@require_POST
@permission_for(READ, "flows.change_recording")
def rename(request, pk: int):
    recording = get_object_or_404(Recording, pk=pk)
    form = RecordingRenameForm(request.POST)
    if form.is_valid():
        try:
            services.rename_recording(recording=recording, name=form.cleaned_data["name"])
        except (ValidationError, services.RecordingInUse) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            return _list(request, status=422, rename_errors={recording.pk: text})
        messages.success(request, f'Renamed to "{recording.name}".')
        return redirect("flows:recordings")
    errors = " ".join(form.errors.get("name", []))
    return _list(request, status=422, rename_errors={recording.pk: errors})


@require_POST
@permission_for(READ, "flows.delete_recording")
def delete(request, pk: int):
    recording = get_object_or_404(Recording, pk=pk)
    try:
        services.delete_recording(recording=recording)
    except services.RecordingInUse as in_use:
        messages.error(request, str(in_use))
    else:
        messages.success(request, f'Deleted "{recording.name}".')
    return redirect("flows:recordings")
