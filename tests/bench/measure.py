"""Measuring benchmarks on a shared machine (`make bench`).

A wall-clock budget fails whenever a neighbour takes the cores, so each benchmark
measures its floor (the same work done the plainest way) in the same run and asserts
the ratio figure / floor; the issue's absolute targets are printed, not asserted.

CPU time is this process's (`time.process_time()`) for a callable, and the waited-for
children's (`RUSAGE_CHILDREN`, descendants included once reaped) for a subprocess.
PostgreSQL's own CPU is spent in its server processes and is in neither figure.
"""

import os
import resource
import secrets
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

RUNS = int(os.environ.get("BENCH_RUNS", 3))


@dataclass
class Sample:
    """Runs of one piece of work: wall and CPU seconds, load average around them."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    load_start: float = 0.0
    load_end: float = 0.0
    result: Any = None

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def measure(
    function: Callable[..., Any], runs: int = RUNS, setup: Callable[[], Any] | None = None
) -> Sample:
    """Run `function` `runs` times in this process; keeps the last result. With `setup`,
    each run calls function(setup()) and only the function is timed."""
    sample = Sample(load_start=os.getloadavg()[0])
    for _ in range(runs):
        argument = setup() if setup else None
        wall, cpu = time.perf_counter(), time.process_time()
        sample.result = function(argument) if setup else function()
        sample.cpus.append(time.process_time() - cpu)
        sample.walls.append(time.perf_counter() - wall)
    sample.load_end = os.getloadavg()[0]
    return sample


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_subprocess(argv: list[str], runs: int = RUNS, **kwargs) -> Sample:
    """Run a command `runs` times (check=True, output captured as text); the result is
    the last run's CompletedProcess, the CPU that of the command and its children."""
    kwargs = {"capture_output": True, "text": True, "check": True, **kwargs}
    sample = Sample(load_start=os.getloadavg()[0])
    for _ in range(runs):
        wall, cpu = time.perf_counter(), _children_cpu()
        sample.result = subprocess.run(argv, **kwargs)  # noqa: S603
        sample.cpus.append(_children_cpu() - cpu)
        sample.walls.append(time.perf_counter() - wall)
    sample.load_end = os.getloadavg()[0]
    return sample


def report(name: str, figure: Sample, floor: Sample | None = None, target: str = "") -> float:
    """Print one aligned line; return the wall ratio figure / floor (0 without a floor)."""
    ratio = figure.wall / floor.wall if floor else 0.0
    floor_text = f"{floor.wall:8.3f} s" if floor else f"{'-':>10}"
    ratio_text = f"{ratio:6.2f}x" if floor else f"{'-':>7}"
    print(
        f"\n[bench] {name:<38} wall {figure.wall:8.3f} s  cpu {figure.cpu:8.3f} s  "
        f"floor {floor_text}  ratio {ratio_text}  target {target or '-':<12} "
        f"load {figure.load_start:.2f}->{figure.load_end:.2f} ({len(figure.walls)} runs)"
    )
    return ratio


PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def bench_database_name() -> str:
    return f"dialer_bench_{os.getpid()}_{secrets.token_hex(4)}"


@contextmanager
def postgres_database(server: str = PG_SERVER) -> Iterator[str]:
    """A fresh PostgreSQL database named for this run; its URL; dropped afterwards."""
    import psycopg

    name = bench_database_name()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
