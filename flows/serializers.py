"""Serializers of the flows REST API: the draft rows, the canonical definition, and
the request/answer bodies of the validate, compile, simulate, publish and import
endpoints."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dialer_site.schema import UploadField

from .canonical import VARIABLE_NAME_RE
from .definition import STEP_COLUMNS
from .models import Action, Flow, FlowVersion, Recording, Route, Step, Variable

PROVIDERS = ("paycall", "paycall_simple", "phonon", "iovox")
EXPORT_FORMATS = ("paycall", "canonical")
MAX_SIMULATION_INPUTS = 200


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        # Null once that user is deleted (the foreign key is SET_NULL).
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": "^(true|false)$",
        "description": ('A Paycall string boolean: "true", "false", or null when left out.'),
    }
)
class StringBooleanField(serializers.CharField):
    pass


class ActionSerializer(serializers.ModelSerializer):
    is_recording = StringBooleanField(read_only=True)
    goto_target = serializers.SerializerMethodField(
        help_text="The step_id a goto jumps to (its last name if that step was deleted)."
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "order",
            "type",
            "number",
            "cli",
            "dtmf_keys",
            "goto_step",
            "goto_target",
            "mark_type",
            "mark_value",
            "text",
            "gender",
            "is_recording",
            "sleep",
        ]

    def get_goto_target(self, action: Action) -> str | None:
        if action.type != Action.Type.GOTO:
            return None
        return action.goto_step.step_id if action.goto_step else action.goto_step_name


class RouteSerializer(serializers.ModelSerializer):
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Route
        fields = ["id", "order", "key", "key_min", "key_max", "actions_form", "actions"]


class StepSerializer(serializers.ModelSerializer):
    routes = RouteSerializer(many=True, read_only=True)
    prompt_is_file = StringBooleanField(read_only=True)
    dtmf_invalid_text_is_file = StringBooleanField(read_only=True)

    class Meta:
        model = Step
        fields = ["id", "step_id", "order", *STEP_COLUMNS, "actions_form", "x", "y", "routes"]


class VariableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variable
        fields = ["id", "order", "name", "label", "default", "description"]
        # New variables go last; a name the flow already has is refused by the service.
        read_only_fields = ["order"]

    def validate_name(self, name: str) -> str:
        if not VARIABLE_NAME_RE.match(name):
            raise serializers.ValidationError(
                "Start with a letter or _, then letters, digits or _ (at most 64): "
                "the name is used as $name$, as a Phonon flow key and as an iovox element."
            )
        return name


class FlowSummarySerializer(serializers.ModelSerializer):
    created_by = UsernameField()
    updated_by = UsernameField()
    step_count = serializers.IntegerField(read_only=True)
    latest_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Number of the last published version."
    )

    class Meta:
        model = Flow
        fields = [
            "id",
            "name",
            "description",
            "language",
            "have_dependency",
            "max_retries",
            "draft_revision",
            "step_count",
            "latest_version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["draft_revision", "created_at", "updated_at"]


class FlowCreateSerializer(serializers.ModelSerializer):
    """A new, empty flow (add steps in the editor or PUT a definition)."""

    class Meta:
        model = Flow
        fields = ["id", "name", "description", "language", "have_dependency", "max_retries"]
        extra_kwargs = {"max_retries": {"max_value": 10000}}


class FlowSettingsSerializer(FlowCreateSerializer):
    """PATCH: the flow's settings, checked against the draft revision the editor saw."""

    draft_revision = serializers.IntegerField(
        required=False, help_text="The draft_revision you edited; 409 if it moved on."
    )

    class Meta(FlowCreateSerializer.Meta):
        fields = [*FlowCreateSerializer.Meta.fields, "draft_revision"]


@extend_schema_field(
    {"type": "object", "description": "The canonical flow definition (flow_definition schema)."}
)
class DefinitionField(serializers.JSONField):
    pass


class FlowDetailSerializer(FlowSummarySerializer):
    variables = VariableSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    definition = DefinitionField(
        read_only=True,
        help_text=(
            "The editable definition: the canonical one plus language, max_retries, "
            "layout and variable labels."
        ),
    )

    class Meta(FlowSummarySerializer.Meta):
        fields = [*FlowSummarySerializer.Meta.fields, "variables", "steps", "definition"]


class DraftWriteSerializer(serializers.Serializer):
    definition = DefinitionField(
        help_text=(
            "A canonical definition. language, max_retries, layout and variable labels "
            "may ride along; left out, the flow keeps its own."
        )
    )
    draft_revision = serializers.IntegerField(
        help_text="The draft_revision you edited; if the draft moved on, the answer is 409."
    )


class FindingSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=["error", "warning", "info"])
    code = serializers.CharField()
    message = serializers.CharField()
    step_index = serializers.IntegerField(allow_null=True)
    step = serializers.CharField(allow_null=True)
    route = serializers.IntegerField(allow_null=True)
    action = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_null=True)


