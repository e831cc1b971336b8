"""Paycall's CDR CSV into CDR rows: staged in chunks and moved on a writer thread.

Chunks of two rows make every part of the path run several times: causes and steps
cells first seen in a later chunk, an error part-way through, a second ingest of the
same file, a call whose CDR came first from its steps report.
"""

import json

import pytest

from campaigns import cdrs_ingest
from campaigns.cdrs_ingest import ingest_paycall_cdr_csv
from campaigns.models import Call, CampaignEvent, Cdr
from campaigns.models.campaigns import CallState
from phonelists.models import DoNotCall
from providers.paycall.cdrs import CdrFormatError

HEADER = (
    "cli,phone number,start_time,answer_time,hangup_time,duration,billsec,"
    "hangup_cause,unique_campaign_id,steps"
)


def steps_cell(*pairs, mark: str = "") -> str:
    steps = [{"step_name": step, "dtmf": key} for step, key in pairs]
    if mark:
        steps[-1]["mark"] = mark
    return '"' + json.dumps({"steps": steps, "invalid": []}).replace('"', '""') + '"'


def line(number: str, cause: str, steps: str, *, second: int, answered: bool = True) -> str:
    start = f"2026-03-30 14:00:{second:02d}+03"
    answer = start if answered else ""
    billsec = 11 if answered else 0
    return f"031234567,{number},{start},{answer},{start},16,{billsec},{cause},u-1,{steps}"


# Steps cells in the shapes of the document's CDR example: its "},]", and its row
# 972501234564, whose conversion lost a quote (a cell that cannot be read).
TRAILING_COMMA_STEPS = (
    '"{""steps"":[{""dtmf"":""12"",""step_name"":""foo""},],""invalid"":[],""unique_id"":""u-1""}"'
)
UNREADABLE_STEPS = (
    '"{""steps"":[{""dtmf"":""12"",""step_name":""foo""}],""invalid"":[],""unique_id"":""u-1""}"'
)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(cdrs_ingest, "INGEST_CHUNK", 2)


@pytest.fixture
def campaign(draft_campaign):
    Call.objects.filter(campaign=draft_campaign).update(state=CallState.ACCEPTED)
    return draft_campaign


def numbers(campaign) -> list[str]:
    return list(
        Call.objects.filter(campaign=campaign).order_by("position").values_list("number", flat=True)
    )


