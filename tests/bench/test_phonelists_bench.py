"""Phone list import benchmark (`make bench`): a million rows (number, cli, dtmf, two
variables) as .csv and .gz, on SQLite and PostgreSQL, with full validation.

Each import runs `manage.py phonelist_import` in its own process against a fresh
database, the way an operator would; the time includes Django's start-up. Memory is
the summed RSS of the command and its worker process, sampled every 20 ms. Figures
are printed and written to test-artifacts/phonelists-bench.json.
"""

import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.bench.phonelists_data import write_list

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("PHONELISTS_BENCH_ROWS", 1_000_000))
RUNS = int(os.environ.get("PHONELISTS_BENCH_RUNS", 3))
BASELINE_ROWS = 100_000
BUDGET_SECONDS = 15.0
BUDGET_MB = 300.0
PG_SERVER = os.environ.get("PHONELISTS_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "dialer_phonelists_bench"
RESULTS: dict = {}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phonelists-bench")
    csv_path = folder / "bench.csv"
    write_list(str(csv_path), ROWS)
    gz_path = folder / "bench.csv.gz"
    with open(csv_path, "rb") as source, gzip.open(gz_path, "wb", compresslevel=6) as target:
        shutil.copyfileobj(source, target)
    baseline_path = folder / "bench-100k.csv"
    with open(csv_path, encoding="utf-8") as source, open(baseline_path, "w") as target:
        for index, line in enumerate(source):
            if index > BASELINE_ROWS:
                break
            target.write(line)
    yield {"folder": folder, ".csv": csv_path, ".gz": gz_path, "baseline": baseline_path}
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    (path / "phonelists-bench.json").write_text(json.dumps(RESULTS, indent=2))


def fresh_database(kind: str, folder: Path) -> dict:
    env = {**os.environ, "MEDIA_ROOT": str(folder / f"media-{kind}"), "DEBUG": "true"}
    if kind == "sqlite":
        path = folder / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    manage(env, "migrate", "--no-input", "-v0")
    return env


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _tree_rss_kb(root_pid: int) -> int:
    """Summed RSS of a process and its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    members, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in members:
                members.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in members)


def timed_import(env: dict, path: Path, name: str) -> dict:
    """Wall seconds, CPU seconds of the command and its worker, peak summed RSS (MB),
    and the printed report of one `phonelist_import` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "phonelist_import", str(path), "--name", name]
    command += ["--default-country", "IL", "--json"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]

    def sample():
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert process.returncode == 0, err[-3000:]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(peak[0] / 1024, 1),
        "report": json.loads(out.strip().splitlines()[-1]),
    }


def last_list_id(env: dict) -> int:
    code = "from phonelists.models import PhoneList; print(PhoneList.objects.latest('pk').pk)"
    return int(manage(env, "shell", "-c", code).strip().splitlines()[-1])


@pytest.mark.parametrize("suffix", [".csv", ".gz"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_million_rows_with_full_validation(data, database, suffix):
    env = fresh_database(database, data["folder"])
    runs = [timed_import(env, data[suffix], f"bench {n}") for n in range(RUNS)]
    seconds = statistics.median(run["seconds"] for run in runs)
    peak_mb = max(run["peak_mb"] for run in runs)
    report = runs[-1]["report"]
    verify = subprocess.run(
        [sys.executable, "-m", "tests.bench.phonelists_verify", str(last_list_id(env))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    checked, invalid = map(int, verify.stdout.split())
    RESULTS[f"{database}{suffix}"] = {"rows": ROWS, "median_seconds": seconds, "runs": runs}
    walls = [run["seconds"] for run in runs]
    cpus = [run["cpu_seconds"] for run in runs]
    print(
        f"\n{database} {suffix}: {ROWS} rows, median {seconds:.2f} s (runs {walls}, CPU {cpus}), "
        f"peak {peak_mb:.0f} MB, imported {report['imported']}, rejected {report['rejected']}, "
        f"duplicates {report['duplicates']}, load average {os.getloadavg()[0]:.1f}"
    )
    assert report["total"] == ROWS
    assert checked == report["imported"] and invalid == 0
    assert seconds <= BUDGET_SECONDS
    assert peak_mb <= BUDGET_MB


def test_against_a_plain_django_import_export_import(data):
    env = fresh_database("sqlite", data["folder"])
    ours = statistics.median(
        timed_import(env, data["baseline"], f"ours {n}")["seconds"] for n in range(3)
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.phonelists_import_export", str(data["baseline"])]
        + [str(BASELINE_ROWS)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "dialer_site.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = float(done.stdout.strip().splitlines()[-1])
    RESULTS["import_export_100k"] = {
        "ours_seconds": round(ours, 2),
        "import_export_seconds": round(theirs, 2),
        "ratio": round(theirs / ours, 1),
    }
    print(
        f"\n{BASELINE_ROWS} rows on SQLite: ours {ours:.2f} s with E.164 validation, "
        f"django-import-export {theirs:.2f} s without: {theirs / ours:.1f} times slower"
    )
    assert ours < theirs
