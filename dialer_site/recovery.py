"""Recovering background work whose worker died (SIGKILL, a lost machine, an OOM kill).

A dead worker leaves its task row RUNNING and its work half done, and nothing else
would ever look at either. Every kind of work therefore has a lease, renewed while it
is alive:

- a phone-list import: `PhoneList.heartbeat_at`, touched after every chunk;
- campaign dispatch: a chain of slices, each slice bounded in time, and each batch's
  own claim lease (campaigns.dispatch reconciles those itself);
- the fetches of a Paycall campaign's CDR file: its task's start, bounded by
  CAMPAIGN_CDR_LEASE_SECONDS (ingest is idempotent, so a second run adds nothing); a
  campaign whose calls still lack their rows and that has no fetch queued (its chain
  broke: a task that failed) gets one (`resume_cdr_fetches`);
- a sandbox sweep: each batch's claim token, which begins with its time.

One periodic task (`dialer_site.tasks.recover_lost_work`, queued when a worker starts
and re-queuing itself) finds work whose lease ran out: it marks the dead task rows
FAILED with the reason, and queues the work again. Every change is a conditional
update, so sweeps on several workers at once act once.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from campaigns.models import Campaign
from campaigns.models.campaigns import PAYCALL_MODES, CampaignState
from campaigns.rounds import lease_margin, lease_seconds
from campaigns.settling import settle_overdue
from campaigns.tasks import (
    CDR_FETCH_DEADLINE_SECONDS,
    CDR_FETCH_WAITS_SECONDS,
    calls_without_cdr_row,
    schedule_cdr_fetch,
    slice_seconds,
    start_dispatch,
)
from phonelists.models import PhoneList
from phonelists.services import import_lease
from phonelists.tasks import import_phone_list
from sandbox.models import CallState, LedgerCall
from sandbox.tasks import claimed_at, sweep_account

logger = logging.getLogger(__name__)

# Each may be overridden by the setting of the same name.
# How often the recovery sweep runs.
RECOVERY_INTERVAL_SECONDS = 30
# A task of a kind not listed below, running this long, is taken for dead.
TASK_LEASE_SECONDS = 3600
# The final CDR collection of a Paycall campaign: one file, or a few hundred of them.
CAMPAIGN_CDR_LEASE_SECONDS = 600
# One batch of sandbox.tasks.SWEEP_BATCH calls: simulated, reported, saved.
SANDBOX_SWEEP_LEASE_SECONDS = 300

IMPORT_TASK = "phonelists.tasks.import_phone_list"
DISPATCH_TASK = "campaigns.tasks.dispatch_campaign"
CDR_TASK = "campaigns.tasks.collect_final_cdrs"
SWEEP_TASK = "sandbox.tasks.sweep_account"
WORKER_LOST = "dialer_site.recovery.WorkerLost"


def _seconds(name: str, default: float) -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, name, default)))


def interval() -> dt.timedelta:
    return _seconds("RECOVERY_INTERVAL_SECONDS", RECOVERY_INTERVAL_SECONDS)


# -- is a running task alive? ---------------------------------------------------------


def _import_alive(row: DBTaskResult, now: dt.datetime) -> bool:

    cutoff = now - import_lease()
    return (
        row.started_at >= cutoff
        or PhoneList.objects.filter(
            pk=row.args_kwargs["args"][0],
            status=PhoneList.Status.IMPORTING,
            heartbeat_at__gte=cutoff,
        ).exists()
    )


def dispatch_lease(campaign_id: int) -> dt.timedelta:
    """A slice stops taking new rounds after its time; the last round may send one
    request and the slice may then fetch one CDR file: each bounded by the account's
    request lease."""

    campaign = Campaign.objects.select_related("account").filter(pk=campaign_id).first()
    request = lease_seconds(campaign.account) if campaign else lease_margin()
    return dt.timedelta(seconds=slice_seconds() + 2 * request)


def _dispatch_alive(row: DBTaskResult, now: dt.datetime) -> bool:
    return row.started_at >= now - dispatch_lease(row.args_kwargs["args"][0])


def _cdr_alive(row: DBTaskResult, now: dt.datetime) -> bool:
    return row.started_at >= now - _seconds(
        "CAMPAIGN_CDR_LEASE_SECONDS", CAMPAIGN_CDR_LEASE_SECONDS
    )


def _sweep_alive(row: DBTaskResult, now: dt.datetime) -> bool:
    cutoff = now - sweep_lease()
    latest = latest_claims().get(row.args_kwargs["args"][0])
    return row.started_at >= cutoff or (latest is not None and latest >= cutoff)


def _other_alive(row: DBTaskResult, now: dt.datetime) -> bool:
    return row.started_at >= now - _seconds("TASK_LEASE_SECONDS", TASK_LEASE_SECONDS)


# -- what recovery does with the work of a dead task -----------------------------------


def _requeue_import(row: DBTaskResult) -> None:
    """An import that died before claiming its list (still queued) is queued again; one
    that died while importing is resumed by `resume_imports`."""

    list_id = row.args_kwargs["args"][0]
    if PhoneList.objects.filter(pk=list_id, status=PhoneList.Status.QUEUED).exists():
        import_phone_list.enqueue(list_id)


def _rerun(row: DBTaskResult) -> None:
    row.task.using(run_after=None).enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


def _nothing(row: DBTaskResult) -> None:
    """Dispatch chains are restarted by `resume_dispatch`, from the campaign's state."""


