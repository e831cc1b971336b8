"""Campaigns: who is called, with which flow, through which account, and what happened.

A campaign pins a published flow version and a provider account and snapshots the
phone list into its own Call rows, so later edits to the list or the flow never change
a campaign that already ran. Each Call carries its idempotency key from the moment it
exists, long before anything is sent (see campaigns.dispatch for why that matters).
"""

import secrets

from django.conf import settings
from django.db import models

from campaigns.models.accounts import ProviderAccount


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


FINAL_STATES = (CampaignState.COMPLETED, CampaignState.CANCELLED, CampaignState.FAILED)


class DispatchMode(models.TextChoices):
    """How the calls reach the provider; chosen from the flow and the account."""

    PAYCALL_QUEUE = "paycall_queue", "Paycall queued campaign (one dialer, uploaded list)"
    PAYCALL_PER_CONTACT = "paycall_per_contact", "Paycall dialer, one request per contact"
    PAYCALL_SIMPLE = "paycall_simple", "Paycall simple dialer (uploaded list)"
    PHONON = "phonon", "Phonon, up to 500 calls a request"
    IOVOX = "iovox", "iovox initiateCall, one call a request"


PAYCALL_MODES = (
    DispatchMode.PAYCALL_QUEUE,
    DispatchMode.PAYCALL_PER_CONTACT,
    DispatchMode.PAYCALL_SIMPLE,
)


class PaycallStage(models.TextChoices):
    """Where a queued Paycall campaign is in its four-request setup."""

    NOT_STARTED = "", "Not started"
    RECORDINGS_UPLOADED = "recordings", "Recordings uploaded"
    DIALER_CREATED = "dialer", "Dialer created"
    PHONES_UPLOADED = "phones", "Phone list uploaded"
    STARTED = "started", "Started"


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


def new_campaign_key() -> str:
    return secrets.token_hex(6)


class Campaign(models.Model):
    name = models.CharField(max_length=200)
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT, db_index=True
    )
    flow_version = models.ForeignKey(
        "flows.FlowVersion", on_delete=models.PROTECT, related_name="campaigns"
    )
    account = models.ForeignKey(ProviderAccount, on_delete=models.PROTECT, related_name="campaigns")
    # The list is snapshotted into Call rows; these only say where they came from.
    phone_list_id = models.PositiveBigIntegerField(null=True, blank=True)
    phone_list_name = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=20, choices=DispatchMode.choices)
    cli = models.CharField("caller id", max_length=32, blank=True)
    dtmf_originator = models.CharField(max_length=100, blank=True)
    max_retries = models.PositiveIntegerField(null=True, blank=True)
    ring_timeout = models.PositiveIntegerField(null=True, blank=True)
    retry_wait_time = models.PositiveIntegerField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    start_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: start as soon as the campaign is started."
    )
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    # ISO weekdays (1 = Monday) on which calls may be placed; empty = every day.
    window_days = models.JSONField(default=list, blank=True)
    phonon_flow_id = models.CharField("Phonon flow-id", max_length=8, blank=True)
    iovox_link_id = models.CharField("iovox link id", max_length=100, blank=True)
    # Random, so that two databases never produce the same Paycall unique_id.
    key = models.CharField(max_length=12, default=new_campaign_key, unique=True, editable=False)
    webhook_token = models.CharField(max_length=64, default=new_webhook_token, editable=False)
    # Where providers reach our webhooks (this site's address as the provider sees it).
    public_base_url = models.URLField(max_length=300, blank=True)
    # Dispatch tasks of an older chain (before a pause/resume) stop when they see this change.
    dispatch_chain = models.CharField(max_length=32, blank=True, editable=False)
    paycall_stage = models.CharField(
        max_length=10, choices=PaycallStage.choices, blank=True, default=""
    )
    total_calls = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cdrs_fetched_at = models.DateTimeField(null=True, blank=True)
    # Paycall CDR files are fetched again (with backoff) until every call has its record.
    cdr_fetch_attempts = models.PositiveIntegerField(default=0)
    # A one-number call placed from the campaign form before launch; hidden from lists.
    is_test_call = models.BooleanField(default=False)
    # Contacts of the list that were not made calls, by reason: do_not_call, invalid,
    # duplicate, missing_variable.
    left_out = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("run_campaign", "Can start, pause, resume and cancel campaigns"),
            ("export_cdrs", "Can export a campaign's call records"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def paycall_unique_id(self) -> str:
        """The Paycall unique_id of a queued campaign."""
        return f"ds-{self.key}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_paycall(self) -> bool:
        """Paycall's results come as steps reports and its CDR file, fetched by us."""
        return self.mode in PAYCALL_MODES

    @property
    def flow_at_provider(self) -> str:
        """The flow as the provider names it, where the flow lives at the provider."""
        return self.phonon_flow_id or self.iovox_link_id


class CampaignEvent(models.Model):
    """The audit log: every state change (and notable step) with who, when and why."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.from_state} → {self.to_state}"


class BatchState(models.TextChoices):
    SENDING = "sending", "Sending"
    RETRY = "retry", "Waiting to be sent again"
    UNCERTAIN = "uncertain", "Outcome unknown, to reconcile"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DispatchBatch(models.Model):
    """One request to the provider, recorded with its exact payload BEFORE it is sent.

    A batch in doubt (timeout, dropped connection, dead worker) is never rebuilt: the
    same payload is sent again, so the provider itself recognises it (Phonon's
    Checksum Repeated, Paycall's duplicate unique_id) and nobody is called twice.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches")
    state = models.CharField(max_length=10, choices=BatchState.choices, db_index=True)
    payload = models.JSONField(
        help_text="The compiled request, as sent (secrets added by the client)."
    )
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.state})"


