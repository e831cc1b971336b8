"""The sandbox's own records: what each emulated provider knows and what it accepted.

These play the provider's side (its accounts, flows, links, campaigns) and keep a
ledger of every call accepted, so tests can count calls exactly, and a simulator
can give each call an outcome and a CDR.
"""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Provider(models.TextChoices):
    PAYCALL = "paycall", "Paycall"
    PHONON = "phonon", "Phonon"
    IOVOX = "iovox", "iovox"


def default_ip_whitelist() -> list[str]:
    return ["127.0.0.1", "::1"]


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class SandboxAccount(models.Model):
    """One customer account at an emulated provider, with its fault knobs."""

    provider = models.CharField(max_length=10, choices=Provider.choices)
    name = models.CharField(max_length=100, unique=True)
    username = models.CharField(
        max_length=100, blank=True, help_text="Paycall user name or iovox username."
    )
    secret = models.CharField(
        max_length=200, blank=True, help_text="Paycall password or iovox secure key."
    )
    ip_whitelist = models.JSONField(
        default=default_ip_whitelist,
        blank=True,
        help_text="Client IP addresses allowed to call this account's API.",
    )
    private_key_pem = models.TextField(
        blank=True, help_text="Phonon encrypted: the RSA private key that opens envelopes."
    )
    encryption_scheme = models.CharField(max_length=40, default="aes-ecb+rsa-pkcs1v15")
    callback_url = models.URLField(
        max_length=300, blank=True, help_text="Phonon/iovox: where status callbacks are POSTed."
    )
    callback_secret = models.CharField(max_length=100, default=new_secret)
    calls_per_minute = models.PositiveIntegerField(
        default=0, help_text="iovox: the call limit per minute; 0 means no limit."
    )
    # Phonon account state behind codes 211, 212, 204, 206, 207, 208.
    valid_until = models.DateField(null=True, blank=True)
    balance_calls = models.PositiveIntegerField(
        null=True, blank=True, help_text="Phonon: calls left; blank means unlimited."
    )
    gateway_valid = models.BooleanField(default=True)
    gateway_failing = models.BooleanField(default=False)
    did_mapped = models.BooleanField(default=True)
    mask_available = models.BooleanField(default=True)
    # Fault knobs, for reliability tests.
    error_rates = models.JSONField(
        default=dict,
        blank=True,
        help_text='Chance of answering an error, by code: {"500": 0.1}.',
    )
    latency_ms = models.PositiveIntegerField(default=0)
    timeout_rate = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    timeout_seconds = models.FloatField(default=35)
    drop_rate = models.FloatField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Chance of dropping the connection before answering.",
    )
    # The simulated callees.
    seed = models.IntegerField(default=0)
    answer_rate = models.FloatField(default=0.7)
    busy_rate = models.FloatField(default=0.1)
    no_answer_rate = models.FloatField(default=0.15)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"


class PhononFlow(models.Model):
    """A Phonon dialer flow: its flow-id and security-id, as on its Edit Flow page."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="flows")
    flow_id = models.CharField(max_length=8, unique=True)
    security_id = models.CharField(max_length=64)
    published = models.BooleanField(
        default=True, help_text="Has a production version (api-version 1.0); else 304."
    )
    test_phones = models.JSONField(
        default=list, blank=True, help_text="TEST mode calls only these numbers (else 402)."
    )
    required_keys = models.JSONField(
        default=list, blank=True, help_text="Flow keys each call must carry (else 213)."
    )

    def __str__(self) -> str:
        return self.flow_id


class IovoxLink(models.Model):
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="links")
    link_id = models.CharField(max_length=100, unique=True)
    has_calling_rules = models.BooleanField(default=True)
    required_variables = models.JSONField(
        default=list, blank=True, help_text="Call variables the Calling Rules need."
    )

    def __str__(self) -> str:
        return self.link_id


class PaycallCampaign(models.Model):
    """A campaign created by the Dialer or Simple Dialer API, keyed by unique_id."""

    class Kind(models.TextChoices):
        DIALER = "dialer"
        SIMPLE = "simple"

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="campaigns")
    unique_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    request = models.JSONField()
    numbers = models.JSONField(default=list, blank=True)
    start_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "unique_id"], name="sandbox_campaign_once")
        ]

    def __str__(self) -> str:
        return self.unique_id


class PaycallRecording(models.Model):
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="recordings")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="sandbox_recording_once")
        ]

    def __str__(self) -> str:
        return self.name


class ReceivedRequest(models.Model):
    """Every request an emulator accepted: for checksum repeats and call counting."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE)
    endpoint = models.CharField(max_length=50)
    checksum = models.CharField(max_length=64, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, unique=True)
    call_count = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The database, not a look-up before the insert, refuses a repeat: two
            # identical requests racing each other must not both be taken.
            models.UniqueConstraint(
                fields=["account", "checksum"],
                condition=~models.Q(checksum=""),
                name="sandbox_request_checksum_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.request_id}"


class CallState(models.TextChoices):
    ACCEPTED = "accepted"
    COMPLETED = "completed"


class LedgerCall(models.Model):
    """One call an emulator accepted; after simulation, also its CDR."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="calls")
    request = models.ForeignKey(ReceivedRequest, null=True, on_delete=models.SET_NULL)
    call_id = models.CharField(max_length=64, unique=True)
    client_identifier = models.CharField(max_length=200, blank=True)
    campaign_unique_id = models.CharField(max_length=100, blank=True, db_index=True)
    number = models.CharField(max_length=64)
    cli = models.CharField(max_length=64, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    accepted_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.ACCEPTED)
    hangup_cause = models.CharField(max_length=40, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    answer_time = models.DateTimeField(null=True, blank=True)
    hangup_time = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(default=0)
    billsec = models.PositiveIntegerField(default=0)
    keys_pressed = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=dict, blank=True)
    callback_status = models.CharField(max_length=200, blank=True)
    # Set by the simulation sweep that took the call, so two sweeps never both take it.
    claim = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["account", "accepted_at"]),
            models.Index(fields=["account", "state", "claim"]),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.number}"


class CalleeScript(models.Model):
    """How a given number behaves when called: for demos and deterministic tests."""

    number = models.CharField(max_length=64, unique=True)
    hangup_cause = models.CharField(max_length=40, default="NORMAL_CLEARING")
    keys = models.JSONField(
        default=list, blank=True, help_text='Key presses, in order: ["1", "2"].'
    )
    talk_seconds = models.PositiveIntegerField(default=10)

    def __str__(self) -> str:
        return f"{self.number}: {self.hangup_cause}"
