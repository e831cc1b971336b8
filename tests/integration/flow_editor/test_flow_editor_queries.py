"""Every htmx edit costs the same number of queries on a 10- and a 100-step flow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import make_big_flow

# Session, user, permissions, flow, lock, read (4), save (deletes + bulk inserts),
# recordings: a fixed budget whatever the flow's size.
MAX_QUERIES_PER_EDIT = 40

EDITS = [
    (
        "step",
        (5,),
        {"step_id": "s5", "prompt_mode": "text", "prompt_text": "Hello", "invalid_mode": "text"},
    ),
    ("toggle_key", (5,), {"key": "4"}),
    ("add_route", (5,), {"route-kind": "key", "route-key": "9"}),
    ("add_action", (5, 2), {"n2-type": "wait", "n2-sleep": "1"}),
    ("action", (5, 0, 0), {"a0-0-type": "goto", "a0-0-goto_step": "s7"}),
    ("move_action", (5, 2, 0), {"direction": "down"}),
    ("place_step", (5,), {"x": "10", "y": "20"}),
]


def edit_queries(client, flow, name, args, data) -> int:
    flow.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse(f"flows:{name}", args=[flow.pk, *args]),
            {"revision": flow.draft_revision, **data},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200, response.content.decode()[:2000]
    return len(queries)


@pytest.mark.parametrize(("name", "args", "data"), EDITS)
def test_an_edit_costs_the_same_queries_on_10_and_100_steps(
    designer_client, designer, django_assert_max_num_queries, name, args, data
):
    small, big = make_big_flow(10, designer), make_big_flow(100, designer)
    on_small = edit_queries(designer_client, small, name, args, data)
    with django_assert_max_num_queries(on_small):
        designer_client.post(
            reverse(f"flows:{name}", args=[big.pk, *args]),
            {"revision": big.draft_revision, **data},
            HTTP_HX_REQUEST="true",
        )
    assert on_small <= MAX_QUERIES_PER_EDIT


def test_opening_a_step_costs_the_same_queries_on_10_and_100_steps(
    designer_client, designer, django_assert_max_num_queries
):
    small, big = make_big_flow(10, designer), make_big_flow(100, designer)
    with CaptureQueriesContext(connection) as queries:
        designer_client.get(reverse("flows:step", args=[small.pk, 3]), HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(len(queries)):
        designer_client.get(reverse("flows:step", args=[big.pk, 3]), HTTP_HX_REQUEST="true")
