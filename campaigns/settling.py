"""Settling calls the provider never reported on, so that every campaign ends.

Phonon and iovox report a call only to the callback address set in their console;
Paycall's report and CDR file can fail to come too. A call the provider accepted and
never reported on would keep its campaign Running for ever, with nothing to say why.
So, by the account's `no_report_minutes` (N):

- A Phonon or iovox call still Accepted N minutes after it was sent is settled.
- A Paycall call is settled only once a CDR file read after that same deadline still
  lacked it (campaign.cdrs_fetched_at later than sent_at + N): fetching the file is
  how Paycall's results arrive (campaigns.tasks retries it), so the fetch, not the
  clock alone, says that no result is coming.
- Settling gives the call a CDR with outcome "no report from the provider" and source
  "settled", completes the call and notes the count in the campaign's log. A real
  report that arrives later replaces that CDR (campaigns.cdrs_ingest): the provider's
  data wins over our guess.

Settling runs in each dispatch slice of a running campaign (campaigns.tasks, whose
chains the recovery sweep restarts when a worker dies) and, for paused campaigns and
campaigns completed while calls were still open, in the recovery sweep itself
(dialer_site.recovery). Every write is conditional, so two sweeps at once settle a
call once.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import ngettext

from campaigns.callback_urls import account_status_callback_url
from campaigns.cdrs_ingest import SETTLED_SOURCE, cdr_row
from campaigns.models import Call, Campaign, CampaignEvent, Cdr, ProviderAccount
from campaigns.models.accounts import MAX_NO_REPORT_MINUTES
from campaigns.models.campaigns import CallState, CampaignState, Outcome

SETTLE_CHUNK = 2000
# The campaign page explains missing reports once calls have waited this long: a
# provider reports a call within a minute or two of its end.
NOTICE_AFTER_MINUTES = 5


def settle_cutoff(campaign: Campaign, now: dt.datetime) -> dt.datetime | None:
    """Calls sent at or before this moment, still Accepted, are settled; None: none."""
    wait = dt.timedelta(minutes=campaign.account.no_report_minutes)
    if not campaign.is_paycall:
        return now - wait
    if campaign.cdrs_fetched_at is None:
        return None
    return min(now, campaign.cdrs_fetched_at) - wait


def _cause_description(minutes: int) -> str:
    return ngettext(
        "The provider sent no report on this call %(minutes)s minute after it was accepted.",
        "The provider sent no report on this call %(minutes)s minutes after it was accepted.",
        minutes,
    ) % {"minutes": minutes}


@transaction.atomic
def _settle_chunk(campaign: Campaign, calls: list[Call], now: dt.datetime) -> int:
    minutes = campaign.account.no_report_minutes
    rows = []
    for call in calls:
        row = cdr_row(
            campaign,
            call,
            source=SETTLED_SOURCE,
            phone_number=call.number,
            cli=call.cli,
            status=Outcome.NO_REPORT,
        )
        row.cause_description = _cause_description(minutes)
        rows.append(row)
    # A real report that raced in has made the call's CDR already: ours is dropped
    # (the call's CDR is one-to-one) and the call stays as that report left it.
    Cdr.objects.bulk_create(rows, ignore_conflicts=True)
    return Call.objects.filter(pk__in=[c.pk for c in calls], state=CallState.ACCEPTED).update(
        state=CallState.COMPLETED, completed_at=now
    )


def settle_no_report(campaign: Campaign, *, now: dt.datetime | None = None) -> int:
    """Settle the campaign's overdue calls; returns how many."""
    now = now or timezone.now()
    cutoff = settle_cutoff(campaign, now)
    if cutoff is None:
        return 0
    overdue = Call.objects.filter(
        campaign=campaign, state=CallState.ACCEPTED, sent_at__lte=cutoff
    ).order_by("position")
    settled = 0
    while chunk := list(overdue.only("pk", "number", "cli")[:SETTLE_CHUNK]):
        done = _settle_chunk(campaign, chunk, now)
        settled += done
        if not done:
            break  # every call of the chunk was completed meanwhile by its reports
    if settled:
        minutes = campaign.account.no_report_minutes
        CampaignEvent.objects.create(
            campaign=campaign,
            from_state=campaign.state,
            to_state=campaign.state,
            reason=ngettext(
                "%(count)s call had no report from the provider %(minutes)s minutes after "
                "it was accepted; settled as “no report from the provider”.",
                "%(count)s calls had no report from the provider %(minutes)s minutes after "
                "they were accepted; settled as “no report from the provider”.",
                settled,
            )
            % {"count": settled, "minutes": minutes},
        )
    return settled


def campaigns_to_settle(now: dt.datetime):
    """Campaigns with Accepted calls that no dispatch chain looks after: paused ones,
    and ones completed before their last reports came (campaigns.tasks gives up
    waiting after a while). Running campaigns are settled by their own chain."""
    recent = now - dt.timedelta(minutes=MAX_NO_REPORT_MINUTES)
    open_calls = Call.objects.filter(campaign=OuterRef("pk"), state=CallState.ACCEPTED)
    return (
        Campaign.objects.filter(
            Q(state=CampaignState.PAUSED)
            | Q(state=CampaignState.COMPLETED, finished_at__gte=recent)
        )
        .filter(Exists(open_calls))
        .select_related("account")
    )


def settle_overdue(now: dt.datetime | None = None) -> int:
    """The recovery sweep's part: settle what no dispatch chain will."""
    now = now or timezone.now()
    return sum(settle_no_report(campaign, now=now) for campaign in campaigns_to_settle(now))


# -- what the campaign page says about it ------------------------------------------


@dataclass(frozen=True)
class NoReportNotice:
    """Why a campaign's results are missing, and what to configure."""

    account: ProviderAccount
    # Calls waiting for a report longer than NOTICE_AFTER_MINUTES on an account whose
    # callbacks have not been set up or never arrived; 0 when that is not the case.
    waiting: int
    settled: int
    minutes: int
    callback_url: str
    # The account stores no callback_secret, so every callback would be refused.
    needs_secret: bool

    @property
    def shown(self) -> bool:
        return bool(self.waiting or self.settled)


def callbacks_seen(account: ProviderAccount) -> bool:
    """Whether any status callback has reached the account's campaigns. Where callbacks
    work nearly every CDR is one, so the scan stops at once; where none came, the
    account's CDRs are the few settled ones."""
    return Cdr.objects.filter(campaign__account=account, source="callback").exists()


def no_report_notice(campaign: Campaign, *, now: dt.datetime | None = None) -> NoReportNotice:
    now = now or timezone.now()
    account = campaign.account
    needs_secret = not (account.credentials or {}).get("callback_secret")
    waiting = 0
    if (
        not campaign.is_paycall
        and campaign.state in (CampaignState.RUNNING, CampaignState.PAUSED)
        and (needs_secret or not callbacks_seen(account))
    ):
        waiting = Call.objects.filter(
            campaign=campaign,
            state=CallState.ACCEPTED,
            sent_at__lte=now - dt.timedelta(minutes=NOTICE_AFTER_MINUTES),
        ).count()
    settled = Cdr.objects.filter(campaign=campaign, outcome=Outcome.NO_REPORT).count()
    return NoReportNotice(
        account=account,
        waiting=waiting,
        settled=settled,
        minutes=account.no_report_minutes,
        callback_url="" if campaign.is_paycall else account_status_callback_url(account),
        needs_secret=needs_secret and not campaign.is_paycall,
    )
