"""What every dispatch round shares, whichever way a campaign's calls go out: the
round's report, the lease on a claimed batch, the backoff, the calling window.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

# window_of lives with the other calling-window rules; re-exported for older importers.
from campaigns.scheduling import window_of as window_of

# The lease margin may be set with CAMPAIGN_LEASE_MARGIN_SECONDS (tests shorten it).
LEASE_MARGIN_SECONDS = 10
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0


@dataclass
class RoundReport:
    sent: int = 0
    accepted: int = 0
    failed: int = 0
    duplicates: int = 0
    stop: bool = False
    idle: bool = False
    wake_at: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)


def setting(name: str, default):
    return getattr(settings, name, default)


def lease_margin() -> float:
    return float(setting("CAMPAIGN_LEASE_MARGIN_SECONDS", LEASE_MARGIN_SECONDS))


def lease_seconds(account) -> float:
    """How long a claimed batch may stay SENDING before its worker is presumed dead:
    longer than one request can take, so a live worker is never second-guessed."""
    interval = 1.0 / account.calls_per_second if account.calls_per_second else 0.0
    return account.connect_timeout + account.read_timeout + interval + lease_margin()


def replay_delay(account) -> float:
    """Wait before replaying a batch in doubt: a provider still working on a request
    we gave up on must have recorded it by then, or the replay could race it."""
    return account.read_timeout + lease_margin()


def backoff(attempts: int) -> float:
    return min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