class ValidateRequestSerializer(serializers.Serializer):
    definition = DefinitionField(
        required=False, help_text="A definition to check instead of the saved draft."
    )


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text="True when there is no error.")
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    findings = FindingSerializer(many=True)


class ContactSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    alternate_numbers = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=10
    )
    cli = serializers.CharField(max_length=32, required=False, allow_blank=True)
    dtmf_originator = serializers.CharField(max_length=200, required=False, allow_blank=True)
    variables = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=4000), required=False
    )
    reference = serializers.CharField(max_length=200, required=False)


class CompileRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=PROVIDERS)
    source = serializers.CharField(
        default="draft",
        help_text='"draft" (default) or a published version number such as "2".',
    )
    contact = ContactSerializer(required=False, help_text="A sample contact to compile for.")
    options = serializers.DictField(
        required=False,
        help_text=(
            "Provider options: paycall {return_address, unique_id, max_retries, "
            "ring_timeout, retry_wait_time, numbers_from_queue, cli, dtmf_originator}; "
            "paycall_simple {unique_id, dial_at, from_campaign, answer_delay, ring_timeout, "
            "max_retries, retry_wait_time, leg_b, cid_b, dtmf_b}; phonon {security_id, "
            "flow_id, api_version}; iovox {link_id, delay_minutes}."
        ),
    )


class CompileResultSerializer(serializers.Serializer):
    provider = serializers.CharField()
    content_type = serializers.CharField(
        help_text="application/json (payload) or application/xml (xml)."
    )
    path = serializers.CharField(help_text="Where the request goes, under the account's base URL.")
    body = serializers.CharField(
        help_text="The request's text exactly as a campaign sends it, secrets masked."
    )
    payload = serializers.JSONField(
        allow_null=True, help_text="The JSON body (Phonon: the list of create requests)."
    )
    xml = serializers.CharField(allow_null=True, help_text="The iovox XML body, as text.")
    findings = FindingSerializer(many=True)


class SimulateRequestSerializer(serializers.Serializer):
    variables = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=4000), required=False
    )
    inputs = serializers.ListField(
        child=serializers.CharField(allow_blank=True, allow_null=True, max_length=32),
        required=False,
        max_length=MAX_SIMULATION_INPUTS,
        help_text=(
            'What the caller does at each question, in order: keys pressed ("1", "11"), '
            'null (nothing pressed: a timeout) or "hangup". When they run out, the caller '
            "hangs up."
        ),
    )


class SimulationEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    step = serializers.CharField(allow_null=True)
    data = serializers.DictField()


class SimulateResultSerializer(serializers.Serializer):
    transcript = SimulationEventSerializer(many=True)
    steps_report = serializers.JSONField(help_text="The Paycall steps report (CDR steps JSON).")
    ended_by = serializers.CharField()
    seconds_waited = serializers.IntegerField()


class PublishRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FlowVersionSerializer(serializers.ModelSerializer):
    created_by = UsernameField()

    class Meta:
        model = FlowVersion
        fields = ["number", "note", "created_at", "created_by"]


class FlowVersionDetailSerializer(FlowVersionSerializer):
    definition = DefinitionField(read_only=True)

    class Meta(FlowVersionSerializer.Meta):
        fields = [*FlowVersionSerializer.Meta.fields, "definition", "metadata"]


class RevertRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    draft_revision = serializers.IntegerField(
        required=False, help_text="The draft_revision you saw; 409 if it moved on."
    )


class ChangeSerializer(serializers.Serializer):
    text = serializers.CharField()
    step = serializers.CharField(allow_null=True, help_text="The step_id it is about, if any.")


class DiffResultSerializer(serializers.Serializer):
    source = serializers.CharField(help_text='"draft" or a version number.')
    target = serializers.CharField()
    changes = ChangeSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    file = UploadField(help_text="A JSON file: Paycall JSON or a canonical export.")
    name = serializers.CharField(max_length=200, required=False)


class ImportResultSerializer(serializers.Serializer):
    flow = FlowSummarySerializer()
    findings = FindingSerializer(many=True)


class RecordingSerializer(serializers.ModelSerializer):
    uploaded_by = UsernameField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id",
            "name",
            "format",
            "size_bytes",
            "duration_seconds",
            "uploaded_at",
            "uploaded_by",
            "download_url",
        ]

    def get_download_url(self, recording: Recording) -> str:
        request = self.context.get("request")
        path = reverse("api:recording-download", args=[recording.pk])
        return request.build_absolute_uri(path) if request else path


class RecordingUploadSerializer(serializers.Serializer):
    file = UploadField(help_text="WAV or MP3; the content is checked, not the name.")
    name = serializers.CharField(
        max_length=200, required=False, help_text="The file name flows use (default: the upload's)."
    )


class RecordingRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
