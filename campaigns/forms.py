"""The campaign creation form: Django fields for the shapes, then every domain check of
campaigns.checks, with each message beside its field."""

import zoneinfo

from django import forms
from django.conf import settings as django_settings

from flows.models import FlowVersion
from phonelists.models import PhoneList

from .checks import CampaignSettings, campaign_problems
from .models import ProviderAccount
from .scheduling import WEEKDAYS, CallingWindow, local_to_aware

TIME_ZONES = sorted(zoneinfo.available_timezones())


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = django_settings.TIME_ZONE
        self.campaign_settings: CampaignSettings | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start_at = None
        if data.get("start_date") or data.get("start_time"):
            if not (data.get("start_date") and data.get("start_time")):
                self.add_error("start_time", "Give both the date and the time, or neither.")
                return data
            start_at = local_to_aware(data["start_date"], data["start_time"], data["time_zone"])
        self.campaign_settings = CampaignSettings(
            name=data["name"],
            flow_version=data["flow_version"],
            account=data["account"],
            phone_list=data["phone_list"],
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
        )
        for name, messages in campaign_problems(self.campaign_settings).items():
            field = name if name in self.fields else None
            if name == "start_at":
                field = "start_date"
            for message in messages:
                self.add_error(field, message)
        return data
