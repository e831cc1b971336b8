"""Demo flows for `make run`: the Paycall seed's IVRs, each with version 1 published.

Idempotent: a demo flow that already exists (by name) is left as it is.
"""

import json
from pathlib import Path

from django.db import transaction

from . import services
from .definition import definition_from_flow, save_definition
from .models import Flow

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
# (name, file in demo_data/, language)
DEMO_FLOWS = (
    ("Demo: foo/bar IVR", "dialer_test.json", "he"),
    ("Demo: age by key ranges", "key_ranges_steps.json", "en"),
    ("Demo: message then hang up", "simple_test.json", "en"),
    ("Demo: clinic appointment reminder", "clinic_reminder.json", "he"),
)
# Canvas: steps left to right in their order, a column apart.
COLUMN_WIDTH = 280.0
FIRST_X = 40.0
ROW_Y = 60.0


def tidy_layout(definition: dict) -> dict:
    return {
        step["step_id"]: {"x": FIRST_X + index * COLUMN_WIDTH, "y": ROW_Y}
        for index, step in enumerate(definition["steps"])
    }


@transaction.atomic
def load_flow(name: str, file_name: str, language: str) -> bool:
    """Import and publish one demo flow; False if it was already there."""
    if Flow.objects.filter(name=name).exists():
        return False
    data = json.loads((DEMO_DATA / file_name).read_text(encoding="utf-8"))
    flow, _ = services.import_flow(data=data, name=name, language=language)
    definition = definition_from_flow(flow)
    definition["layout"] = tidy_layout(definition)
    save_definition(flow=flow, definition=definition)
    services.publish_flow(flow=flow, note="Demo flow")
    return True


def load() -> str:
    created = [
        name for name, file_name, language in DEMO_FLOWS if load_flow(name, file_name, language)
    ]
    existing = len(DEMO_FLOWS) - len(created)
    return f"flows: {len(created)} demo flow(s) created, {existing} already there"
