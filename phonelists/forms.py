"""Forms of the phone list pages. File checks live in `reading`/`services`; a refusal
comes back as an error beside the file field."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from .columns import ROLES
from .limits import limit
from .models import NumberPolicy, PhoneList

# Names of the regions people here use most; the rest show their code.
_REGION_NAMES = {
    "IL": "Israel",
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "RU": "Russia",
    "UA": "Ukraine",
    "FR": "France",
    "DE": "Germany",
}


def country_choices() -> list[tuple[str, str]]:
    def label(region: str) -> str:
        code = phonenumbers.country_code_for_region(region)
        return f"{_REGION_NAMES.get(region, region)} (+{code})"

    common = [r for r in _REGION_NAMES]
    others = sorted(r for r in phonenumbers.SUPPORTED_REGIONS if r not in _REGION_NAMES)
    return [("", "None: every number has its country code")] + [
        (region, label(region)) for region in common + others
    ]


NUMBER_POLICY_CHOICES = [
    (NumberPolicy.REGION.value, _("Valid for its region (recommended)")),
    (NumberPolicy.E164.value, _("Well-formed E.164: + and 8 to 15 digits")),
]


class PhoneListUploadForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    default_country = forms.ChoiceField(
        choices=country_choices,
        required=False,
        initial="IL",
        label=_("Default country"),
        help_text="Local numbers such as 0541234567 get this country's code.",
    )
    number_policy = forms.ChoiceField(
        choices=NUMBER_POLICY_CHOICES,
        initial=NumberPolicy.REGION.value,
        required=False,
        label=_("Numbers accepted"),
        help_text=_(
            "“Valid for its region” refuses numbers outside the ranges in use in their "
            "country. “Well-formed E.164” accepts any number of the right shape, e.g. "
            "new ranges the check does not know yet. Local numbers need the default "
            "country either way."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel .xlsx (first sheet) or a comma-delimited .csv or .txt (number, cli, "
            "dtmf_originator, then optional columns), or one compressed as .zip or .gz. "
            "With a header row, columns other than the number become variables."
        ),
    )

    def clean_number_policy(self) -> str:
        return self.cleaned_data["number_policy"] or NumberPolicy.REGION.value

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if PhoneList.objects.filter(name=name).exists():
            raise forms.ValidationError(
                _('There is already a phone list called "%(name)s": choose another name.'),
                code="unique",
                params={"name": name},
            )
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        maximum = limit("PHONELIST_MAX_UPLOAD_BYTES")
        if upload.size > maximum:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; at most {maximum} bytes are allowed."
            )
        return upload


class DoNotCallForm(forms.Form):
    numbers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
        help_text="One number a line, or separated by commas: +972501234567, 0501234567 …",
    )
    default_country = forms.ChoiceField(choices=country_choices, required=False, initial="IL")
    reason = forms.CharField(max_length=300, required=False)

    def number_list(self) -> list[str]:
        text = self.cleaned_data["numbers"].replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class DoNotCallUploadForm(forms.Form):
    file = forms.FileField(
        help_text=_("The first column holds the numbers; .xlsx .csv .txt .zip .gz.")
    )
    default_country = forms.ChoiceField(choices=country_choices, required=False, initial="IL")


def mapping_from_post(data, column_count: int) -> list[dict]:
    """The mapping form's fields role_<i> / name_<i> as a mapping list."""
    mapping = []
    for index in range(column_count):
        role = data.get(f"role_{index}", "")
        mapping.append(
            {
                "role": role if role in ROLES else role or "",
                "name": data.get(f"name_{index}", "").strip()[:100],
            }
        )
    return mapping
