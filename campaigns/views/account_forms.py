"""The provider account form: settings plus write-only credential fields.

A credential field is never rendered with its stored value; left blank on edit it
keeps what is stored. The fields a kind needs are in models.accounts.credential_fields.
"""

import re
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.flow_choices import clean_flow_choices
from campaigns.models import ProviderAccount
from campaigns.models.accounts import credential_fields
from providers.phonon.builder import is_flow_id, is_security_id
from providers.phonon.encryption import EnvelopeError, load_public_key

KEEP = "Leave blank to keep the stored value."
# Empty rows under the stored flow choices: room to add some without a script; after
# saving, as many empty rows are offered again.
FLOW_CHOICE_BLANK_ROWS = 3
FLOW_CHOICE_ID = "flow_choice_id"
FLOW_CHOICE_NAME = "flow_choice_name"


def parse_security_ids(text: str) -> dict[str, str]:
    """Lines "flow-id security-id" (or "flow-id: security-id") as a dict."""
    bindings = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = re.split(r"[\s:=,]+", line)
        if len(parts) != 2:
            raise forms.ValidationError(
                f"Line {number}: write the flow-id, a space, then its security-id."
            )
        flow_id, security_id = parts
        if not is_flow_id(flow_id):
            raise forms.ValidationError(
                f"Line {number}: the flow-id {flow_id!r} must be 8 letters or digits."
            )
        if not is_security_id(security_id):
            raise forms.ValidationError(
                f"Line {number}: the security-id must be 64 letters or digits."
            )
        bindings[flow_id] = security_id
    return bindings


class ProviderAccountForm(forms.ModelForm):
    username = forms.CharField(
        required=False, help_text="Paycall user name or iovox username. " + KEEP
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Paycall password. " + KEEP,
    )
    secure_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="iovox secure key (sent as the secureKey header). " + KEEP,
    )
    security_ids = forms.CharField(
        label="Phonon flows and security-ids",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text="One flow per line: the 8-character flow-id, a space, its 64-character "
        "security-id (from the flow's Edit Flow page). " + KEEP,
    )
    public_key_pem = forms.CharField(
        label="Phonon RSA public key (PEM)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="For the encrypted API. " + KEEP,
    )
    callback_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Shared secret that signs status callbacks. " + KEEP,
    )

    # Rendered as rows of id + name (flow_choice_id / flow_choice_name); this field
    # only carries their errors to the editor.
    flow_choices = forms.Field(
        required=False,
        widget=forms.HiddenInput,
        label=_("Flows at the provider"),
        help_text=_(
            "Phonon flow-ids or iovox link ids with a name, so that managers pick the "
            "flow by its name on the campaign form. Leave a row empty to remove it."
        ),
    )

    SECRET_FIELDS = (
        "username",
        "password",
        "secure_key",
        "security_ids",
        "public_key_pem",
        "callback_secret",
    )

    class Meta:
        model = ProviderAccount
        fields = ProviderAccount.SETTINGS_FIELDS
        help_texts = {
            "encryption_scheme": "The default (AES-ECB) is what Phonon's sample uses; ECB is "
            "weak, so choose CBC or GCM if Phonon agrees to it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank keeps what is stored (or the default): older clients post without it.
        self.fields["no_report_minutes"].required = False
        # A post without the editor's rows (another client) keeps what is stored.
        if self.is_bound and FLOW_CHOICE_ID in self.data:
            ids = self.data.getlist(FLOW_CHOICE_ID)
            names = self.data.getlist(FLOW_CHOICE_NAME)
            names += [""] * (len(ids) - len(names))
            self.flow_choice_rows = [{"id": i, "name": n} for i, n in zip(ids, names, strict=False)]
        else:
            self.flow_choice_rows = [dict(row) for row in self.instance.flow_choices or []]
        filled = [row for row in self.flow_choice_rows if row["id"] or row["name"]]
        self.flow_choice_rows = filled + [{"id": "", "name": ""}] * FLOW_CHOICE_BLANK_ROWS

    def clean_no_report_minutes(self):
        minutes = self.cleaned_data["no_report_minutes"]
        return self.instance.no_report_minutes if minutes is None else minutes

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                f"{name!r} is not a time zone name (for example Asia/Kolkata)."
            ) from None
        return name

    def clean_security_ids(self):
        text = self.cleaned_data["security_ids"]
        return parse_security_ids(text) if text.strip() else None

    def clean_public_key_pem(self):
        text = self.cleaned_data["public_key_pem"].strip()
        if not text:
            return None
        try:
            load_public_key(text)
        except EnvelopeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text + "\n"

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        credentials = dict(self.instance.credentials or {}) if self.instance.pk else {}
        for name in self.SECRET_FIELDS:
            value = cleaned.get(name)
            if value:
                credentials[name] = value
        choices, problems = clean_flow_choices(kind, self.flow_choice_rows)
        for problem in problems:
            self.add_error("flow_choices", problem)
        self.instance.flow_choices = choices
        needed = credential_fields(kind)
        for name in needed:
            if not credentials.get(name):
                self.add_error(name, "This provider needs it.")
        self.instance.credentials = {
            name: value
            for name, value in credentials.items()
            if name in needed or name == "callback_secret"
        }
        return cleaned
