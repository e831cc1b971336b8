"""When calls may go out: the start time and the calling window.

Pure functions over datetimes; the dispatcher asks `next_send_time` before each batch,
and each provider's builder writes the answer its own way (`SendSettings.due`). The
campaign page and the dispatch tasks ask `next_window_opening` whether a campaign must
wait, so what the page says is what the dispatcher does.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Calls are handed to the provider at most this long before they are due, so that
# pause and cancel still stop them; within it the provider's own scheduling waits.
SCHEDULE_LEAD_SECONDS = 300
# How far ahead to look for the next opening of a calling window.
WINDOW_SEARCH_DAYS = 8
WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
# An opening further away than this is named with its date, not only its weekday: a
# weekday alone would read as this week's.
WEEKDAY_ONLY_WITHIN = dt.timedelta(days=6)


@dataclass(frozen=True)
class CallingWindow:
    """Local times during which calls may be placed (end may be past midnight)."""

    start: dt.time | None = None
    end: dt.time | None = None
    days: tuple[int, ...] = ()  # ISO weekdays; empty = every day

    @property
    def always(self) -> bool:
        return self.start is None and self.end is None and not self.days

    def describe(self) -> str:
        if self.always:
            return "any time"
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.days)) if self.days else "every day"
        if self.start is None:
            return days
        return f"{self.start:%H:%M}–{self.end:%H:%M} {days}"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {name!r}.") from None


def local_to_aware(date: dt.date, time: dt.time, time_zone: str) -> dt.datetime:
    """A date and time typed in the campaign's zone, as an aware datetime."""
    return dt.datetime.combine(date, time).replace(tzinfo=zone(time_zone))


def window_problems(window: CallingWindow) -> dict[str, str]:
    problems = {}
    if (window.start is None) != (window.end is None):
        problems["window_end" if window.end is None else "window_start"] = (
            "Give both the start and the end of the calling window, or neither."
        )
    elif window.start is not None and window.start == window.end:
        problems["window_end"] = "The calling window must not start and end at the same time."
    if any(day not in WEEKDAYS for day in window.days):
        problems["window_days"] = "Weekdays are 1 (Monday) to 7 (Sunday)."
    return problems


def in_window(moment: dt.datetime, window: CallingWindow, time_zone: str) -> bool:
    if window.always:
        return True
    local = moment.astimezone(zone(time_zone))
    if window.start is None or window.end is None:
        return not window.days or local.isoweekday() in window.days
    clock = local.time()
    if window.start < window.end:
        day = local.isoweekday()
        inside = window.start <= clock < window.end
    else:
        # An overnight window belongs to the day it opened on.
        inside = clock >= window.start or clock < window.end
        day = (
            local.isoweekday()
            if clock >= window.start
            else (local - dt.timedelta(days=1)).isoweekday()
        )
    return inside and (not window.days or day in window.days)


def next_opening(moment: dt.datetime, window: CallingWindow, time_zone: str) -> dt.datetime | None:
    """`moment` if the window is open then, else when it next opens (None: never)."""
    if in_window(moment, window, time_zone):
        return moment
    tz = zone(time_zone)
    local = moment.astimezone(tz)
    for offset in range(WINDOW_SEARCH_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        opening = dt.datetime.combine(day, window.start or dt.time(0, 0)).replace(tzinfo=tz)
        if opening > moment and in_window(opening, window, time_zone):
            return opening
    return None


def next_send_time(
    now: dt.datetime, *, start_at: dt.datetime | None, window: CallingWindow, time_zone: str
) -> dt.datetime | None:
    """When the next call may start: not before start_at, and inside the window."""
    earliest = max(now, start_at) if start_at else now
    return next_opening(earliest, window, time_zone)


def may_send_now(now: dt.datetime, due: dt.datetime | None) -> bool:
    return due is not None and (due - now).total_seconds() <= SCHEDULE_LEAD_SECONDS


class CampaignTimes(Protocol):
    """What of a campaign says when it may call (a Campaign, or anything shaped so)."""

    start_at: dt.datetime | None
    window_start: dt.time | None
    window_end: dt.time | None
    window_days: list[int]
    time_zone: str


def window_of(campaign: CampaignTimes) -> CallingWindow:
    return CallingWindow(campaign.window_start, campaign.window_end, tuple(campaign.window_days))


def next_window_opening(campaign: CampaignTimes, now: dt.datetime) -> dt.datetime | None:
    """When the campaign must wait until before its calls may be handed over: its start
    time or its window's next opening, whichever is later; None when it may send now
    (within SCHEDULE_LEAD_SECONDS, where the provider's own scheduling waits).

    A window that never opens (no day of it within WINDOW_SEARCH_DAYS) answers None as
    well: the dispatcher then finds nothing to send, as before, rather than sleeping
    forever.
    """
    due = next_send_time(
        now, start_at=campaign.start_at, window=window_of(campaign), time_zone=campaign.time_zone
    )
    if due is None or may_send_now(now, due):
        return None
    return due


@dataclass(frozen=True)
class Wait:
    """Why a campaign is not calling yet, and until when (for the pages)."""

    at: dt.datetime
    starts: bool  # True: its start time is ahead; False: its calling window is closed
    with_date: bool  # the opening is more than WEEKDAY_ONLY_WITHIN away

    @property
    def date_format(self) -> str:
        return "D Y-m-d H:i" if self.with_date else "D H:i"


def waiting_for(campaign: CampaignTimes, now: dt.datetime) -> Wait | None:
    """What a campaign that has calls left to hand over waits for, if anything."""
    opening = next_window_opening(campaign, now)
    if opening is None:
        return None
    starts = campaign.start_at is not None and campaign.start_at > now
    return Wait(at=opening, starts=starts, with_date=opening - now > WEEKDAY_ONLY_WITHIN)
