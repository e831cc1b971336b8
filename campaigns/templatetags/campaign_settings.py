"""The campaign page's settings card (templates/campaigns/campaigns/_settings.html):
what the campaign sends with, in words, from the campaign alone, so that the card
needs no more from the page's view than the campaign it already has."""

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.flow_choices import choice_name
from campaigns.left_out import REASONS
from campaigns.models import Campaign
from campaigns.rounds import window_of

register = template.Library()

LEFT_OUT_LABELS = {
    "do_not_call": _("on the do-not-call list"),
    "invalid": _("invalid"),
    "duplicate": _("duplicates"),
    "missing_variable": _("missing a value the flow needs"),
}


@dataclass(frozen=True)
class SettingRow:
    label: str
    value: str
    # Ids, numbers and keys read left to right inside right-to-left text.
    ltr: bool = False


def setting_rows(campaign: Campaign) -> list[SettingRow]:
    """The card's rows; an unset value says which default applies."""
    provider_default = gettext("the provider's default")
    target = campaign.flow_at_provider
    name = choice_name(campaign.account.flow_choices, target) if target else ""
    rows = [
        SettingRow(gettext("Mode"), campaign.get_mode_display()),
        SettingRow(gettext("Account"), campaign.account.name),
    ]
    if target:
        shown = f"{name} ({target})" if name and name != target else target
        rows.append(SettingRow(gettext("Flow at the provider"), shown, ltr=not name))
    rows += [
        SettingRow(gettext("Caller id"), campaign.cli or provider_default, ltr=bool(campaign.cli)),
        SettingRow(
            gettext("Keys after answer"),
            campaign.dtmf_originator or gettext("none"),
            ltr=bool(campaign.dtmf_originator),
        ),
        SettingRow(
            gettext("Retries"),
            provider_default if campaign.max_retries is None else str(campaign.max_retries),
        ),
        SettingRow(
            gettext("Ring timeout (s)"),
            provider_default if campaign.ring_timeout is None else str(campaign.ring_timeout),
        ),
        SettingRow(gettext("Calling window"), window_of(campaign).describe()),
        SettingRow(gettext("Time zone"), campaign.time_zone, ltr=True),
    ]
    left_out = campaign.left_out or {}
    if not campaign.is_test_call:
        counted = [
            f"{left_out[reason]} {LEFT_OUT_LABELS[reason]}"
            for reason in REASONS
            if left_out.get(reason)
        ]
        rows.append(SettingRow(gettext("Left out of the list"), ", ".join(counted) or "0"))
    return rows


@register.simple_tag
def campaign_setting_rows(campaign: Campaign) -> list[SettingRow]:
    return setting_rows(campaign)
