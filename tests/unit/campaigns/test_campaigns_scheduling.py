"""Start times and calling windows. How each provider writes a later start is its
builder's: tests/unit/providers/test_providers_start_times.py."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.scheduling import (
    SCHEDULE_LEAD_SECONDS,
    CallingWindow,
    in_window,
    may_send_now,
    next_opening,
    next_send_time,
    window_problems,
)

TZ = "Asia/Jerusalem"
JLM = ZoneInfo(TZ)
WEEKDAYS_9_TO_8 = CallingWindow(dt.time(9), dt.time(20), (1, 2, 3, 4, 5))


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JLM)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (local(2026, 11, 23, 9, 0), True),  # Monday, opening minute
        (local(2026, 11, 23, 19, 59), True),
        (local(2026, 11, 23, 20, 0), False),  # the end is exclusive
        (local(2026, 11, 23, 8, 59), False),
        (local(2026, 11, 28, 12, 0), False),  # Saturday
    ],
)
def test_weekday_window(moment, inside):
    assert in_window(moment, WEEKDAYS_9_TO_8, TZ) is inside


def test_window_is_read_in_the_campaigns_time_zone():
    utc_morning = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # 09:30 in Jerusalem
    assert in_window(utc_morning, WEEKDAYS_9_TO_8, TZ)
    assert not in_window(utc_morning, WEEKDAYS_9_TO_8, "America/New_York")


def test_overnight_window_belongs_to_the_day_it_opened():
    night = CallingWindow(dt.time(22), dt.time(2), (5,))  # Friday night
    assert in_window(local(2026, 11, 28, 1, 0), night, TZ)  # Saturday 01:00
    assert not in_window(local(2026, 11, 29, 1, 0), night, TZ)  # Sunday 01:00


def test_calls_outside_the_window_wait_for_the_next_opening():
    friday_evening = local(2026, 11, 27, 21, 0)
    assert next_opening(friday_evening, WEEKDAYS_9_TO_8, TZ) == local(2026, 11, 30, 9, 0)


def test_next_send_time_is_never_before_the_start():
    now = local(2026, 11, 23, 10, 0)
    start = local(2026, 11, 23, 21, 0)
    due = next_send_time(now, start_at=start, window=WEEKDAYS_9_TO_8, time_zone=TZ)
    assert due == local(2026, 11, 24, 9, 0)
    assert not may_send_now(now, due)
    assert may_send_now(due - dt.timedelta(seconds=SCHEDULE_LEAD_SECONDS), due)


def test_window_checks():
    assert window_problems(CallingWindow(dt.time(9), None)) == {
        "window_end": "Give both the start and the end of the calling window, or neither."
    }
    assert "window_end" in window_problems(CallingWindow(dt.time(9), dt.time(9)))
    assert "window_days" in window_problems(CallingWindow(days=(0, 8)))
    assert window_problems(WEEKDAYS_9_TO_8) == {}