def csv_file(campaign) -> str:
    n = [number.lstrip("+") for number in numbers(campaign)]
    return "\r\n".join(
        [
            HEADER,
            line(n[0], "NORMAL_CLEARING", steps_cell(("menu", "1")), second=1),
            line(n[1], "NO_ANSWER", '""', second=2, answered=False),
            # A cause and a steps cell first seen in the second and third chunks.
            line(n[2], "USER_BUSY", '""', second=3, answered=False),
            line(n[3], "NORMAL_CLEARING", steps_cell(("menu", "2"), ("confirm", "9")), second=4),
            line(n[4], "NORMAL_CLEARING", steps_cell(("menu", "3"), mark="remove"), second=5),
            # A number that is not one of the campaign's calls is kept, without a call.
            line("972599999999", "CALL_REJECTED", '""', second=6, answered=False),
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_every_row_arrives_with_its_cause_keys_and_call(campaign, small_chunks):
    read = ingest_paycall_cdr_csv(campaign, csv_file(campaign).encode("utf-8-sig"))

    assert read == 6
    cdrs = {cdr.phone_number: cdr for cdr in Cdr.objects.filter(campaign=campaign)}
    n = numbers(campaign)
    assert len(cdrs) == 6
    first = cdrs[n[0]]
    assert (first.q850, first.outcome, first.answered, first.keys) == (
        16,
        "answered",
        True,
        ";menu:1;",
    )
    assert first.cause_description
    assert first.call.number == n[0]
    assert first.start_time.isoformat() == "2026-03-30T11:00:01+00:00"
    assert (first.duration, first.billsec, first.source) == (16, 11, "cdr_csv")
    assert (cdrs[n[1]].q850, cdrs[n[1]].outcome, cdrs[n[1]].answered) == (19, "no_answer", False)
    assert (cdrs[n[2]].q850, cdrs[n[2]].outcome) == (17, "busy")
    assert cdrs[n[3]].keys == ";menu:2;confirm:9;"
    assert cdrs[n[3]].steps["steps"][1] == {"step_name": "confirm", "dtmf": "9"}
    assert cdrs[n[4]].marked_remove
    stranger = cdrs["+972599999999"]
    assert stranger.call is None and stranger.outcome == "rejected"

    states = dict(Call.objects.filter(campaign=campaign).values_list("number", "state"))
    assert [states[number] for number in n[:5]] == [CallState.COMPLETED] * 5
    assert states[n[5]] == CallState.ACCEPTED  # no CDR row for the sixth contact
    assert DoNotCall.objects.filter(number=n[4], source="ivr").exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_file_twice_changes_nothing(campaign, small_chunks):
    data = csv_file(campaign)
    ingest_paycall_cdr_csv(campaign, data)
    before = sorted(Cdr.objects.filter(campaign=campaign).values_list("pk", "phone_number"))

    assert ingest_paycall_cdr_csv(campaign, data) == 6

    after = sorted(Cdr.objects.filter(campaign=campaign).values_list("pk", "phone_number"))
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_a_bad_row_stops_the_file_and_keeps_what_came_before(campaign, small_chunks):
    good = csv_file(campaign).split("\r\n")
    broken = [*good[:5], good[5].replace("2026-03-30 14:00:05+03", "yesterday", 1), good[6]]

    with pytest.raises(CdrFormatError, match=r"Line 6: start_time 'yesterday'"):
        ingest_paycall_cdr_csv(campaign, "\r\n".join(broken))

    # The chunks before the bad line are stored; the fixed file completes the rest.
    assert Cdr.objects.filter(campaign=campaign).count() == 4
    assert ingest_paycall_cdr_csv(campaign, "\r\n".join(good)) == 6
    assert Cdr.objects.filter(campaign=campaign).count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_cdr_from_the_steps_report_gets_the_files_times(campaign, small_chunks):
    call = Call.objects.filter(campaign=campaign).order_by("position").first()
    report = cdrs_ingest.cdr_row(
        campaign,
        call,
        source="steps_report",
        phone_number=call.number,
        hangup_cause="NORMAL_CLEARING",
        steps={"steps": [{"step_name": "menu", "dtmf": "1"}]},
    )
    report.save()

    ingest_paycall_cdr_csv(campaign, csv_file(campaign))

    stored = Cdr.objects.get(call=call)
    assert stored.pk == report.pk
    assert (stored.source, stored.billsec, stored.answered) == ("cdr_csv", 11, True)
    assert Cdr.objects.filter(campaign=campaign).count() == 6


def log_entries_after(campaign, before: set[int]) -> list[str]:
    return list(
        CampaignEvent.objects.filter(campaign=campaign)
        .exclude(pk__in=before)
        .order_by("pk")
        .values_list("reason", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_steps_cell_that_cannot_be_read_costs_only_that_cell(campaign, small_chunks):
    n = [number.lstrip("+") for number in numbers(campaign)]
    lines = csv_file(campaign).split("\r\n")
    lines[2] = line(n[1], "NORMAL_CLEARING", TRAILING_COMMA_STEPS, second=2)
    lines[3] = line(n[2], "NORMAL_CLEARING", UNREADABLE_STEPS, second=3)  # file line 4
    before = set(CampaignEvent.objects.filter(campaign=campaign).values_list("pk", flat=True))

    assert ingest_paycall_cdr_csv(campaign, "\r\n".join(lines)) == 6

    cdrs = {cdr.phone_number: cdr for cdr in Cdr.objects.filter(campaign=campaign)}
    assert len(cdrs) == 6
    lost = cdrs["+" + n[2]]
    assert (lost.steps, lost.keys, lost.answered, lost.billsec) == ({}, "", True, 11)
    assert lost.call.state == CallState.COMPLETED
    assert cdrs["+" + n[1]].keys == ";foo:12;"
    assert cdrs["+" + n[3]].keys == ";menu:2;confirm:9;"
    (entry,) = log_entries_after(campaign, before)
    assert entry.startswith(f"Paycall CDR file, line 4 (+{n[2]}): the steps cell is not JSON")

    # Paycall's file is fetched again and again: the line is logged once.
    assert ingest_paycall_cdr_csv(campaign, "\r\n".join(lines)) == 6
    assert len(log_entries_after(campaign, before)) == 1


@pytest.mark.django_db(transaction=True)
def test_every_line_with_a_cell_that_cannot_be_read_is_logged(campaign, small_chunks):
    n = [number.lstrip("+") for number in numbers(campaign)]
    lines = csv_file(campaign).split("\r\n")
    # The same unreadable steps in two chunks, and a hangup time that is not one.
    lines[1] = line(n[0], "NORMAL_CLEARING", UNREADABLE_STEPS, second=1)
    lines[5] = line(n[4], "NORMAL_CLEARING", UNREADABLE_STEPS, second=5)
    lines[4] = lines[4].replace("2026-03-30 14:00:04+03,16", "later,16")
    before = set(CampaignEvent.objects.filter(campaign=campaign).values_list("pk", flat=True))

    assert ingest_paycall_cdr_csv(campaign, "\r\n".join(lines)) == 6

    cdrs = {cdr.phone_number: cdr for cdr in Cdr.objects.filter(campaign=campaign)}
    assert len(cdrs) == 6
    assert cdrs["+" + n[0]].steps == {} and cdrs["+" + n[4]].steps == {}
    assert not cdrs["+" + n[4]].marked_remove
    kept = cdrs["+" + n[3]]
    assert kept.hangup_time is None and kept.keys == ";menu:2;confirm:9;"
    assert [entry.split(":")[0] for entry in log_entries_after(campaign, before)] == [
        f"Paycall CDR file, line 2 (+{n[0]})",
        f"Paycall CDR file, line 5 (+{n[3]})",
        f"Paycall CDR file, line 6 (+{n[4]})",
    ]


def last_analyze(table: str):
    """When `ANALYZE` last ran on the table (by hand, not by autovacuum)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("threshold", [6, 7])
@pytest.mark.django_db(transaction=True)
def test_a_big_ingest_is_followed_by_analyze(campaign, monkeypatch, threshold):
    """The file's 6 rows against a threshold of 6 (analyzed) and of 7 (not)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dialer_site import db

    monkeypatch.setattr(db, "ANALYZE_AFTER_ROWS", threshold)
    postgres = connection.vendor == "postgresql"
    tables = (Cdr._meta.db_table, Call._meta.db_table)
    before = [last_analyze(table) for table in tables] if postgres else []
    with CaptureQueriesContext(connection) as queries:
        ingest_paycall_cdr_csv(campaign, csv_file(campaign).encode())
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    if not postgres:
        # Skipped on SQLite (dialer_site.db).
        assert analyzed == []
        return
    after = [last_analyze(table) for table in tables]
    if threshold <= 6:
        assert analyzed == [f'ANALYZE "{table}"' for table in tables]
        assert all(
            a is not None and (b is None or a > b) for a, b in zip(after, before, strict=True)
        )
    else:
        assert analyzed == []
        assert after == before
