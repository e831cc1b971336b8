"""{% campaign_wait campaign as wait %}: what a campaign waits for before it calls, for
templates/campaigns/campaigns/_waiting.html (the campaign page and the list)."""

from django import template
from django.utils import timezone

from campaigns.dispatch import waiting_for_window
from campaigns.models import Campaign
from campaigns.scheduling import Wait

register = template.Library()


@register.simple_tag
def campaign_wait(campaign: Campaign) -> Wait | None:
    # The same question the dispatch tasks ask, so the page says what they do.
    return waiting_for_window(campaign, timezone.now())
