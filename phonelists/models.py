"""Phone lists, their contacts, and the do-not-call list.

A list is uploaded once and imported in the background; its contacts never change
after that (campaigns refer to them and the report must stay true), so a list can
feed many campaigns.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberPolicy(models.TextChoices):
    # phonenumbers' is_valid_number: the number exists in its region's numbering plan.
    REGION = "region", "Valid for its region"
    # The providers' documents define E.164 by its shape: +, 8 to 15 digits.
    E164 = "e164", "Well-formed E.164"


IMPORTED_WITHOUT_NUMBERS = _("Imported, but no usable numbers")
NO_USABLE_NUMBERS = _(
    "No line of this list was imported: each was refused, a duplicate or on the "
    "do-not-call list, so a campaign on it would call no one. See why below."
)


class PhoneList(models.Model):
    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", "Needs column mapping"
        QUEUED = "queued", "Queued"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    name = models.CharField(max_length=200)
    default_country = models.CharField(
        max_length=2, blank=True, help_text="Region of local numbers such as 0541234567."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    number_policy = models.CharField(
        max_length=10, choices=NumberPolicy.choices, default=NumberPolicy.REGION
    )
    # The uploaded file as received, relative to MEDIA_ROOT; the task imports from it.
    source_file = models.CharField(max_length=500)
    original_filename = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=40, blank=True)
    has_header = models.BooleanField(default=False)
    headers = models.JSONField(default=list, blank=True)
    # One role per column: number | cli | dtmf_originator | alternate | variable | ignore,
    # with the variable's name: [{"role": "number", "name": "phone"}, ...].
    mapping = models.JSONField(default=list, blank=True)
    sample_rows = models.JSONField(default=list, blank=True)

    total = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    dnc = models.PositiveIntegerField(default=0)
    dtmf_chars_dropped = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=list, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched after every chunk: an import whose heartbeat stopped was interrupted.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A campaign form lists lists by name: two of one name cannot be told apart.
        constraints = [models.UniqueConstraint(fields=["name"], name="phonelist_unique_name")]

    def __str__(self):
        return self.name

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def has_no_usable_numbers(self) -> bool:
        """Imported, but every line was refused (or a duplicate, or do-not-call): a
        campaign on this list would call no one."""
        return self.status == self.Status.DONE and self.imported == 0 and self.total > 0

    @property
    def warning(self) -> str:
        """What a person should know before using the list; empty when nothing."""
        if self.has_no_usable_numbers:
            return str(NO_USABLE_NUMBERS)
        return ""

    @property
    def status_label(self) -> str:
        """The status as shown: "Imported" is not said of a list with no number."""
        if self.has_no_usable_numbers:
            return str(IMPORTED_WITHOUT_NUMBERS)
        return str(self.get_status_display())

    @property
    def rejected_path(self) -> str:
        return f"phonelists/{self.pk}/rejected.csv"

    def report(self) -> dict:
        """The import report, with the keys of `phonelist_import --json`."""
        return {
            "total": self.total,
            "imported": self.imported,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "dnc": self.dnc,
            "reasons": self.reasons,
            "dtmf_chars_dropped": self.dtmf_chars_dropped,
            "number_policy": self.number_policy,
        }

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.file_size:
            return 0
        return min(99, int(self.bytes_read * 100 / self.file_size))


class Contact(models.Model):
    """One accepted line of a phone list. Written once by the import, never edited."""

    phone_list = models.ForeignKey(
        PhoneList, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    line_number = models.PositiveIntegerField()
    number = models.CharField(max_length=20, help_text="E.164, with the plus sign.")
    cli = models.CharField(max_length=20, blank=True)
    dtmf_originator = models.CharField(max_length=100, blank=True)
    alternates = models.JSONField(default=list, blank=True)
    variables = models.JSONField(default=dict, blank=True)

    class Meta:
        # The only index: contacts are read per list in file order. More indexes
        # would slow the bulk import down.
        indexes = [models.Index(fields=["phone_list", "line_number"], name="contact_list_line")]
        ordering = ["phone_list", "line_number"]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # A report and the campaigns that used a list must stay true to it.
        if not self._state.adding:
            raise ValueError("Contacts are immutable once imported.")
        super().save(*args, **kwargs)


class DoNotCall(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        UPLOAD = "upload", "Uploaded file"
        IVR = "ivr", "IVR mark remove"
        API = "api", "API"

    number = models.CharField(max_length=20, unique=True, help_text="E.164, with the plus sign.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "do-not-call number"

    def __str__(self):
        return self.number
