"""REST API of campaigns: create (checked like the form), read, start/pause/resume/
cancel, progress and summary, CDRs (filters, keyset cursor, CSV), calls, the audit log
and the chart figures. In the OpenAPI document through drf-spectacular."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from dialer_site.converters import ID_REGEX
from flows.models import FlowVersion
from phonelists.models import PhoneList

from . import analytics
from .cdr_table import page, parse_filters
from .checks import CampaignSettings, campaign_problems
from .exports import XLSX_CONTENT_TYPE, export_response
from .lifecycle import TransitionError
from .models import Call, Campaign, CampaignEvent, Cdr, ProviderAccount
from .scheduling import CallingWindow
from .services import (
    CampaignInvalid,
    cancel_campaign,
    create_campaign,
    pause_campaign,
    resume_campaign,
    start_campaign,
)

LIFECYCLE = {
    "start": start_campaign,
    "pause": pause_campaign,
    "resume": resume_campaign,
    "cancel": cancel_campaign,
}


class CampaignSerializer(serializers.ModelSerializer):
    flow_version = serializers.PrimaryKeyRelatedField(queryset=FlowVersion.objects.all())
    account = serializers.PrimaryKeyRelatedField(queryset=ProviderAccount.objects.all())
    phone_list = serializers.PrimaryKeyRelatedField(
        queryset=PhoneList.objects.all(), write_only=True
    )
    window_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), required=False
    )
    leave_out_missing = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Leave out contacts with no value for a variable the flow gives no "
        "default (counted in left_out), rather than refuse the campaign.",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "state",
            "mode",
            "flow_version",
            "account",
            "phone_list",
            "phone_list_id",
            "phone_list_name",
            "cli",
            "dtmf_originator",
            "max_retries",
            "ring_timeout",
            "retry_wait_time",
            "time_zone",
            "start_at",
            "window_start",
            "window_end",
            "window_days",
            "phonon_flow_id",
            "iovox_link_id",
            "total_calls",
            "left_out",
            "is_test_call",
            "leave_out_missing",
            "paycall_stage",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [
            "left_out",
            "is_test_call",
            "state",
            "mode",
            "phone_list_id",
            "phone_list_name",
            "total_calls",
            "paycall_stage",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def validate(self, attrs):
        self.campaign_settings = CampaignSettings(
            name=attrs["name"],
            flow_version=attrs["flow_version"],
            account=attrs["account"],
            phone_list=attrs["phone_list"],
            cli=attrs.get("cli", ""),
            dtmf_originator=attrs.get("dtmf_originator", ""),
            max_retries=attrs.get("max_retries"),
            ring_timeout=attrs.get("ring_timeout"),
            retry_wait_time=attrs.get("retry_wait_time"),
            time_zone=attrs.get("time_zone") or Campaign._meta.get_field("time_zone").default,
            start_at=attrs.get("start_at"),
            window=CallingWindow(
                attrs.get("window_start"),
                attrs.get("window_end"),
                tuple(attrs.get("window_days") or ()),
            ),
            phonon_flow_id=attrs.get("phonon_flow_id", ""),
            iovox_link_id=attrs.get("iovox_link_id", ""),
            leave_out_missing=attrs.pop("leave_out_missing", False),
        )
        errors = campaign_problems(self.campaign_settings)
        if errors:
            raise ValidationError(errors)
        return attrs


class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = [
            "id",
            "position",
            "number",
            "alternate_numbers",
            "cli",
            "state",
            "idempotency_key",
            "provider_ref",
            "duplicate_at_provider",
            "error_code",
            "error_message",
            "sent_at",
            "completed_at",
            "steps_report",
        ]


class CdrSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cdr
        fields = [
            "id",
            "call",
            "phone_number",
            "cli",
            "start_time",
            "answer_time",
            "hangup_time",
            "duration",
            "billsec",
            "hangup_cause",
            "q850",
            "cause_description",
            "outcome",
            "answered",
            "keys",
            "marked_remove",
            "steps",
            "source",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = CampaignEvent
        fields = ["at", "from_state", "to_state", "actor", "reason"]


class CanRunCampaigns(BasePermission):
    message = "Starting, pausing, resuming and cancelling campaigns needs the run permission."

    def has_permission(self, request, view):
        return request.user.has_perm("campaigns.run_campaign")


CDR_FILTERS = [
    OpenApiParameter(name, str, required=False, description=description)
    for name, description in (
        ("outcome", "answered, no_answer, busy, rejected, invalid_number or failed"),
        ("hangup_cause", "Q.850 name, e.g. NORMAL_CLEARING"),
        ("answered", "yes or no"),
        ("step", "a step id (with key: the key pressed at that step)"),
        ("key", "a key pressed"),
        ("number", "the start of the phone number"),
        ("after", "cursor: the next_cursor of the previous page"),
        ("size", "rows per page (1-500)"),
    )
]


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.select_related("account", "flow_version")
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        # Test calls from the campaign form are campaigns of one number: reachable by
        # id, left out of the list as on the campaigns page.
        queryset = super().get_queryset()
        return queryset.filter(is_test_call=False) if self.action == "list" else queryset

    def perform_create(self, serializer):
        settings = serializer.campaign_settings
        settings.public_base_url = self.request.build_absolute_uri("/")
        try:
            serializer.instance = create_campaign(settings=settings, created_by=self.request.user)
        except CampaignInvalid as invalid:
            raise ValidationError(invalid.errors) from None

    def _lifecycle(self, request, name: str):
        campaign = self.get_object()
        try:
            campaign = LIFECYCLE[name](
                campaign=campaign,
                actor=request.user,
                reason=str(request.data.get("reason", ""))[:500],
            )
        except TransitionError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanRunCampaigns])
    def start(self, request, pk=None):
        return self._lifecycle(request, "start")

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanRunCampaigns])
    def pause(self, request, pk=None):
        return self._lifecycle(request, "pause")

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanRunCampaigns])
    def resume(self, request, pk=None):
        return self._lifecycle(request, "resume")

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanRunCampaigns])
    def cancel(self, request, pk=None):
        return self._lifecycle(request, "cancel")

    @extend_schema(
        responses=inline_serializer(
            "CampaignProgress",
            {
                "total": serializers.IntegerField(),
                "settled": serializers.IntegerField(),
                "percent": serializers.IntegerField(),
                "by_state": serializers.DictField(child=serializers.IntegerField()),
                "calls_per_minute": serializers.FloatField(),
                "eta_seconds": serializers.IntegerField(allow_null=True),
                "summary": serializers.DictField(),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        campaign = self.get_object()
        p = analytics.progress(campaign)
        return Response(
            {
                "total": p.total,
                "settled": p.settled,
                "percent": p.percent,
                "by_state": p.by_state,
                "calls_per_minute": p.calls_per_minute,
                "eta_seconds": p.eta_seconds,
                "summary": analytics.summary(campaign),
            }
        )

    @extend_schema(
        responses=inline_serializer(
            "CampaignCharts",
            {
                "outcomes": serializers.DictField(child=serializers.IntegerField()),
                "over_time": serializers.ListField(),
                "key_funnel": serializers.ListField(),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def charts(self, request, pk=None):
        campaign = self.get_object()
        unit, buckets = analytics.calls_over_time(campaign)
        return Response(
            {
                "outcomes": {value: n for value, _, n in analytics.outcome_counts(campaign)},
                "over_time": {
                    "unit": unit,
                    "buckets": [
                        {"start": start, "calls": calls, "answered": answered}
                        for start, calls, answered in buckets
                    ],
                },
                "key_funnel": [
                    {"step": step, "keys": dict(keys)}
                    for step, keys in analytics.key_funnel(campaign)
                ],
            }
        )

    @extend_schema(
        parameters=CDR_FILTERS,
        responses=inline_serializer(
            "CdrPage",
            {"results": CdrSerializer(many=True), "next_cursor": serializers.IntegerField()},
        ),
    )
    @action(detail=True, methods=["get"])
    def cdrs(self, request, pk=None):
        campaign = self.get_object()
        filters, errors = parse_filters(request.query_params)
        if errors:
            raise ValidationError(errors)
        rows, cursor = page(campaign, filters)
        full = Cdr.objects.filter(pk__in=[row.pk for row in rows]).order_by("-pk")
        return Response({"results": CdrSerializer(full, many=True).data, "next_cursor": cursor})

    @extend_schema(parameters=CDR_FILTERS, responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"], url_path="cdrs-csv")
    def cdrs_csv(self, request, pk=None):
        return self._export(request, "csv")

    @extend_schema(parameters=CDR_FILTERS, responses={(200, XLSX_CONTENT_TYPE): bytes})
    @action(detail=True, methods=["get"], url_path="cdrs-xlsx")
    def cdrs_xlsx(self, request, pk=None):
        return self._export(request, "xlsx")

    def _export(self, request, fmt: str):
        # Reading call records one page at a time is viewing; taking them all away is
        # exporting, a permission of its own (README, "Roles").
        if not request.user.has_perm("campaigns.export_cdrs"):
            self.permission_denied(
                request, message=gettext("Exporting call records needs the export permission.")
            )
        campaign = self.get_object()
        filters, errors = parse_filters(request.query_params)
        if errors:
            raise ValidationError(errors)
        return export_response(campaign, filters, fmt)

    @extend_schema(
        parameters=[OpenApiParameter("state", str, required=False)],
        responses=CallSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def calls(self, request, pk=None):
        campaign = self.get_object()
        calls = Call.objects.filter(campaign=campaign).order_by("position")
        if request.query_params.get("state"):
            calls = calls.filter(state=request.query_params["state"])
        page_ = self.paginate_queryset(calls)
        return self.get_paginated_response(CallSerializer(page_, many=True).data)

    @extend_schema(responses=CallSerializer)
    @action(detail=True, methods=["get"], url_path=rf"calls/(?P<call_pk>{ID_REGEX})")
    def call(self, request, pk=None, call_pk=None):
        campaign = self.get_object()
        call = get_object_or_404(Call, campaign=campaign, pk=call_pk)
        data = CallSerializer(call).data
        cdr = Cdr.objects.filter(call=call).first()
        data["cdr"] = CdrSerializer(cdr).data if cdr else None
        return Response(data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        campaign = self.get_object()
        return Response(EventSerializer(campaign.events.select_related("actor"), many=True).data)
