"""Provider clients against the emulators in a real server process (gunicorn).

Figures printed by `make bench`:
- Phonon: 100,000 calls in 200 requests of 500, in <= 20 s;
- iovox: 10,000 calls, one request each, bounded concurrency, in <= 20 s;
- the client's memory stays flat (requests are built lazily by the product's builders,
  as dispatch builds them, and results are counted as they come back).
Each line also gives the CPU seconds of the client and of the server, and the load
average, because on a shared machine the wall time says as much about the neighbours.
The server uses a fresh SQLite file; BENCH_DATABASE_URL=postgres://... uses PostgreSQL.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from campaigns.models import ProviderAccount
from flows.canonical import normalize
from providers import get_client, provider_for
from providers.base import bounded_map
from providers.building import Contact, SendSettings

ROOT = Path(__file__).resolve().parents[2]
PHONON_REQUESTS = 200
PHONON_CALLS_PER_REQUEST = 500
IOVOX_CALLS = 10_000
LIMIT_SECONDS = 20.0
MAX_RSS_GROWTH_MB = 60
FLOW_ID = "BenchFl1"
SECURITY_ID = "B" * 64
SETUP = f"""
from sandbox import registry
registry.phonon_account(name="bench phonon", flows={{"{FLOW_ID}": "{SECURITY_ID}"}},
                        private_key_pem="", key_bits=2048)
registry.iovox_account(name="bench iovox", username="bench", secure_key="bench-key",
                       links={{"bench-link": []}})
"""

# One variable: a Phonon $flow.key, an iovox call variable.
FLOW = normalize(
    {
        "name": "bench",
        "steps": [{"step_id": "main", "prompt": "Hello $Name$"}],
        "variables": [{"name": "Name"}],
    }
)

pytestmark = pytest.mark.django_db(transaction=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time used so far by the gunicorn workers (children of the master)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def server(django_db_blocker):
    workdir = tempfile.mkdtemp(prefix="providers-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True)
    port = free_port()
    process = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "dialer_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/healthz", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base, process.pid
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


def phonon_requests(account: ProviderAccount, run: str):
    build = provider_for(account.kind).build_calls
    settings = SendSettings(
        now=timezone.now(),
        flow_at_provider=FLOW_ID,
        time_zone=account.time_zone,
        api_version=account.api_version,
    )
    for r in range(PHONON_REQUESTS):
        contacts = [
            Contact(
                number=f"+91{r:04d}{c:06d}",
                variables={"Name": "Bench"},
                reference=f"{run}-{r}-{c}",
            )
            for c in range(PHONON_CALLS_PER_REQUEST)
        ]
        yield build(FLOW, contacts, settings)


class Measure:
    """Wall time, client and server CPU time, and the client's memory growth."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def __enter__(self):
        self.rss = rss_mb()
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.server_cpu = server_cpu_seconds(self.server_pid)
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.server_cpu = server_cpu_seconds(self.server_pid) - self.server_cpu
        self.growth = rss_mb() - self.rss

    def report(self, name: str, calls: int) -> None:
        print(
            f"\n[bench] {name}: {calls:,} calls in {self.wall:.2f} s "
            f"({calls / self.wall:,.0f} calls/s); CPU: client {self.cpu:.1f} s, "
            f"server {self.server_cpu:.1f} s; client RSS growth {self.growth:.1f} MB; "
            f"load average {os.getloadavg()[0]:.1f}"
        )


def test_phonon_sends_100k_calls_in_200_requests(server):
    base, pid = server
    account = ProviderAccount(
        kind="phonon",
        name="bench",
        base_url=f"{base}/sandbox/phonon",
        credentials={"security_ids": {FLOW_ID: SECURITY_ID}},
        read_timeout=60,
    )
    client = get_client(account)
    accepted = 0
    with Measure(pid) as measure:
        requests_ = phonon_requests(account, str(time.time()))
        for result in bounded_map(client.send, requests_, max_workers=4):
            accepted += len(result.accepted)
    measure.report("Phonon", accepted)
    assert accepted == PHONON_REQUESTS * PHONON_CALLS_PER_REQUEST
    assert measure.wall <= LIMIT_SECONDS
    assert measure.growth < MAX_RSS_GROWTH_MB


def iovox_requests(account: ProviderAccount, run: str):
    build = provider_for(account.kind).build_calls
    settings = SendSettings(now=timezone.now(), flow_at_provider="bench-link")
    for n in range(IOVOX_CALLS):
        contact = Contact(
            number=f"+44{n:010d}",
            dtmf_originator="1",
            variables={"Name": "Bench"},
            reference=f"{run}-{n}",
        )
        yield build(FLOW, [contact], settings)


def test_iovox_sends_10k_calls_with_bounded_concurrency(server):
    base, pid = server
    account = ProviderAccount(
        kind="iovox",
        name="bench",
        base_url=f"{base}/sandbox/iovox",
        credentials={"username": "bench", "secure_key": "bench-key"},
        read_timeout=60,
    )
    client = get_client(account)
    accepted = 0
    with Measure(pid) as measure:
        requests_ = iovox_requests(account, str(time.time()))
        for result in bounded_map(client.send, requests_, max_workers=8):
            accepted += len(result.accepted)
    measure.report("iovox", accepted)
    assert accepted == IOVOX_CALLS
    assert measure.wall <= LIMIT_SECONDS
    assert measure.growth < MAX_RSS_GROWTH_MB
