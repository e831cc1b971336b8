# Null on text columns is deliberate: NULL = "absent in the definition", "" = empty.
# ruff: noqa: DJ001
"""The editable draft of a flow (Flow, Variable, Step, Route, Action), its published
versions and the recording library.

The rows are the editable form of the canonical flow definition (`flows.definition`
converts both ways). Optional Paycall fields are nullable so that "absent" survives
a round trip: a step imported without `dtmf_ivr_timeout` exports without it, and
Paycall's own default (3 s) applies at the provider.
"""

import math

from django.conf import settings
from django.db import models
from django.db.models import Q

LANGUAGES = [("he", "Hebrew"), ("en", "English"), ("ru", "Russian")]
STRING_BOOLEANS = [("true", "true"), ("false", "false")]
GENDERS = [("female", "Female"), ("male", "Male")]

# Paycall's documented defaults, applied by the provider when a field is absent.
DEFAULT_DTMF_TIMEOUT_SECONDS = 3
DEFAULT_GENDER = "female"


class Flow(models.Model):
    class Mode(models.TextChoices):
        # Paycall `have_dependency` is a string boolean; keep it as one.
        GRAPH = "true", "Graph (keys jump to steps with goto)"
        LINEAR = "false", "Linear (steps play one after the other)"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGES, default="he")
    have_dependency = models.CharField(
        "mode",
        max_length=5,
        choices=Mode.choices,
        default=Mode.GRAPH,
        help_text="Paycall have_dependency: in graph mode keys jump to steps.",
    )
    max_retries = models.PositiveIntegerField(
        "default retries",
        null=True,
        blank=True,
        help_text="Retries after an invalid key or a timeout; empty = 3.",
    )
    # Bumped on every draft save, so that two editors can detect each other's changes.
    draft_revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_graph(self) -> bool:
        return self.have_dependency == self.Mode.GRAPH


class Variable(models.Model):
    """A flow input: a prompt placeholder, a Phonon `$flow.key.<name>`, an iovox variable."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="variables")
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    # Optional in the definition: null means "not given", so it stays absent on export.
    label = models.CharField(max_length=200, null=True, blank=True)
    default = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["flow", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "name"], name="flows_variable_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def position(self) -> int:
        """Where the variable is in its flow's list: the editor's (and the edit
        services') address of it."""
        earlier = models.Q(order__lt=self.order) | models.Q(order=self.order, pk__lt=self.pk)
        return Variable.objects.filter(earlier, flow_id=self.flow_id).count()


class ActionsForm(models.TextChoices):
    """How an `actions` list was written: a list, `null` (the call ends), or left out."""

    LIST = "list", "list"
    NULL = "null", "null"
    ABSENT = "absent", "absent"


class Step(models.Model):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps")
    step_id = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    gender = models.CharField(max_length=6, choices=GENDERS, null=True, blank=True)
    # A prompt is plain text, a list of texts, or a template object
    # {"text": "Hello $0$", "fields": 1, "0": "..."}; with prompt_is_file "true" it
    # names a recording. Stored exactly as the canonical value.
    prompt = models.JSONField(null=True, blank=True)
    prompt_is_file = models.CharField(max_length=5, choices=STRING_BOOLEANS, null=True, blank=True)
    dtmf_ivr = models.JSONField(
        "accepted keys", null=True, blank=True, help_text='A key ("1") or a list of keys.'
    )
    dtmf_ivr_timeout = models.FloatField(
        "key timeout (s)",
        null=True,
        blank=True,
        help_text=f"Empty = {DEFAULT_DTMF_TIMEOUT_SECONDS} s (Paycall default).",
    )
    dtmf_ivr_invalid_text = models.JSONField("invalid-key prompt", null=True, blank=True)
    dtmf_invalid_text_is_file = models.CharField(
        max_length=5, choices=STRING_BOOLEANS, null=True, blank=True
    )
    dtmf_ivr_retries = models.PositiveIntegerField(
        "retries", null=True, blank=True, help_text="Empty = the flow's default retries."
    )
    actions_form = models.CharField(
        max_length=6, choices=ActionsForm.choices, default=ActionsForm.LIST
    )
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["flow", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "step_id"], name="flows_step_unique_id"),
        ]

    def __str__(self) -> str:
        return self.step_id

    def save(self, *args, **kwargs):
        renaming = not self._state.adding
        super().save(*args, **kwargs)
        if not renaming:
            return
        # Gotos follow the foreign key; the remembered name is what a goto shows if
        # this step is later deleted, so keep it current across renames.
        self.incoming_gotos.exclude(goto_step_name=self.step_id).update(goto_step_name=self.step_id)

    @property
    def effective_timeout(self) -> float:
        """Seconds Paycall waits for a key: the step's own, else its default (3)."""
        if self.dtmf_ivr_timeout is None:
            return DEFAULT_DTMF_TIMEOUT_SECONDS
        return self.dtmf_ivr_timeout


