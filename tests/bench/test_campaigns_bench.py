"""Campaign benchmarks (`make bench`; not part of `make test`):

- 1,000,000 Paycall CDR rows ingested in at most 20 s;
- the CDR table over 1,000,000 CDRs answers in at most 150 ms (p95) with filters;
- a 100,000-contact Phonon campaign fully dispatched in at most 30 s by one worker
  (real processes: the site serving the sandbox, and two `db_worker`s of which only
  one can dispatch, since the campaign has one dispatch chain; the other runs the
  sandbox's simulation of the accepted calls, which is the provider's own work).

Those targets are printed, not asserted: a shared machine misses them for its
neighbours. The ingest asserts its ratio to a floor measured in the same run (the
same file into a bare table: COPY on PostgreSQL, csv + executemany on SQLite); the
CDR table and the dispatch, which have no such floor, assert CPU time with a margin.
On PostgreSQL the server's CPU is in other processes and not counted.
CAMPAIGNS_BENCH_ROWS and CAMPAIGNS_BENCH_CONTACTS make them smaller.
"""

import csv
import datetime as dt
import io
import json
import os
import statistics
import sys
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from campaigns.cdrs_ingest import ingest_paycall_cdr_csv
from campaigns.models import Call, Campaign, Cdr, ProviderAccount
from campaigns.models.campaigns import CallState
from flows.models import Flow, FlowVersion
from tests.bench import measure
from tests.integration.campaigns.conftest import MENU_FLOW
from tests.integration.campaigns.fault_harness import ROOT

ROWS = int(os.environ.get("CAMPAIGNS_BENCH_ROWS", 1_000_000))
INGEST_LIMIT_SECONDS = 20
PAGE_P95_LIMIT_MS = 150
DISPATCH_CONTACTS = int(os.environ.get("CAMPAIGNS_BENCH_CONTACTS", 100_000))
DISPATCH_LIMIT_SECONDS = 30
# Ingest / floor wall ratio, ~1.5x the median seen: SQLite 3.05 (100,000 rows, 3 runs,
# load average 8 on 2 cores; CPU 3.5 s vs a 1.8 s floor); PostgreSQL 27.5 (100,000 rows,
# 3 runs, load average 3.7-2.0: 14.0 s vs 0.51 s for COPY into a bare table; our CPU
# 2.4 s, the rest in the server, not counted).
INGEST_MAX_RATIO = {"sqlite": 4.5, "postgresql": 40.0}
# The CDR table's p95 CPU per page (this process: view, ORM, and SQLite's work).
PAGE_P95_CPU_LIMIT_MS = 2 * PAGE_P95_LIMIT_MS
# CPU seconds of the whole dispatch (harness, migrate, site, both workers): a fixed part
# and a part per 1,000 contacts. Seen: 33.4 s for 5,000 contacts (load average 8; most
# of it start-up). 100,000 contacts within the 30 s target on 2 cores is <= 60 CPU s.
DISPATCH_CPU_FIXED, DISPATCH_CPU_PER_1000 = 60.0, 1.0
FLOOR_TABLE = "bench_cdr_floor"
CAUSES = ("NORMAL_CLEARING", "NORMAL_CLEARING", "NO_ANSWER", "USER_BUSY", "CALL_REJECTED")