class CallState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    ACCEPTED = "accepted", "Accepted by the provider"
    COMPLETED = "completed", "Completed (CDR received)"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (do not call, or campaign cancelled)"


class Call(models.Model):
    """One contact of the campaign's snapshotted list, and the call made to it.

    Its indexes, each with the queries it serves (a CDR ingest updates ~1 M rows
    and every index costs each update):
    - the primary key: updates by pk (dispatch, settling, cdrs_ingest's completion);
    - campaigns_call_position (campaign, position): the list in order (paycall_queue,
      the API's calls), and the campaign's foreign key (deletes cascade through it);
    - campaigns_call_idempotency_key: the callbacks' lookup by client identifier
      (cdrs_ingest.find_call_for_event, also across an account's campaigns) and the
      steps reports' by unique_id (cdrs_ingest._call_for_report), and the guarantee
      that one key is one call. A constraint,
      not unique=True: PostgreSQL would add a varchar_pattern_ops `_like` copy for
      LIKE queries, and this column is only compared for equality;
    - (campaign, state, position): the next pending calls in order (dispatch,
      paycall_queue), overdue accepted calls (settling), progress by state;
    - (campaign, number): a callback or steps report matched by number
      (cdrs_ingest, outbound's lookups);
    - batch_id (the foreign key's index): a batch's calls (dispatch's results and
      recovery, services' retries), and SET NULL when a batch is deleted.
    provider_ref has none: its lookup is narrowed by the number first.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="calls", db_index=False
    )
    position = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=64)
    number = models.CharField(max_length=32)
    alternate_numbers = models.JSONField(default=list, blank=True)
    cli = models.CharField(max_length=32, blank=True)
    dtmf_originator = models.CharField(max_length=100, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.PENDING)
    steps_report = models.JSONField(default=dict, blank=True)
    batch = models.ForeignKey(
        DispatchBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    provider_ref = models.CharField(max_length=100, blank=True)
    # Accepted only when the provider said it already had this call (a replay).
    duplicate_at_provider = models.BooleanField(default=False)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="campaigns_call_position"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"], name="campaigns_call_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "position"]),
            models.Index(fields=["campaign", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.state})"


class Outcome(models.TextChoices):
    ANSWERED = "answered", "Answered"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    REJECTED = "rejected", "Rejected"
    INVALID_NUMBER = "invalid_number", "Invalid number"
    FAILED = "failed", "Failed"
    NO_REPORT = "no_report", "No report from the provider"


class Cdr(models.Model):
    """A call detail record, with the Q.850 cause in words and the steps report.

    Its indexes, each with the queries it serves (all are read by the CDR table's
    filters, campaigns.cdr_table, newest first with a keyset cursor; the exports
    read through the same filters):
    - the primary key: the keyset cursor, updates of steps-report rows by pk;
    - call_id (the one-to-one's unique index): a call's CDR (the call page, the
      API, cdrs_ingest's "has this call a CDR yet"), SET NULL when a call goes;
    - campaigns_cdr_once (campaign, phone_number, start_time): the ingest's
      ON CONFLICT DO NOTHING (a row read twice is stored once), the table's number
      prefix search, and the campaign's foreign key (deletes cascade through it);
    - (campaign, id): the unfiltered table, the key filters' scans, progress counts;
    - (campaign, outcome, id), (campaign, hangup_cause, id), (campaign, answered, id):
      the table filtered by each, and the analytics' counts by outcome, by cause and
      of answered calls.
    No CharField here has db_index or unique, so PostgreSQL adds no `_like` copy.
    """

    # No index of its own: every composite index below starts with the campaign.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="cdrs", db_index=False
    )
    call = models.OneToOneField(
        Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="cdr"
    )
    source = models.CharField(max_length=12)  # callback | cdr_csv | steps_report
    cli = models.CharField(max_length=32, blank=True)
    phone_number = models.CharField(max_length=32)
    start_time = models.DateTimeField(null=True, blank=True)
    answer_time = models.DateTimeField(null=True, blank=True)
    hangup_time = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(default=0)
    billsec = models.PositiveIntegerField(default=0)
    hangup_cause = models.CharField(max_length=40, blank=True)
    q850 = models.PositiveIntegerField(default=0)
    cause_description = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    answered = models.BooleanField(default=False)
    provider_campaign_id = models.CharField(max_length=100, blank=True)
    steps = models.JSONField(default=dict, blank=True)
    # ";step:key;step:key;" — the keys pressed, searchable and groupable in plain SQL.
    keys = models.CharField(max_length=500, blank=True)
    marked_remove = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "phone_number", "start_time"], name="campaigns_cdr_once"
            )
        ]
        indexes = [
            # Newest first within a campaign: the unfiltered table and scans for keys.
            models.Index(fields=["campaign", "id"]),
            models.Index(fields=["campaign", "outcome", "id"]),
            models.Index(fields=["campaign", "hangup_cause", "id"]),
            models.Index(fields=["campaign", "answered", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.phone_number} {self.hangup_cause}"