class Route(models.Model):
    """What a key (e.g. "1", "11") or a numeric key range (min..max) does."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="routes")
    order = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=50, null=True, blank=True)
    key_min = models.CharField(max_length=50, null=True, blank=True)
    key_max = models.CharField(max_length=50, null=True, blank=True)
    actions_form = models.CharField(
        max_length=6, choices=ActionsForm.choices, default=ActionsForm.LIST
    )

    class Meta:
        ordering = ["step", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(key__isnull=False, key_min__isnull=True, key_max__isnull=True)
                    | Q(key__isnull=True, key_min__isnull=False, key_max__isnull=False)
                ),
                name="flows_route_key_or_range",
            ),
        ]

    def __str__(self) -> str:
        return self.key if self.key is not None else f"{self.key_min}..{self.key_max}"

    @property
    def is_range(self) -> bool:
        return self.key is None


class Action(models.Model):
    class Type(models.TextChoices):
        HANGUP = "hangup", "Hang up"
        CALL = "call", "Call and bridge"
        GOTO = "goto", "Go to step"
        MARK = "mark", "Mark"
        PLAY = "play", "Play"
        WAIT = "wait", "Wait"

    class MarkType(models.TextChoices):
        REMOVE = "remove", "Remove from the list"
        CUSTOM = "custom", "Custom value"

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="actions")
    order = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=6, choices=Type.choices)
    # call
    number = models.CharField(max_length=50, null=True, blank=True)
    cli = models.CharField(max_length=50, null=True, blank=True)
    dtmf_keys = models.CharField(max_length=200, null=True, blank=True)
    # goto: a foreign key, so renaming the target never breaks the goto. Deleting the
    # target keeps the action with no target (lint reports it) and the last known
    # step id in goto_step_name, so nothing vanishes silently.
    goto_step = models.ForeignKey(
        Step,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incoming_gotos",
    )
    goto_step_name = models.CharField(max_length=100, null=True, blank=True)
    # mark
    mark_type = models.CharField(max_length=6, choices=MarkType.choices, null=True, blank=True)
    mark_value = models.TextField(null=True, blank=True)
    # play: text to speak, or a recording's file name when is_recording is "true"
    text = models.TextField(null=True, blank=True)
    gender = models.CharField(max_length=6, choices=GENDERS, null=True, blank=True)
    is_recording = models.CharField(max_length=5, choices=STRING_BOOLEANS, null=True, blank=True)
    # wait: seconds; Paycall rounds a fraction up (ceil)
    sleep = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["route", "order", "pk"]

    def __str__(self) -> str:
        return self.type

    @property
    def wait_seconds(self) -> int | None:
        """Whole seconds a wait lasts: Paycall rounds a fraction up (ceil)."""
        return None if self.sleep is None else math.ceil(self.sleep)


class FlowVersion(models.Model):
    """An immutable, numbered snapshot of a flow's canonical definition."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(help_text="The canonical flow definition.")
    # What the editor keeps beside the definition (language, default retries, canvas
    # layout, variable labels), so that reverting restores the whole flow.
    metadata = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["flow", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="flows_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A published flow version is immutable; publish a new one.")
        super().save(*args, **kwargs)


class Recording(models.Model):
    """An uploaded audio file; flows refer to it by `name` (the Paycall file name)."""

    class Format(models.TextChoices):
        WAV = "wav", "WAV"
        MP3 = "mp3", "MP3"

    name = models.CharField(max_length=200, unique=True)
    file = models.FileField(upload_to="recordings/%Y/%m/")
    format = models.CharField(max_length=3, choices=Format.choices)
    size_bytes = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
