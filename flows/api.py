"""REST API of the flows app: flows and their drafts, versions, variables, checks,
compile previews, simulation, import/export, and the recording library.

Views are thin: they read input with a serializer, call one service or pure
function, and answer. Service errors become 400 (bad input, with the messages),
409 (a stale draft_revision, a recording still in use, a flow a campaign pins).
"""

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, OuterRef, Prefetch, ProtectedError, Subquery
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from dialer_site.converters import ID_REGEX
from dialer_site.jsonlimits import json_depth_exceeds, too_deep_message
from dialer_site.parsers import DepthLimitedJSONParser
from flows import services
from flows.definition import definition_from_flow, read_flow
from flows.models import Action, Flow, FlowVersion, Recording, Variable
from flows.serializers import (
    EXPORT_FORMATS,
    CompileRequestSerializer,
    CompileResultSerializer,
    DiffResultSerializer,
    DraftWriteSerializer,
    FlowCreateSerializer,
    FlowDetailSerializer,
    FlowSettingsSerializer,
    FlowSummarySerializer,
    FlowVersionDetailSerializer,
    FlowVersionSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    PublishRequestSerializer,
    RecordingRenameSerializer,
    RecordingSerializer,
    RecordingUploadSerializer,
    RevertRequestSerializer,
    SimulateRequestSerializer,
    SimulateResultSerializer,
    ValidateRequestSerializer,
    ValidationResultSerializer,
    VariableSerializer,
)
from flows.simulator import simulate
from providers.building import CompileError
from providers.preview import compile_preview

MAX_IMPORT_BYTES = 2 * 1024 * 1024
CONFLICT = OpenApiResponse(description="The draft moved on, or the object is in use.")


def bad_request(error: DjangoValidationError, field: str | None = None) -> ValidationError:
    messages = error.messages
    return ValidationError({field: messages} if field else messages)


def conflict(message: str, **extra) -> Response:
    return Response({"detail": message, **extra}, status=status.HTTP_409_CONFLICT)


