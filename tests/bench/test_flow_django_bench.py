"""Benchmarks of the flows Django layer (run by `make bench`, not by `make test`).

Prints the median of several runs for reading and saving a 100-step flow (100 steps,
200 routes, 300 actions) and for the API's flow detail. The limits are checked on the
process's CPU time (with SQLite the database work is in this process; on PostgreSQL
the server's is not counted), which a shared machine inflates far less than the wall.
"""

import os
import statistics
import time

import pytest
from rest_framework.test import APIClient

from flows import services
from flows.definition import definition_from_flow, save_definition
from flows.models import Flow
from tests.unit.flow_django.support import wide_flow

pytestmark = pytest.mark.django_db
RUNS = 15
STEPS = 100


def median_ms(action) -> tuple[float, float]:
    """(median wall ms, median CPU ms) over RUNS runs."""
    walls, cpus = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - start_cpu) * 1000)
        walls.append((time.perf_counter() - start) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def report(what: str, milliseconds: tuple[float, float]) -> None:
    wall, cpu = milliseconds
    print(
        f"\nflow_django bench: {what}: median {wall:.1f} ms wall, {cpu:.1f} ms CPU over "
        f"{RUNS} runs, load {os.getloadavg()[0]:.2f}"
    )


def test_bench_read_and_save_a_100_step_flow():
    definition = wide_flow(STEPS)
    flow = save_definition(flow=Flow(name="bench", draft_revision=0), definition=definition)
    read = median_ms(lambda: definition_from_flow(flow))
    write = median_ms(lambda: save_definition(flow=flow, definition=definition))
    publish = median_ms(lambda: services.publish_flow(flow=flow))
    report(f"definition_from_flow, {STEPS} steps", read)
    report(f"save_definition, {STEPS} steps", write)
    report(f"publish_flow (read + lint + snapshot), {STEPS} steps", publish)
    assert read[1] < 500 and write[1] < 2000


def test_bench_api_flow_detail(designer):
    flow = save_definition(flow=Flow(name="bench", draft_revision=0), definition=wide_flow(STEPS))
    client = APIClient()
    client.force_authenticate(designer)
    detail = median_ms(lambda: client.get(f"/api/flows/{flow.pk}/"))
    report(f"GET /api/flows/{{id}}/, {STEPS} steps", detail)
    assert detail[1] < 2000
