"""Background work of the sandbox: simulating accepted calls and reporting them.

Accepting a call only writes it to the ledger. A sweep of the account, enqueued at
most once a second per process and run a second later, simulates every call accepted
meanwhile: one task per second instead of one per call (iovox sends one call per
request). Each sweep claims its calls first, so sweeps running side by side never
take the same call twice. A claim token begins with the time it was taken, so a
claim whose sweep died is its own expired lease: dialer_site.recovery releases it and
sweeps the account again.
"""

import threading
import time
import uuid
from datetime import timedelta

import requests
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from .callbacks import deliver
from .models import CallState, LedgerCall
from .simulation import simulate_calls

SWEEP_DELAY = timedelta(seconds=1)
SWEEP_BATCH = 2000
# Hex digits of a claim token that hold its time (enough until the year 2106).
CLAIM_TIME_DIGITS = 8
SIMULATED_FIELDS = [
    "state",
    "hangup_cause",
    "start_time",
    "answer_time",
    "hangup_time",
    "duration",
    "billsec",
    "keys_pressed",
    "steps",
    "callback_status",
]

_scheduled_until: dict[int, float] = {}
_schedule_lock = threading.Lock()


def complete_calls(queryset, session: requests.Session | None = None) -> int:
    """Simulate the accepted calls of `queryset`, report them, save their CDRs."""
    calls = list(queryset.filter(state=CallState.ACCEPTED).select_related("account", "request"))
    simulate_calls(calls)
    deliver(calls, session)
    save_simulated(calls)
    return len(calls)


def save_simulated(calls: list[LedgerCall]) -> None:
    """Save the simulated fields: one UPDATE by primary key per call, sent with
    executemany in one transaction. (bulk_update's CASE WHEN over 500 rows costs
    O(n^2) in SQLite and held the write lock for seconds, stalling the emulators.)"""
    if not calls:
        return
    meta = LedgerCall._meta
    fields = [meta.get_field(name) for name in SIMULATED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(call, field.attname), connection) for field in fields]
        + [call.pk]
        for call in calls
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def new_claim(now: float) -> str:
    """A claim token: the claim's time (whole seconds, hex) then random hex."""
    length = LedgerCall._meta.get_field("claim").max_length
    return f"{int(now):0{CLAIM_TIME_DIGITS}x}{uuid.uuid4().hex}"[:length]


def claimed_at(token: str) -> float:
    return float(int(token[:CLAIM_TIME_DIGITS], 16))


def claim_batch(account_pk: int) -> str | None:
    ids = list(
        LedgerCall.objects.filter(
            account_id=account_pk, state=CallState.ACCEPTED, claim=""
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not ids:
        return None
    token = new_claim(time.time())
    LedgerCall.objects.filter(pk__in=ids, claim="").update(claim=token)
    return token


@task()
def sweep_account(account_pk: int) -> int:
    """Simulate and report every accepted, unclaimed call of the account."""
    done = 0
    while (token := claim_batch(account_pk)) is not None:
        # With the account and state, the look-up uses the (account, state, claim)
        # index instead of reading the whole ledger for every batch.
        done += complete_calls(
            LedgerCall.objects.filter(account_id=account_pk, state=CallState.ACCEPTED, claim=token)
        )
    return done


def schedule_sweep(account_pk: int) -> None:
    now = time.monotonic()
    with _schedule_lock:
        if _scheduled_until.get(account_pk, 0.0) > now:
            return
        _scheduled_until[account_pk] = now + SWEEP_DELAY.total_seconds()
    sweep_account.using(run_after=timezone.now() + SWEEP_DELAY).enqueue(account_pk)
