"""Django admin for flows: drafts with their steps, read-only versions, recordings."""

from django.contrib import admin, messages

from . import services
from .models import Flow, FlowVersion, Recording, Step, Variable
from .recordings import recording_usages


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ["order", "step_id", "gender", "prompt", "dtmf_ivr", "dtmf_ivr_timeout"]
    ordering = ["order"]
    show_change_link = False


class VariableInline(admin.TabularInline):
    model = Variable
    extra = 0
    fields = ["order", "name", "label", "default", "description"]


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "have_dependency", "draft_revision", "updated_at"]
    list_filter = ["language", "have_dependency"]
    search_fields = ["name", "description"]
    readonly_fields = ["draft_revision", "created_at", "created_by", "updated_at", "updated_by"]
    inlines = [VariableInline, StepInline]
    actions = ["duplicate"]

    def save_model(self, request, obj, form, change):
        # An admin edit is a draft change like any other: editors see the new revision.
        if change:
            obj.draft_revision += 1
        else:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Duplicate the selected flows", permissions=["add"])
    def duplicate(self, request, queryset):
        for flow in queryset:
            copy = services.duplicate_flow(flow=flow, user=request.user)
            self.message_user(request, f'Created "{copy.name}".', messages.SUCCESS)


@admin.register(FlowVersion)
class FlowVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: they can be read, never changed."""

    list_display = ["flow", "number", "note", "created_at", "created_by"]
    list_filter = ["flow"]
    readonly_fields = [
        "flow",
        "number",
        "definition",
        "metadata",
        "note",
        "created_at",
        "created_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "duration_seconds", "size_bytes", "uploaded_at"]
    search_fields = ["name"]
    # Renames go through the library, which refuses to rename a recording in use.
    readonly_fields = [
        "name",
        "file",
        "format",
        "size_bytes",
        "duration_seconds",
        "uploaded_at",
        "uploaded_by",
        "used_by",
    ]

    @admin.display(description="used by")
    def used_by(self, recording: Recording) -> str:
        return "; ".join(recording_usages(recording.name)) or "no flow"

    def has_add_permission(self, request):
        # Uploads go through the library page or the API, which check the audio.
        return False

    def has_delete_permission(self, request, obj=None):
        # A recording a flow plays cannot go ("used by" on its page says where).
        if obj is not None and recording_usages(obj.name):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_recording(recording=obj)

    def delete_queryset(self, request, queryset):
        # One by one, so each file goes with its row (the check ran per object).
        for recording in queryset:
            services.delete_recording(recording=recording)
