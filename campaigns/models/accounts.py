"""Provider accounts: where and as whom Dialer Studio talks to a call provider."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from dialer_site.fields import EncryptedJSONField
from providers import outbound, provider_for
from providers.phonon.builder import API_VERSION_CHOICES, API_VERSIONS
from providers.phonon.encryption import DEFAULT_SCHEME, SCHEME_CHOICES


class ProviderKind(models.TextChoices):
    PAYCALL = "paycall", "Paycall Dynamic Dialer"
    PHONON = "phonon", "Phonon outbound dialer"
    PHONON_ENCRYPTED = "phonon_encrypted", "Phonon encrypted outbound"
    IOVOX = "iovox", "iovox initiateCall"


# Every kind may hold the shared secret that signs the sandbox-style status callbacks.
OPTIONAL_CREDENTIAL_FIELDS = ("callback_secret",)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
MAX_TIMEOUT_SECONDS = 300.0
MAX_CALLS_PER_SECOND = 1000.0
# Calls the provider has not reported on this long after they were accepted are settled
# as "no report from the provider", so that no campaign stays Running for ever.
DEFAULT_NO_REPORT_MINUTES = 120
MAX_NO_REPORT_MINUTES = 7 * 24 * 60


def default_base_url(kind: str) -> str:
    return provider_for(kind).production_base_url


def credential_fields(kind: str) -> tuple[str, ...]:
    """Which secrets an account of this kind needs; the form and the API read this."""
    return provider_for(kind).credential_fields


def new_callback_token() -> str:
    return secrets.token_urlsafe(24)


class ProviderAccount(models.Model):
    # What a person may set on an account, in the form and through the API alike;
    # credentials are written through their own write-only fields.
    SETTINGS_FIELDS = (
        "kind",
        "name",
        "base_url",
        "api_version",
        "time_zone",
        "encryption_scheme",
        "connect_timeout",
        "read_timeout",
        "calls_per_second",
        "no_report_minutes",
    )

    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        "base URL",
        max_length=300,
        blank=True,
        help_text="Leave blank for the provider's documented production address.",
    )
    # Write-only: rendered nowhere after saving; see credential_fields() for the keys.
    credentials = EncryptedJSONField(default=dict, blank=True)
    api_version = models.CharField(
        "Phonon api-version",
        max_length=8,
        choices=API_VERSION_CHOICES,
        default=API_VERSIONS[0],
    )
    time_zone = models.CharField(
        max_length=64,
        default="Asia/Kolkata",
        help_text="Phonon start times are written in this time zone.",
    )
    encryption_scheme = models.CharField(
        max_length=40, choices=SCHEME_CHOICES, default=DEFAULT_SCHEME
    )
    connect_timeout = models.FloatField(
        default=DEFAULT_CONNECT_TIMEOUT,
        validators=[MinValueValidator(0.1), MaxValueValidator(MAX_TIMEOUT_SECONDS)],
        help_text="Seconds to wait for the provider to accept the connection.",
    )
    read_timeout = models.FloatField(
        default=DEFAULT_READ_TIMEOUT,
        validators=[MinValueValidator(0.1), MaxValueValidator(MAX_TIMEOUT_SECONDS)],
        help_text="Seconds to wait for the provider's answer.",
    )
    calls_per_second = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(MAX_CALLS_PER_SECOND)],
        help_text="Most requests a second to this provider; blank for no limit.",
    )
    # The account's one status-callback address (/webhooks/accounts/<pk>/<token>/status)
    # carries this secret; each report is routed to its campaign by the call's own id.
    callback_token = models.CharField(max_length=64, default=new_callback_token, editable=False)
    no_report_minutes = models.PositiveIntegerField(
        "settle calls with no report after (minutes)",
        default=DEFAULT_NO_REPORT_MINUTES,
        help_text="A call the provider has not reported on this long after accepting it "
        "is settled as “no report from the provider”, so that its campaign ends.",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_NO_REPORT_MINUTES)],
    )
    # What the provider's console calls its flows, so managers pick rather than recall:
    # Phonon flow-ids or iovox link ids, [{"id": "...", "name": "..."}]. Not secrets.
    flow_choices = models.JSONField(default=list, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "provider account"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def effective_base_url(self) -> str:
        return (self.base_url or default_base_url(self.kind)).rstrip("/")

    @property
    def is_phonon(self) -> bool:
        return self.kind in (ProviderKind.PHONON, ProviderKind.PHONON_ENCRYPTED)

    def credential_status(self) -> dict[str, bool]:
        """Which credentials are stored, never their values (for pages and the API)."""
        names = credential_fields(self.kind) + OPTIONAL_CREDENTIAL_FIELDS
        return {name: bool(self.credentials.get(name)) for name in names}

    def missing_credentials(self) -> list[str]:
        return [name for name in credential_fields(self.kind) if not self.credentials.get(name)]

    def record_test(self, *, ok: bool, message: str) -> None:
        self.last_tested_at = timezone.now()
        self.last_test_ok = ok
        self.last_test_message = message
        self.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message"])

    def clean(self):
        errors = {}
        if self.connect_timeout and self.read_timeout and self.connect_timeout > self.read_timeout:
            errors["connect_timeout"] = (
                "The connect timeout cannot be longer than the read timeout."
            )
        # Checked again when connecting (providers.outbound): a name may resolve elsewhere later.
        refused = outbound.refusal(self.base_url) if self.base_url else None
        if refused:
            errors["base_url"] = refused
        if errors:
            raise ValidationError(errors)
