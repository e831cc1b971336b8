"""REST API of provider accounts: credentials are write-only here too."""

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from campaigns.flow_choices import clean_flow_choices
from campaigns.models import ProviderAccount
from campaigns.models.accounts import OPTIONAL_CREDENTIAL_FIELDS, credential_fields
from campaigns.views.accounts import run_connection_test
from dialer_site.converters import ID_REGEX
from dialer_site.schema import IN_USE
from dialer_site.throttling import ConnectionTestThrottle
from providers import outbound
from providers.phonon.builder import is_flow_id, is_security_id
from providers.phonon.encryption import EnvelopeError, load_public_key


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(required=False, allow_blank=True)
    secure_key = serializers.CharField(required=False, allow_blank=True)
    security_ids = serializers.DictField(child=serializers.CharField(), required=False)
    public_key_pem = serializers.CharField(required=False, allow_blank=True)
    callback_secret = serializers.CharField(required=False, allow_blank=True)

    def validate_security_ids(self, value):
        for flow_id, security_id in value.items():
            if not is_flow_id(flow_id) or not is_security_id(security_id):
                raise serializers.ValidationError(
                    "Each flow-id must be 8 letters or digits and its security-id 64."
                )
        return value

    def validate_public_key_pem(self, value):
        if value:
            try:
                load_public_key(value)
            except EnvelopeError as exc:
                raise serializers.ValidationError(str(exc)) from None
        return value


class ProviderAccountSerializer(serializers.ModelSerializer):
    credentials = CredentialsSerializer(
        write_only=True,
        required=False,
        help_text="Write-only. Omitted or blank keys keep the stored values.",
    )
    credentials_stored = serializers.SerializerMethodField()
    flow_choices = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        help_text='Phonon flow-ids or iovox link ids with a name: [{"id": "...", "name": "..."}].',
    )

    class Meta:
        model = ProviderAccount
        fields = [
            "id",
            *ProviderAccount.SETTINGS_FIELDS,
            "flow_choices",
            "credentials",
            "credentials_stored",
            "last_tested_at",
            "last_test_ok",
            "last_test_message",
        ]
        read_only_fields = ["last_tested_at", "last_test_ok", "last_test_message"]

    def validate_base_url(self, value):
        # The same rule as the form's (ProviderAccount.clean), which DRF does not call.
        refused = outbound.refusal(value) if value else None
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def get_credentials_stored(self, account) -> dict[str, bool]:
        return account.credential_status()

    def validate(self, attrs):
        kind = attrs.get("kind") or getattr(self.instance, "kind", None)
        if "flow_choices" in attrs:
            choices, problems = clean_flow_choices(kind, attrs["flow_choices"])
            if problems:
                raise serializers.ValidationError({"flow_choices": problems})
            attrs["flow_choices"] = choices
        stored = dict(self.instance.credentials or {}) if self.instance else {}
        given = {k: v for k, v in (attrs.pop("credentials", None) or {}).items() if v}
        merged = {**stored, **given}
        needed = credential_fields(kind)
        missing = [name for name in needed if not merged.get(name)]
        if missing:
            raise serializers.ValidationError(
                {"credentials": [f"This provider needs {', '.join(missing)}."]}
            )
        attrs["credentials"] = {
            k: v for k, v in merged.items() if k in needed or k in OPTIONAL_CREDENTIAL_FIELDS
        }
        return attrs


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: IN_USE}))
class ProviderAccountViewSet(viewsets.ModelViewSet):
    """Provider accounts (Admin role). Credentials can be written, never read back.

    Deleting an account a campaign uses is refused with 409 (the API's exception
    handler turns the ProtectedError into the reason in words)."""

    queryset = ProviderAccount.objects.all()
    lookup_value_regex = ID_REGEX
    serializer_class = ProviderAccountSerializer

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ConnectionTest", {"ok": serializers.BooleanField(), "message": serializers.CharField()}
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="test-connection",
        throttle_classes=[*api_settings.DEFAULT_THROTTLE_CLASSES, ConnectionTestThrottle],
    )
    def test_connection(self, request, pk=None):
        """Make one harmless request to the provider and say what it answered."""
        ok, message = run_connection_test(self.get_object())
        return Response({"ok": ok, "message": message})

    def get_permissions(self):
        if self.action == "test_connection":
            self.permission_required = "campaigns.change_provideraccount"
        return super().get_permissions()
