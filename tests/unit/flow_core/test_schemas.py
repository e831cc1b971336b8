"""The schema files: valid Draft 2020-12, wired together, and strict where the docs are."""

import copy

import pytest
from jsonschema import Draft202012Validator

from flows import schemas
from providers.paycall.importer import import_paycall

from .conftest import load_fixture


@pytest.mark.parametrize("name", schemas.JSON_SCHEMAS)
def test_schema_files_are_valid_draft_2020_12(name):
    schema = schemas.load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_iovox_xsd_loads():
    assert schemas.iovox_xsd() is not None


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        (schemas.PAYCALL_DIALER_REQUEST, "paycall/dialer_test.json"),
        (schemas.PAYCALL_SIMPLE_DIALER_REQUEST, "paycall/simple_test.json"),
        (schemas.PHONON_CREATE_REQUEST, "phonon/create_request.json"),
    ],
)
def test_fixtures_are_valid(name, fixture):
    assert schemas.validate(name, load_fixture(fixture)) == []


def mutate(data, path, value):
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


STEP = ("ivr", "steps", 0)
ACTION = (*STEP, "actions", 0, "actions", 0)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("return_address",), KeyError),
        (("number",), KeyError),
        (("schedule_type",), "minutes"),
        (("max_retries",), 10001),
        (("numbers_from_queue",), True),
        (("ring_timeout",), 0),
        (("ivr", "count_steps"), 0),
        (("ivr", "have_dependency"), "yes"),
        ((*STEP, "gender"), "robot"),
        ((*STEP, "prompt_is_file"), "True"),
        ((*STEP, "dtmf_ivr"), ["1", "A"]),
        ((*STEP, "dtmf_ivr_timeout"), 0),
        ((*STEP, "dtmf_ivr_retries"), -1),
        ((*STEP, "dtmf ivr timeout"), 1),
        ((*STEP, "actions", 0, "key"), {"min": "1#", "max": "3"}),
        ((*ACTION, "params", "gender"), "robot"),
        ((*ACTION, "action"), "dance"),
        ((*STEP, "actions", 1, "actions", 0, "params"), {}),
        (("ivr", "steps", 1, "actions", 0, "actions", 0, "params", "cli"), KeyError),
    ],
)
def test_dialer_schema_rejects(dialer_test, path, value):
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, mutate(dialer_test, path, value))


def test_queue_mode_needs_no_number_and_ignores_one(dialer_test):
    # The document: number is "applicable only if numbers_from_queue is "false"".
    del dialer_test["number"]
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, dialer_test)
    dialer_test["numbers_from_queue"] = "true"
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, dialer_test) == []
    dialer_test["number"] = "972501234567"
    assert schemas.validate(schemas.PAYCALL_DIALER_REQUEST, dialer_test) == []


def test_errors_carry_their_path(dialer_test):
    definition = import_paycall(dialer_test).definition
    definition["steps"][1]["actions"][0]["actions"][0]["params"]["colour"] = "red"
    (error,) = schemas.validate(schemas.FLOW_DEFINITION, definition)
    assert error.path == ("steps", 1, "actions", 0, "actions", 0, "params")
    assert "colour" in error.message


def test_mark_custom_needs_a_value(key_ranges_steps):
    definition = import_paycall(key_ranges_steps).definition
    del definition["steps"][0]["actions"][3]["actions"][0]["params"]["value"]
    assert schemas.validate(schemas.FLOW_DEFINITION, definition)
