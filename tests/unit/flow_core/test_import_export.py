"""Paycall JSON -> canonical definition -> Paycall JSON, for every fixture."""

import json

import pytest

from flows import schemas
from flows.canonical import normalize
from providers.paycall.importer import PaycallImportError, export_paycall, import_paycall

from .conftest import load_fixture


def same(a, b) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize(
    ("fixture", "kind", "schema"),
    [
        ("paycall/dialer_test.json", "dialer", schemas.PAYCALL_DIALER_REQUEST),
        ("paycall/key_ranges_steps.json", "steps", None),
        ("paycall/simple_test.json", "simple_dialer", schemas.PAYCALL_SIMPLE_DIALER_REQUEST),
    ],
)
def test_fixture_round_trips_identically(fixture, kind, schema):
    raw = load_fixture(fixture)
    imported = import_paycall(raw)
    assert imported.kind == kind
    assert imported.findings == []
    assert schemas.validate(schemas.FLOW_DEFINITION, imported.definition) == []
    exported = export_paycall(imported)
    assert same(exported, raw)
    if schema:
        assert schemas.validate(schema, exported) == []


def test_ivr_object_round_trips(dialer_test):
    imported = import_paycall(dialer_test["ivr"])
    assert imported.kind == "ivr"
    assert same(export_paycall(imported), dialer_test["ivr"])


def test_import_accepts_json_text(dialer_test):
    imported = import_paycall(json.dumps(dialer_test, ensure_ascii=False).encode())
    assert same(export_paycall(imported), dialer_test)


def test_import_derives_count_steps_and_warns_on_mismatch(dialer_test):
    dialer_test["ivr"]["count_steps"] = 1
    imported = import_paycall(dialer_test)
    assert imported.definition["count_steps"] == 2
    assert [f.code for f in imported.findings] == ["import-count-steps-mismatch"]


def test_import_repairs_field_names_with_spaces(dialer_test):
    step = dialer_test["ivr"]["steps"][0]
    step["dtmf ivr timeout"] = step.pop("dtmf_ivr_timeout")
    step["actions"][1]["actions"][0]["params"] = {"step id": "bar"}
    imported = import_paycall(dialer_test)
    fixed = imported.definition["steps"][0]
    assert fixed["dtmf_ivr_timeout"] == 1
    assert fixed["actions"][1]["actions"][0]["params"] == {"step_id": "bar"}
    assert {f.code for f in imported.findings} == {"import-field-renamed"}


def test_import_drops_unknown_fields_with_a_warning(dialer_test):
    dialer_test["colour"] = "blue"
    dialer_test["ivr"]["steps"][0]["volume"] = 11
    imported = import_paycall(dialer_test)
    assert "volume" not in imported.definition["steps"][0]
    assert [(f.code, f.field, f.step) for f in imported.findings] == [
        ("import-field-unknown", "volume", "foo"),
        ("import-field-unknown", "colour", None),
    ]


def test_import_reads_the_mode_default(dialer_test):
    ivr = dialer_test["ivr"]
    del ivr["have_dependency"]
    imported = import_paycall(ivr)
    assert imported.definition["have_dependency"] == "false"
    assert [f.code for f in imported.findings] == ["import-mode-default"]


def test_import_of_numbers_from_queue_has_no_contact(dialer_test):
    dialer_test["numbers_from_queue"] = "true"
    del dialer_test["number"]
    imported = import_paycall(dialer_test)
    assert imported.contact is None
    assert imported.options.numbers_from_queue is True
    assert same(export_paycall(imported), dialer_test)


def test_import_keeps_dtmf_originator(dialer_test):
    dialer_test["dtmf_originator"] = "w1#113"
    assert same(export_paycall(import_paycall(dialer_test)), dialer_test)


@pytest.mark.parametrize("data", ["not json", "42", '{"foo": 1}', b"[1"])
def test_import_refuses_what_is_not_paycall_json(data):
    with pytest.raises(PaycallImportError):
        import_paycall(data)


def test_canonical_form_is_stable(dialer_test):
    definition = import_paycall(dialer_test).definition
    assert normalize(definition) == definition
    assert list(definition) == [
        "schema_version",
        "name",
        "count_steps",
        "have_dependency",
        "steps",
        "variables",
    ]
