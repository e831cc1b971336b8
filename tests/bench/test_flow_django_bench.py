"""Benchmarks of the flows Django layer (run by `make bench`, not by `make test`).

Prints the median of several runs for reading and saving a 100-step flow (100 steps,
200 routes, 300 actions) and for the API's flow detail.
"""

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


def median_ms(action) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def report(what: str, milliseconds: float) -> None:
    print(f"\nflow_django bench: {what}: median {milliseconds:.1f} ms over {RUNS} runs")


def test_bench_read_and_save_a_100_step_flow():
    definition = wide_flow(STEPS)
    flow = save_definition(flow=Flow(name="bench", draft_revision=0), definition=definition)
    read = median_ms(lambda: definition_from_flow(flow))
    write = median_ms(lambda: save_definition(flow=flow, definition=definition))
    publish = median_ms(lambda: services.publish_flow(flow=flow))
    report(f"definition_from_flow, {STEPS} steps", read)
    report(f"save_definition, {STEPS} steps", write)
    report(f"publish_flow (read + lint + snapshot), {STEPS} steps", publish)
    assert read < 500 and write < 2000


def test_bench_api_flow_detail(designer):
    flow = save_definition(flow=Flow(name="bench", draft_revision=0), definition=wide_flow(STEPS))
    client = APIClient()
    client.force_authenticate(designer)
    detail = median_ms(lambda: client.get(f"/api/flows/{flow.pk}/"))
    report(f"GET /api/flows/{{id}}/, {STEPS} steps", detail)
    assert detail < 2000
