"""{% no_report_notice campaign as notice %}: why a campaign's reports are missing, for
the campaign page's banner (campaigns/campaigns/_no_report_banner.html). A tag, so the
banner is one include line in the page, whatever view renders it."""

from django import template

from campaigns.models import Campaign
from campaigns.settling import NoReportNotice
from campaigns.settling import no_report_notice as notice_for

register = template.Library()


@register.simple_tag
def no_report_notice(campaign: Campaign) -> NoReportNotice:
    return notice_for(campaign)