class _WithoutFormatOverride:
    """api_settings, but `?format=` is ours (export's paycall|canonical), not DRF's."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class QueryFormatIsOurs(DefaultContentNegotiation):
    settings = _WithoutFormatOverride()


class FlowViewSet(viewsets.ModelViewSet):
    """Flows: list, create, read (rows and canonical definition), replace the draft."""

    queryset = Flow.objects.all()
    lookup_value_regex = ID_REGEX
    # Custom actions: the permission each needs (a Viewer may POST nowhere).
    action_permissions = {
        "validate": "flows.change_flow",
        "compile": "flows.change_flow",
        "simulate": "flows.change_flow",
        "publish": ("flows.change_flow", "flows.add_flowversion"),
        "revert": "flows.change_flow",
        "duplicate": "flows.add_flow",
        "import_flow": "flows.add_flow",
        "versions": "flows.view_flowversion",
        "version": "flows.view_flowversion",
        "diff": ("flows.view_flow", "flows.view_flowversion"),
        "export": "flows.view_flow",
    }

    def initial(self, request, *args, **kwargs):
        needed = self.action_permissions.get(getattr(self, "action", None))
        if needed:
            self.permission_required = needed
            self.read_permission_required = needed
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        latest = FlowVersion.objects.filter(flow=OuterRef("pk")).order_by("-number")
        return (
            Flow.objects.select_related("created_by", "updated_by")
            .annotate(
                step_count=Count("steps", distinct=True),
                latest_version=Subquery(latest.values("number")[:1]),
            )
            .order_by("name", "pk")
        )

    def get_serializer_class(self):
        return {
            "list": FlowSummarySerializer,
            "create": FlowCreateSerializer,
            "partial_update": FlowSettingsSerializer,
            "update": DraftWriteSerializer,
        }.get(self.action, FlowDetailSerializer)

    def detail_data(self, pk: int) -> dict:
        """The flow's rows and editable definition, in a constant number of queries."""
        actions = Action.objects.select_related("goto_step")
        flow = (
            self.get_queryset()
            .prefetch_related(Prefetch("steps__routes__actions", queryset=actions), "variables")
            .get(pk=pk)
        )
        flow.definition = definition_from_flow(flow)
        return FlowDetailSerializer(flow, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.detail_data(self.get_object().pk))

    @extend_schema(request=FlowCreateSerializer, responses={201: FlowDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = FlowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flow = services.create_flow(user=request.user, **serializer.validated_data)
        return Response(self.detail_data(flow.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DraftWriteSerializer,
        responses={200: FlowDetailSerializer, 409: CONFLICT},
        description="Replace the draft with a canonical definition.",
    )
    def update(self, request, *args, **kwargs):
        if kwargs.get("partial"):
            return self.update_settings(request)
        flow = self.get_object()
        serializer = DraftWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.update_draft(
                flow=flow,
                definition=serializer.validated_data["definition"],
                user=request.user,
                expected_revision=serializer.validated_data["draft_revision"],
            )
        except services.DraftConflict as error:
            return conflict(str(error), draft_revision=error.current)
        except DjangoValidationError as error:
            raise bad_request(error, "definition") from error
        return Response(self.detail_data(flow.pk))

    @extend_schema(
        request=FlowSettingsSerializer, responses={200: FlowDetailSerializer, 409: CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        return self.update_settings(request)

    def update_settings(self, request):
        flow = self.get_object()
        serializer = FlowSettingsSerializer(flow, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = dict(serializer.validated_data)
        expected = settings.pop("draft_revision", None)
        try:
            services.update_settings(
                flow=flow, revision=expected, user=request.user, fields=settings
            )
        except services.DraftConflict as error:
            return conflict(str(error), draft_revision=error.current)
        return Response(self.detail_data(flow.pk))

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        flow = self.get_object()
        try:
            flow.delete()
        except ProtectedError:
            return conflict(f'"{flow.name}" is used by a campaign and cannot be deleted.')
        return Response(status=status.HTTP_204_NO_CONTENT)

    def definition_to_check(self, flow: Flow, data) -> dict:
        serializer = ValidateRequestSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        definition = serializer.validated_data.get("definition")
        if definition is None:
            return definition_from_flow(flow)
        if not isinstance(definition, dict):
            raise ValidationError({"definition": ["A flow definition is a JSON object."]})
        return definition

    @extend_schema(
        request=ValidateRequestSerializer,
        responses=ValidationResultSerializer,
        description="Schema and lint findings of the draft (or of a posted definition).",
    )
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        findings = services.check_definition(
            self.definition_to_check(self.get_object(), request.data)
        )
        errors = sum(1 for f in findings if f.is_error)
        body = {
            "valid": errors == 0,
            "errors": errors,
            "warnings": sum(1 for f in findings if f.severity == "warning"),
            "findings": [f.as_dict() for f in findings],
        }
        return Response(ValidationResultSerializer(body).data)

    def source_definition(self, flow: Flow, source: str) -> tuple[dict, dict]:
        """(strict definition, metadata) of the draft or of a published version."""
        if source == "draft":
            return read_flow(flow)
        if not str(source).isdigit():
            raise ValidationError({"source": ['Use "draft" or a version number.']})
        version = flow.versions.filter(number=int(source)).first()
        if version is None:
            raise ValidationError({"source": [f"This flow has no version {source}."]})
        return version.definition, version.metadata

    @extend_schema(
        request=CompileRequestSerializer,
        responses=CompileResultSerializer,
        description=(
            "Compile the draft (or a version) for one provider and a sample contact. "
            "The answer is always JSON: `body` is the request's text exactly as a campaign "
            "sends it (the same builder), also parsed in `payload` (JSON) or given in `xml`. "
            "Secrets (the Phonon security-id) are masked."
        ),
    )
    @action(detail=True, methods=["post"])
    def compile(self, request, pk=None):
        flow = self.get_object()
        serializer = CompileRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        definition, metadata = self.source_definition(flow, data["source"])
        try:
            result = compile_preview(
                definition,
                provider=data["provider"],
                contact=data.get("contact"),
                options=data.get("options") or {},
                metadata=metadata,
                default_return_address=request.build_absolute_uri("/"),
            )
        except DjangoValidationError as error:
            raise bad_request(error, "options") from error
        except CompileError as error:
            body = {"detail": str(error), "findings": [f.as_dict() for f in error.findings]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(CompileResultSerializer(result).data)

    @extend_schema(request=SimulateRequestSerializer, responses=SimulateResultSerializer)
    @action(detail=True, methods=["post"])
    def simulate(self, request, pk=None):
        flow = self.get_object()
        serializer = SimulateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        definition, metadata = read_flow(flow)
        result = simulate(
            definition,
            serializer.validated_data.get("inputs") or [],
            variables=serializer.validated_data.get("variables") or {},
            max_retries=metadata.get("max_retries"),
        )
        body = {
            "transcript": [asdict(event) for event in result.transcript],
            "steps_report": result.report,
            "ended_by": result.ended_by,
            "seconds_waited": result.seconds_waited,
        }
        return Response(SimulateResultSerializer(body).data)

    @extend_schema(request=PublishRequestSerializer, responses={201: FlowVersionDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        serializer = PublishRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = services.publish_flow(
                flow=self.get_object(), user=request.user, note=serializer.validated_data["note"]
            )
        except DjangoValidationError as error:
            raise bad_request(error) from error
        return Response(FlowVersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FlowVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        versions = self.get_object().versions.select_related("created_by").order_by("-number")
        return Response(FlowVersionSerializer(versions, many=True).data)

    @extend_schema(responses=FlowVersionDetailSerializer)
    @action(detail=True, methods=["get"], url_path=rf"versions/(?P<number>{ID_REGEX})")
    def version(self, request, pk=None, number=None):
        version = get_object_or_404(self.get_object().versions, number=number)
        return Response(FlowVersionDetailSerializer(version).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description='A version number or "draft".'),
            OpenApiParameter("to", str, description='A version number or "draft" (default).'),
        ],
        responses=DiffResultSerializer,
        description="What changed between two versions (or a version and the draft), in words.",
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        flow = self.get_object()
        source = request.query_params.get("from")
        if source is None:
            raise ValidationError({"from": ['Give "from": a version number or "draft".']})
        target = request.query_params.get("to", "draft")
        changes = services.describe_changes(
            *self.source_definition(flow, source), *self.source_definition(flow, target)
        )
        body = {"source": source, "target": target, "changes": changes}
        return Response(DiffResultSerializer(body).data)

    @extend_schema(
        request=RevertRequestSerializer, responses={200: FlowDetailSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        flow = self.get_object()
        serializer = RevertRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data["version"]
        version = flow.versions.filter(number=number).first()
        if version is None:
            raise ValidationError({"version": [f"This flow has no version {number}."]})
        try:
            services.revert_flow(
                flow=flow,
                version=version,
                user=request.user,
                expected_revision=serializer.validated_data.get("draft_revision"),
            )
        except services.DraftConflict as error:
            return conflict(str(error), draft_revision=error.current)
        return Response(self.detail_data(flow.pk))

    @extend_schema(request=None, responses={201: FlowDetailSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        copy = services.duplicate_flow(flow=self.get_object(), user=request.user)
        return Response(self.detail_data(copy.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=EXPORT_FORMATS, description="Default: canonical.")
        ],
        responses=OpenApiTypes.OBJECT,
        description=(
            "canonical: the editable definition (canonical + language, max_retries, layout, "
            'labels). paycall: {"max_retries": n, "ivr": {...}} (retries only if set).'
        ),
    )
    @action(detail=True, methods=["get"], content_negotiation_class=QueryFormatIsOurs)
    def export(self, request, pk=None):
        flow = self.get_object()
        export_format = request.query_params.get("format", "canonical")
        if export_format not in EXPORT_FORMATS:
            raise ValidationError({"format": [f"Choose one of: {', '.join(EXPORT_FORMATS)}."]})
        definition = definition_from_flow(flow)
        body = definition if export_format == "canonical" else services.paycall_export(definition)
        response = Response(body)
        response["Content-Disposition"] = (
            f'attachment; filename="flow-{flow.pk}-{export_format}.json"'
        )
        return response

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": ImportUploadSerializer,
        },
        parameters=[OpenApiParameter("name", str, description="Name of the new flow.")],
        responses={201: ImportResultSerializer},
        description=(
            "Import Paycall JSON (a dialer request, its ivr, a steps array or a simple "
            "dialer request) or a canonical export: as the JSON body, or as a file upload."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[DepthLimitedJSONParser, MultiPartParser, FormParser],
    )
    def import_flow(self, request):
        data, name = self.import_input(request)
        try:
            flow, findings = services.import_flow(data=data, user=request.user, name=name)
        except DjangoValidationError as error:
            raise bad_request(error, "data") from error
        flow = self.get_queryset().get(pk=flow.pk)
        body = {"flow": flow, "findings": [f.as_dict() for f in findings]}
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)

    def import_input(self, request):
        name = request.query_params.get("name")
        if "file" not in request.FILES:
            if request.content_type.startswith("multipart/"):
                raise ValidationError({"file": ["Choose a JSON file to import."]})
            return request.data, name
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                {"file": [f"The file is larger than {filesizeformat(MAX_IMPORT_BYTES)}."]}
            )
        content = upload.read()
        if json_depth_exceeds(content):
            raise ValidationError({"file": [too_deep_message()]})
        return content, serializer.validated_data.get("name") or name


class FlowVariableViewSet(viewsets.ModelViewSet):
    """The variables of one flow; every change is a draft change (revision + 1)."""

    serializer_class = VariableSerializer
    queryset = Variable.objects.all()
    lookup_value_regex = ID_REGEX

    def flow(self) -> Flow:
        return get_object_or_404(Flow, pk=self.kwargs["flow_pk"])

    def get_queryset(self):
        return Variable.objects.filter(flow_id=self.kwargs["flow_pk"]).order_by("order", "pk")

    def perform_create(self, serializer):
        serializer.instance = self.save_variable(serializer, position=None)

    def perform_update(self, serializer):
        serializer.instance = self.save_variable(serializer, position=serializer.instance.position)

    def save_variable(self, serializer, *, position: int | None) -> Variable:
        try:
            return services.save_variable(
                flow=self.flow(),
                revision=None,
                user=self.request.user,
                position=position,
                variable=serializer.validated_data,
            ).value
        except DjangoValidationError as error:
            raise bad_request(error, "name") from error

    def perform_destroy(self, instance):
        services.delete_variable(
            flow=self.flow(), revision=None, user=self.request.user, position=instance.position
        )


class RecordingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    mixins.UpdateModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The recording library: WAV/MP3 files that prompts and play actions name."""

    queryset = Recording.objects.select_related("uploaded_by").order_by("name")
    serializer_class = RecordingSerializer
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]
    lookup_value_regex = ID_REGEX

    @extend_schema(
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={201: RecordingSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = RecordingUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            recording = services.upload_recording(
                uploaded_file=serializer.validated_data["file"],
                name=serializer.validated_data.get("name"),
                user=request.user,
            )
        except DjangoValidationError as error:
            field = "name" if error.code in ("unique", "invalid_name", "name_too_long") else "file"
            raise bad_request(error, field) from error
        body = RecordingSerializer(recording, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RecordingRenameSerializer, responses={200: RecordingSerializer, 409: CONFLICT}
    )
    def update(self, request, *args, **kwargs):
        recording = self.get_object()
        serializer = RecordingRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.rename_recording(recording=recording, name=serializer.validated_data["name"])
        except DjangoValidationError as error:
            raise bad_request(error, "name") from error
        except services.RecordingInUse as error:
            return conflict(str(error), usages=error.usages)
        return Response(RecordingSerializer(recording, context=self.get_serializer_context()).data)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        recording = self.get_object()
        try:
            services.delete_recording(recording=recording)
        except services.RecordingInUse as error:
            return conflict(str(error), usages=error.usages)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "audio/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        recording = self.get_object()
        content_type = "audio/wav" if recording.format == Recording.Format.WAV else "audio/mpeg"
        return FileResponse(
            recording.file.open("rb"),
            as_attachment=True,
            filename=recording.name,
            content_type=content_type,
        )
