"""Flows for the editor tests: the seed's foo/bar IVR, and generated big flows."""

import json
from pathlib import Path

import pytest

from flows import services
from flows.definition import save_definition
from flows.models import Flow

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "paycall"


def dialer_test() -> dict:
    return json.loads((FIXTURES / "dialer_test.json").read_text(encoding="utf-8"))


@pytest.fixture
def foo_bar(designer):
    flow, _ = services.import_flow(data=dialer_test(), user=designer, name="Foo bar")
    return flow


def big_definition(step_count: int) -> dict:
    """A graph flow of `step_count` steps: each asks for 1/2/3; 1 goes on, 2 goes
    back to the start, 3 plays a text and hangs up."""
    steps = []
    for number in range(step_count):
        following = f"s{number + 1}" if number + 1 < step_count else "s0"
        steps.append(
            {
                "step_id": f"s{number}",
                "gender": "female",
                "prompt": f"Step {number}: press 1 to go on, 2 to start again, 3 to stop.",
                "dtmf_ivr": ["1", "2", "3"],
                "dtmf_ivr_timeout": 3,
                "actions": [
                    {"key": "1", "actions": [{"action": "goto", "params": {"step_id": following}}]},
                    {"key": "2", "actions": [{"action": "goto", "params": {"step_id": "s0"}}]},
                    {
                        "key": "3",
                        "actions": [
                            {"action": "play", "params": {"text": "Goodbye"}},
                            {"action": "hangup"},
                        ],
                    },
                ],
            }
        )
    layout = {
        f"s{n}": {"x": float(n % 10) * 400, "y": float(n // 10) * 240} for n in range(step_count)
    }
    return {
        "schema_version": 1,
        "name": f"Big flow {step_count}",
        "count_steps": step_count,
        "have_dependency": "true",
        "steps": steps,
        "variables": [],
        "language": "en",
        "layout": layout,
    }


def make_big_flow(step_count: int, user=None) -> Flow:
    flow = Flow(name=f"Big flow {step_count}", draft_revision=0)
    return save_definition(flow=flow, definition=big_definition(step_count), user=user)