@dataclass(frozen=True)
class Kind:
    label: str
    alive: Callable[[DBTaskResult, dt.datetime], bool]
    on_lost: Callable[[DBTaskResult], None]


KINDS = {
    IMPORT_TASK: Kind("imports", _import_alive, _requeue_import),
    DISPATCH_TASK: Kind("dispatch", _dispatch_alive, _nothing),
    CDR_TASK: Kind("cdr_collection", _cdr_alive, _rerun),
    SWEEP_TASK: Kind("sandbox_sweeps", _sweep_alive, _rerun),
}
OTHER = Kind("other_tasks", _other_alive, _nothing)


def dead_tasks(now: dt.datetime) -> list[DBTaskResult]:
    """RUNNING task rows whose work has outlived its lease: their worker is gone."""
    return [
        row
        for row in DBTaskResult.objects.running().order_by("started_at")
        if not KINDS.get(row.task_path, OTHER).alive(row, now)
    ]


def fail_dead_tasks(now: dt.datetime) -> Counter:
    """Mark dead task rows FAILED, with the reason, and queue their work again."""
    failed: Counter = Counter()
    for row in dead_tasks(now):
        kind = KINDS.get(row.task_path, OTHER)
        reason = _(
            "The worker running this task stopped without finishing it: no sign of life "
            "since %(started)s. Its work was queued again where it can be resumed."
        ) % {"started": row.started_at.isoformat()}
        # Conditional on RUNNING: another sweep, or the task itself finishing late,
        # may have settled the row meanwhile.
        marked = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=WORKER_LOST,
            traceback=reason,
        )
        if marked:
            logger.warning("Task %s (%s) lost its worker; recovered.", row.pk, row.task_path)
            kind.on_lost(row)
            failed[kind.label] += 1
    return failed


# -- phone-list imports ---------------------------------------------------------------


def stalled_imports(now: dt.datetime):

    return PhoneList.objects.filter(status=PhoneList.Status.IMPORTING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - import_lease())
    )


def resume_imports(now: dt.datetime) -> int:
    """An import whose heartbeat stopped is queued again; the run claims it and starts
    over from a clean slate (phonelists.services.run_phone_list_import)."""

    resumed = 0
    for list_id, heartbeat_at in stalled_imports(now).values_list("pk", "heartbeat_at"):
        # Only the sweep that moves it back to QUEUED queues it.
        if PhoneList.objects.filter(
            pk=list_id, status=PhoneList.Status.IMPORTING, heartbeat_at=heartbeat_at
        ).update(status=PhoneList.Status.QUEUED):
            import_phone_list.enqueue(list_id)
            resumed += 1
    return resumed


# -- campaign dispatch ----------------------------------------------------------------


def lost_chains(now: dt.datetime) -> list[tuple[int, str]]:
    """(campaign, chain) of running campaigns none of whose chain's tasks is waiting or
    running: a worker died after taking a slice and before queuing the next one."""

    running = dict(
        Campaign.objects.filter(state=CampaignState.RUNNING)
        .exclude(dispatch_chain="")
        .values_list("pk", "dispatch_chain")
    )
    if not running:
        return []
    live = {
        tuple(row.args_kwargs["args"][:2])
        for row in DBTaskResult.objects.filter(
            task_path=DISPATCH_TASK,
            status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
        )
        if row.status == TaskResultStatus.READY or _dispatch_alive(row, now)
    }
    return [(pk, chain) for pk, chain in running.items() if (pk, chain) not in live]


