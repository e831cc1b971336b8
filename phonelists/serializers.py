"""REST representations of phone lists, contacts and do-not-call entries."""

import phonenumbers
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dialer_site.schema import UploadField

from .columns import ROLES
from .limits import limit
from .models import Contact, DoNotCall, NumberPolicy, PhoneList


class PhoneListSerializer(serializers.ModelSerializer):
    report = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()
    contacts_url = serializers.SerializerMethodField()
    rejected_url = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(read_only=True)
    status_display = serializers.CharField(
        source="status_label", read_only=True,
        help_text="The status in words; \"Imported, but no usable numbers\" when nothing was.",
    )  # fmt: skip
    warning = serializers.CharField(
        read_only=True,
        help_text="Non-empty when the list is imported but holds no number to call.",
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = PhoneList
        fields = [
            "id", "name", "default_country", "number_policy", "status", "status_display",
            "warning", "progress_percent", "error",
            "original_filename", "file_size", "file_format", "encoding", "has_header",
            "headers", "mapping", "sample_rows", "report", "preview", "created_by",
            "created_at", "started_at", "finished_at", "status_url", "contacts_url",
            "rejected_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_report(self, obj) -> dict:
        return obj.report()

    def _url(self, name: str, obj) -> str:
        request = self.context.get("request")
        url = reverse(name, args=[obj.pk])
        return request.build_absolute_uri(url) if request else url

    def get_status_url(self, obj) -> str:
        return self._url("api:phonelist-detail", obj)

    def get_contacts_url(self, obj) -> str:
        return self._url("api:phonelist-contacts", obj)

    def get_rejected_url(self, obj) -> str:
        return self._url("api:phonelist-rejected", obj)


class MappingEntrySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLES)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PhoneListUploadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    file = UploadField(help_text="A .xlsx, .csv, .txt, .zip or .gz list file.")
    default_country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="",
        help_text="ISO region of local numbers, e.g. IL.",
    )  # fmt: skip
    number_policy = serializers.ChoiceField(
        choices=NumberPolicy.choices, required=False, default=NumberPolicy.REGION,
        help_text="region: numbers valid for their region (default); e164: any well-formed "
        "E.164 number (+, 8 to 15 digits). Local numbers need default_country either way.",
    )  # fmt: skip
    mapping = serializers.JSONField(
        required=False,
        help_text='Optional: one {"role", "name"} per column; roles: ' + ", ".join(ROLES),
    )

    def validate_name(self, value: str) -> str:
        if PhoneList.objects.filter(name=value).exists():
            raise serializers.ValidationError(
                _('There is already a phone list called "%(name)s": choose another name.')
                % {"name": value},
                code="unique",
            )
        return value

    def validate_default_country(self, value: str) -> str:
        value = value.upper()
        if value and value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError(f"Unknown country code {value!r}; use e.g. IL or US.")
        return value

    def validate_file(self, upload):
        maximum = limit("PHONELIST_MAX_UPLOAD_BYTES")
        if upload.size > maximum:
            raise serializers.ValidationError(f"At most {maximum} bytes are allowed.")
        return upload

    def validate_mapping(self, value):
        entries = MappingEntrySerializer(data=value, many=True)
        entries.is_valid(raise_exception=True)
        return [dict(entry) for entry in entries.validated_data]


class MappingSerializer(serializers.Serializer):
    mapping = MappingEntrySerializer(many=True)


class PhoneListContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["line_number", "number", "cli", "dtmf_originator", "alternates", "variables"]
        read_only_fields = fields


class DoNotCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = DoNotCall
        fields = ["id", "number", "source", "reason", "created_at"]
        read_only_fields = fields


class DoNotCallAddSerializer(serializers.Serializer):
    numbers = serializers.ListField(child=serializers.CharField(max_length=40), max_length=10_000)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    default_country = serializers.CharField(max_length=2, required=False, default="")


class DoNotCallUploadSerializer(serializers.Serializer):
    file = UploadField()
    default_country = serializers.CharField(max_length=2, required=False, default="")
