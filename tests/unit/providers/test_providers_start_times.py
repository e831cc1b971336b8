"""Each provider's way of writing a later start, in its builder: Paycall's schedule and
the simple dialer's dial_at, Phonon's start-time in the account's zone, iovox's delay.

A campaign decides only `SendSettings(now=..., due=...)`; each row checks the
provider's own function and that its builder writes just that into the request.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from flows.canonical import normalize
from providers.building import Contact, Schedule, SendSettings
from providers.iovox.builder import delay_minutes
from providers.paycall.dialer import MIN_SCHEDULE_SECONDS, schedule_for
from providers.paycall.simple_dialer import dial_at
from providers.phonon.builder import format_start_time
from providers.registry import provider_for

NOW = dt.datetime(2026, 11, 23, 10, 0, 0, 111000, tzinfo=dt.UTC)
FLOW = normalize({"name": "Start", "steps": [{"step_id": "a", "prompt": "Hi"}]})
CONTACT = Contact(number="972501234567", reference="call-1")


def built(kind: str, due: dt.datetime | None, **settings):
    """The request the kind's builder makes for a campaign due then."""
    return provider_for(kind).build_calls(
        FLOW, [CONTACT], SendSettings(now=NOW, due=due, **settings)
    )


def later(**delta) -> dt.datetime:
    return NOW + dt.timedelta(**delta)


def unix(when: dt.datetime) -> Schedule:
    return Schedule(int(when.timestamp()), "timestamp")


@pytest.mark.parametrize(
    ("due", "schedule"),
    [
        (later(minutes=3), unix(later(minutes=3))),
        (later(seconds=MIN_SCHEDULE_SECONDS), unix(later(seconds=MIN_SCHEDULE_SECONDS))),
        (later(seconds=MIN_SCHEDULE_SECONDS - 1), None),  # too close: Paycall refuses "now"
        (NOW, None),
        (later(minutes=-1), None),
        (None, None),
    ],
)
def test_paycall_schedule_is_a_future_timestamp_or_absent(due, schedule):
    assert schedule_for(NOW, due) == schedule
    assert dial_at(NOW, due) == (schedule.value if schedule else None)
    payload = built("paycall", due, return_address="https://x.test/r").json()
    if schedule is None:
        assert "schedule" not in payload and "schedule_type" not in payload
    else:
        assert (payload["schedule_type"], payload["schedule"]) == ("timestamp", schedule.value)


@pytest.mark.parametrize(
    ("due", "zone", "text"),
    [
        (None, "Asia/Kolkata", "2026-11-23T15:30:00.111Z+05:30"),
        (later(hours=-1), "Asia/Kolkata", "2026-11-23T15:30:00.111Z+05:30"),  # due: now
        (NOW, "UTC", "2026-11-23T10:00:00.111Z+00:00"),
        (later(minutes=90), "America/New_York", "2026-11-23T06:30:00.111Z-05:00"),
        (later(days=1, hours=1), "Asia/Jerusalem", "2026-11-24T13:00:00.111Z+02:00"),
    ],
)
def test_phonon_start_time_in_the_accounts_zone_and_notation(due, zone, text):
    start = SendSettings(now=NOW, due=due).start
    assert start == (due if due is not None and due > NOW else NOW)
    assert format_start_time(start, ZoneInfo(zone)) == text
    request = built("phonon", due, time_zone=zone, flow_at_provider="ZH0RKJvh").json()
    assert [call["start-time"] for call in request["calls"]] == [text]


@pytest.mark.parametrize(
    ("due", "minutes"),
    [
        (later(seconds=61), 2),  # rounded up, so never early
        (later(seconds=60), 1),
        (later(seconds=1), 1),
        (later(minutes=30), 30),
        (NOW, None),
        (later(minutes=-1), None),
        (None, None),
    ],
)
def test_iovox_delay_rounds_up_to_whole_minutes(due, minutes):
    assert delay_minutes(NOW, due) == minutes
    xml = built("iovox", due, flow_at_provider="link123").body
    if minutes is None:
        assert "<delay>" not in xml
    else:
        assert f"<delay>{minutes}</delay>" in xml