def cdr_csv(rows: int, unique_id: str) -> str:
    start = dt.datetime(2026, 3, 30, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    lines = [
        "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,"
        "hangup_cause,unique_campaign_id,steps"
    ]
    for i in range(rows):
        cause = CAUSES[i % len(CAUSES)]
        moment = start + dt.timedelta(seconds=i // 20)
        stamp = moment.isoformat(" ")[:-3]
        answered = cause == "NORMAL_CLEARING"
        steps = (
            f'"{{""steps"":[{{""dtmf"":""{i % 3}"",""step_name"":""menu""}}],""invalid"":[],'
            f'""unique_id"":""{unique_id}""}}"'
            if answered
            else f'"{{""steps"":[],""invalid"":[],""unique_id"":""{unique_id}""}}"'
        )
        lines.append(
            f'"031234567","9725{i:08d}","{stamp}","{stamp if answered else ""}","{stamp}",'
            f'"{16 if answered else 5}","{11 if answered else 0}","{cause}","{unique_id}",{steps}'
        )
    return "\r\n".join(lines) + "\r\n"


def paycall_campaign_with_calls(name: str) -> Campaign:
    """A Paycall campaign with ROWS accepted calls."""
    flow = Flow.objects.create(name=name)
    version = FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
    account = ProviderAccount.objects.create(
        kind="paycall", name=name, credentials={"username": "u", "password": "p"}
    )
    campaign = Campaign.objects.create(
        name=name, flow_version=version, account=account, mode="paycall_queue"
    )
    table = connection.ops.quote_name(Call._meta.db_table)
    insert = (
        f"INSERT INTO {table} (campaign_id, position, idempotency_key, number, "  # noqa: S608
        "alternate_numbers, cli, dtmf_originator, variables, state, steps_report, "
        "provider_ref, duplicate_at_provider, error_code, error_message) "
        "VALUES (%s, %s, %s, %s, '[]', '', '', '{}', %s, '{}', '', %s, '', '')"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            insert,
            [
                (campaign.pk, i, f"{campaign.pk}-{i}", f"+9725{i:08d}", CallState.ACCEPTED, False)
                for i in range(ROWS)
            ],
        )
    return campaign


@pytest.fixture(scope="module")
def million(django_db_setup, django_db_blocker):
    """A Paycall campaign with 1,000,000 calls and their CDRs (made once)."""
    with django_db_blocker.unblock():
        campaign = paycall_campaign_with_calls("Bench table")
        ingest_paycall_cdr_csv(campaign, cdr_csv(ROWS, campaign.paycall_unique_id).encode())
        # Left in place: the test database goes with the session.
        return campaign


@pytest.mark.django_db
def test_cdr_table_over_a_million_cdrs(million, admin_client_role):
    campaign = million
    table = reverse("campaigns:campaign-cdrs", args=[campaign.pk])
    middle = Cdr.objects.filter(campaign=campaign).order_by("pk")[ROWS // 2].pk
    queries = [
        {},
        {"outcome": "answered"},
        {"outcome": "busy"},
        {"hangup_cause": "CALL_REJECTED"},
        {"answered": "no"},
        {"step": "menu", "key": "2"},
        {"key": "1"},
        {"number": "+972500123"},
        {"outcome": "no_answer", "after": str(middle)},
        {"answered": "yes", "step": "menu", "key": "0", "after": str(middle)},
    ]
    client: Client = admin_client_role
    timings, cpu_timings = {}, []
    load_start = os.getloadavg()[0]
    for query in queries:
        client.get(table, query)  # warm up
        runs = []
        for _ in range(10):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(table, query)
            cpu_timings.append((time.process_time() - started_cpu) * 1000)
            runs.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings[json.dumps(query)] = runs
    everything = sorted(t for runs in timings.values() for t in runs)
    p95 = everything[int(len(everything) * 0.95) - 1]
    cpu_p95 = sorted(cpu_timings)[int(len(cpu_timings) * 0.95) - 1]
    for query, runs in timings.items():
        print(f"[bench] CDR table {query}: median {statistics.median(runs):.1f} ms")
    print(
        f"[bench] CDR table over {ROWS:,} CDRs ({connection.vendor}): p95 {p95:.1f} ms wall, "
        f"{cpu_p95:.1f} ms CPU (limit {PAGE_P95_CPU_LIMIT_MS} ms), target "
        f"{PAGE_P95_LIMIT_MS} ms wall; load {load_start:.2f}->{os.getloadavg()[0]:.2f}"
    )
    assert cpu_p95 <= PAGE_P95_CPU_LIMIT_MS


def floor_insert(data: bytes) -> int:
    """The same CDR file into a bare table of text columns, committed per chunk of 5,000
    like the ingest: COPY on PostgreSQL, csv.reader + executemany on SQLite."""
    columns = data[: data.index(b"\r\n")].decode().split(",")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} ({', '.join(c + ' text' for c in columns)})")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {FLOOR_TABLE} FROM STDIN (FORMAT csv, HEADER true)"
            ) as copy:
                copy.write(data)
        else:
            reader = csv.reader(io.StringIO(data.decode()))
            next(reader)
            insert = f"INSERT INTO {FLOOR_TABLE} VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            while chunk := [row for _, row in zip(range(5000), reader, strict=False)]:
                with transaction.atomic():
                    cursor.executemany(insert, chunk)
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")  # noqa: S608
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
    return count


@pytest.mark.django_db(transaction=True)
def test_ingest_a_million_paycall_cdr_rows():
    """Committed chunk by chunk, as the CDR task does (no test transaction around it:
    on PostgreSQL, savepoints inside one long transaction cost more than the rows)."""
    campaigns = []

    def setup():
        campaign = paycall_campaign_with_calls(f"Bench ingest {len(campaigns)}")
        campaigns.append(campaign)
        return campaign, cdr_csv(ROWS, campaign.paycall_unique_id).encode()

    figure = measure.measure(lambda given: ingest_paycall_cdr_csv(*given), setup=setup)
    data = cdr_csv(ROWS, "floor").encode()
    floor = measure.measure(lambda: floor_insert(data))
    ratio = measure.report(
        f"ingest {ROWS:,} Paycall CDRs ({connection.vendor})",
        figure,
        floor,
        f"{INGEST_LIMIT_SECONDS} s",
    )
    campaign = campaigns[-1]
    assert figure.result == ROWS and floor.result == ROWS
    assert Cdr.objects.filter(campaign=campaign).count() == ROWS
    assert not Call.objects.filter(campaign=campaign, state=CallState.ACCEPTED).exists()
    assert ratio <= INGEST_MAX_RATIO[connection.vendor]


def test_phonon_campaign_of_100000_contacts_dispatched_by_one_worker():
    """No floor here yet (the same requests sent straight to the sandbox would need a
    server of their own): the CPU of the harness and of the processes it ran (site,
    workers; SQLite, in-process) is asserted with a margin, wall time printed."""
    sample = measure.measure_subprocess(
        [
            sys.executable,
            "-m",
            "tests.integration.campaigns.fault_harness",
            f"--contacts={DISPATCH_CONTACTS}",
            "--workers=2",
            "--slots=1",
            "--slice=20",
            "--kills=0",
            "--error-rate=0",
            "--timeout-rate=0",
            "--drop-rate=0",
            "--timeout=300",
        ],
        runs=1,
        cwd=ROOT,
        timeout=900,
        check=False,
    )
    completed = sample.result
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    measure.report(
        f"Phonon {DISPATCH_CONTACTS:,} contacts, one worker (harness)",
        sample,
        target=f"{DISPATCH_LIMIT_SECONDS} s",
    )
    cpu_limit = DISPATCH_CPU_FIXED + DISPATCH_CPU_PER_1000 * DISPATCH_CONTACTS / 1000
    print(
        f"[bench] dispatch: {result['seconds']} s from start to finished, "
        f"CPU {sample.cpu:.1f} s (limit {cpu_limit:.0f} s)"
    )
    assert result["finished"], completed.stderr[-2000:]
    assert (result["ledger_calls"], result["lost"], result["duplicated"]) == (
        DISPATCH_CONTACTS,
        0,
        0,
    )
    assert sample.cpu <= cpu_limit
