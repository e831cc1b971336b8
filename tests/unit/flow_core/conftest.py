import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def load_fixture(relative: str):
    path = FIXTURES / relative
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return path.read_bytes()


@pytest.fixture
def dialer_test():
    return load_fixture("paycall/dialer_test.json")


@pytest.fixture
def key_ranges_steps():
    return load_fixture("paycall/key_ranges_steps.json")


@pytest.fixture
def simple_test():
    return load_fixture("paycall/simple_test.json")