def resume_dispatch(now: dt.datetime) -> int:

    return sum(
        start_dispatch(campaign_id, replacing=chain) is not None
        for campaign_id, chain in lost_chains(now)
    )


# -- fetching Paycall's CDR files ------------------------------------------------------


def lost_cdr_fetches(now: dt.datetime) -> list[int]:
    """Paycall campaigns, their last call sent within CDR_FETCH_DEADLINE_SECONDS, with
    calls still lacking their CDR-file row and no fetch queued or alive."""
    recent = now - dt.timedelta(seconds=CDR_FETCH_DEADLINE_SECONDS)
    candidates = list(
        Campaign.objects.filter(mode__in=PAYCALL_MODES, calls__sent_at__gte=recent)
        .values_list("pk", flat=True)
        .distinct()
    )
    if not candidates:
        return []
    live = {
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(
            task_path=CDR_TASK, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
        )
        if row.status == TaskResultStatus.READY or _cdr_alive(row, now)
    }
    return [
        pk
        for pk in candidates
        if pk not in live and calls_without_cdr_row(Campaign(pk=pk)).exists()
    ]


def resume_cdr_fetches(now: dt.datetime) -> int:
    # A minute on: a dispatch slice that just sent calls queues the first fetch when it
    # ends, and this one then stands for it instead of adding a second.
    at = now + dt.timedelta(seconds=CDR_FETCH_WAITS_SECONDS[0])
    return sum(schedule_cdr_fetch(campaign_id, at) for campaign_id in lost_cdr_fetches(now))


# -- sandbox sweeps -------------------------------------------------------------------


def sweep_lease() -> dt.timedelta:
    return _seconds("SANDBOX_SWEEP_LEASE_SECONDS", SANDBOX_SWEEP_LEASE_SECONDS)


def _claims() -> list[tuple[int, str]]:

    return list(
        LedgerCall.objects.filter(state=CallState.ACCEPTED)
        .exclude(claim="")
        .values_list("account_id", "claim")
        .distinct()
    )


def _claim_time(token: str) -> dt.datetime:

    return dt.datetime.fromtimestamp(claimed_at(token), tz=dt.UTC)


def latest_claims() -> dict[int, dt.datetime]:
    latest: dict[int, dt.datetime] = {}
    for account_id, token in _claims():
        taken = _claim_time(token)
        latest[account_id] = max(taken, latest.get(account_id, taken))
    return latest


def stale_claims(now: dt.datetime) -> list[tuple[int, str]]:
    cutoff = now - sweep_lease()
    return [(account, token) for account, token in _claims() if _claim_time(token) < cutoff]


def release_stale_claims(now: dt.datetime) -> int:
    """Calls claimed by a sweep that died are released and their account swept again."""

    released = 0
    for account_id, token in stale_claims(now):
        count = LedgerCall.objects.filter(claim=token, state=CallState.ACCEPTED).update(claim="")
        if count:
            sweep_account.enqueue(account_id)
            released += count
    return released


# -- the sweep and the health report ------------------------------------------------


def sweep(now: dt.datetime | None = None) -> dict:
    """One recovery pass; returns what it recovered."""
    now = now or timezone.now()
    failed = fail_dead_tasks(now)
    return {
        "failed_tasks": dict(failed),
        "imports_resumed": resume_imports(now),
        "chains_restarted": resume_dispatch(now),
        "cdr_fetches_resumed": resume_cdr_fetches(now),
        "sandbox_calls_released": release_stale_claims(now),
        # Calls no dispatch chain looks after (paused or completed campaigns).
        "calls_settled": settle_overdue(now),
    }


def overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Work running longer than its lease, by kind (what the next sweep recovers)."""
    now = now or timezone.now()
    dead = Counter(KINDS.get(row.task_path, OTHER).label for row in dead_tasks(now))
    return {
        "imports": stalled_imports(now).count(),
        "dispatch": len(lost_chains(now)),
        "cdr_collection": dead["cdr_collection"],
        "sandbox_sweeps": len(stale_claims(now)),
        "tasks": sum(dead.values()),
    }
