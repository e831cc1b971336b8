"""The campaign creation form: Django fields for the shapes, then every domain check of
campaigns.checks, with each message beside its field."""

import dataclasses
import zoneinfo

from django import forms
from django.conf import settings as django_settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flows.models import FlowVersion
from phonelists.models import Contact as ListContact
from phonelists.models import PhoneList
from phonelists.numbers import normalise_number
from providers.building import missing_variables

from .checks import TARGET_FIELDS, CampaignSettings, campaign_problems
from .models import ProviderAccount
from .scheduling import WEEKDAYS, CallingWindow, local_to_aware

TIME_ZONES = sorted(zoneinfo.available_timezones())
# Local numbers typed for a test call are read in the list's country, else this one:
# the people who use Dialer Studio work in Israel.
TEST_CALL_COUNTRY = "IL"
TEST_CALL_NAME = _("Test call to %(number)s")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    flow_version = forms.ModelChoiceField(
        queryset=FlowVersion.objects.select_related("flow").order_by("flow__name", "-number"),
        label="Flow version",
        help_text="A published version; the campaign keeps it even if the flow changes later.",
    )
    account = forms.ModelChoiceField(
        queryset=ProviderAccount.objects.all(), label="Provider account"
    )
    phone_list = forms.ModelChoiceField(
        queryset=PhoneList.objects.filter(status="done").order_by("-created_at"),
        help_text=(
            "Copied when the campaign is created; numbers on the do-not-call list are left out."
        ),
    )
    phonon_flow_id = forms.CharField(
        required=False, max_length=8, label="Phonon flow-id", help_text="Phonon accounts only."
    )
    iovox_link_id = forms.CharField(
        required=False, max_length=100, label="iovox link id", help_text="iovox accounts only."
    )
    cli = forms.CharField(required=False, max_length=32, label="Caller id")
    dtmf_originator = forms.CharField(
        required=False,
        max_length=100,
        label="Keys after answer",
        help_text="0-9, # and *; W waits 1 s, w waits ½ s.",
    )
    max_retries = forms.IntegerField(required=False, min_value=0, label="Retries")
    ring_timeout = forms.IntegerField(required=False, min_value=0, label="Ring timeout (s)")
    retry_wait_time = forms.IntegerField(
        required=False, min_value=0, label="Wait between retries (s)"
    )
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES])
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: start now.",
    )
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    window_start = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        label="Calling window from",
        help_text="Local time; calls outside the window wait.",
    )
    window_end = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Calling window to"
    )
    window_days = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=list(WEEKDAYS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="On these days",
        help_text="None ticked: every day.",
    )
    leave_out_missing = forms.BooleanField(
        required=False,
        label=_("Leave those contacts out"),
        help_text=_(
            "Contacts with no value for a variable the flow gives no default are not "
            "called, and counted as left out. Unticked, the campaign is refused."
        ),
    )
    test_number = forms.CharField(
        required=False,
        max_length=32,
        label=_("Call my number"),
        help_text=_(
            "Before creating the campaign: your phone, in E.164 (+972…) or local to the "
            "list's country. It hears the chosen flow version as the contacts will."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )

    def __init__(self, *args, for_test_call: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = django_settings.TIME_ZONE
        self.campaign_settings: CampaignSettings | None = None
        self.for_test_call = for_test_call
        # A test call needs neither a name nor a list (the list only lends its first
        # contact's values and its country).
        if for_test_call:
            self.fields["name"].required = False
            self.fields["phone_list"].required = False
            self.fields["test_number"].required = True
        self.test_call_number = ""
        self.test_call_values: dict[str, str] = {}
        self.account = self._chosen_account()
        self.target_fields = self._show_flow_choices()

    @property
    def target_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.target_fields]

    def _chosen_account(self) -> ProviderAccount | None:
        source = self.data if self.is_bound else self.initial
        raw = source.get("account") if hasattr(source, "get") else None
        if not raw or not str(raw).isdigit():
            return None
        return ProviderAccount.objects.filter(pk=int(raw)).first()

    def _show_flow_choices(self) -> list[str]:
        """The field naming the flow at the chosen account's provider (both without an
        account, none for Paycall), as a select of the account's flows when it keeps
        some; without any the id is typed by hand."""
        if self.account is None:
            return list(dict.fromkeys(TARGET_FIELDS.values()))
        name = TARGET_FIELDS.get(self.account.kind)
        if name is None:
            return []
        choices = self.account.flow_choices or []
        if choices:
            field = self.fields[name]
            field.widget = forms.Select(
                choices=[("", gettext("Choose a flow…"))]
                + [(c["id"], f"{c['name']} ({c['id']})") for c in choices]
            )
            field.help_text = _("The account's flows at the provider; an admin adds them.")
        return [name]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start_at = None
        phone_list = data.get("phone_list")
        if self.for_test_call:
            self._clean_test_call(data)
        if data.get("start_date") or data.get("start_time"):
            if not (data.get("start_date") and data.get("start_time")):
                self.add_error("start_time", "Give both the date and the time, or neither.")
                return data
            start_at = local_to_aware(data["start_date"], data["start_time"], data["time_zone"])
        self.campaign_settings = CampaignSettings(
            name=data.get("name") or str(TEST_CALL_NAME % {"number": self.test_call_number}),
            flow_version=data["flow_version"],
            account=data["account"],
            phone_list=phone_list,
            cli=data.get("cli") or "",
            dtmf_originator=data.get("dtmf_originator") or "",
            max_retries=data.get("max_retries"),
            ring_timeout=data.get("ring_timeout"),
            retry_wait_time=data.get("retry_wait_time"),
            time_zone=data["time_zone"],
            start_at=start_at,
            window=CallingWindow(
                data.get("window_start"),
                data.get("window_end"),
                tuple(data.get("window_days") or ()),
            ),
            phonon_flow_id=data.get("phonon_flow_id") or "",
            iovox_link_id=data.get("iovox_link_id") or "",
            leave_out_missing=bool(data.get("leave_out_missing")),
        )
        checked = self.campaign_settings
        if self.for_test_call:
            # One number is called, not the list: the list is not checked.
            checked = dataclasses.replace(checked, phone_list=None)
        for name, messages in campaign_problems(checked).items():
            field = name if name in self.fields else None
            if name == "start_at":
                field = "start_date"
            for message in messages:
                self.add_error(field, message)
        return data

    def _clean_test_call(self, data: dict) -> None:
        """The test call's number in E.164, and the values its flow needs: the first
        contact of the chosen list lends its own, so the test sounds like the calls."""
        phone_list = data.get("phone_list")
        country = (phone_list.default_country if phone_list else "") or TEST_CALL_COUNTRY
        verdict = normalise_number(data.get("test_number") or "", country)
        if verdict.e164 is None:
            self.add_error(
                "test_number",
                gettext("This is not a phone number we can call (%(reason)s).")
                % {"reason": verdict.reason},
            )
            return
        self.test_call_number = verdict.e164
        if phone_list is not None:
            first = (
                ListContact.objects.filter(phone_list=phone_list)
                .order_by("line_number")
                .values_list("variables", flat=True)
                .first()
            )
            self.test_call_values = {k: str(v) for k, v in (first or {}).items()}
        missing = missing_variables(data["flow_version"].definition, self.test_call_values)
        if missing:
            self.add_error(
                "test_number",
                gettext(
                    "The flow needs a value for %(names)s and gives no default: choose a "
                    "phone list, whose first contact's values the test call uses."
                )
                % {"names": ", ".join(missing)},
            )
