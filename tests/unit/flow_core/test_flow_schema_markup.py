"""Markup in a flow's keys and step names is refused by validation, in plain words, as
the editor's forms refuse it; the JSON Schema itself refuses it too (for API clients
that read the schema), without refusing names in Hebrew or Russian."""

import copy

from flows import schemas
from flows.validation import validate_definition

FLOW = {
    "schema_version": 1,
    "count_steps": 1,
    "have_dependency": "false",
    "variables": [],
    "steps": [
        {
            "step_id": "menu",
            "prompt": "Press 1.",
            "dtmf_ivr": ["1"],
            "actions": [
                {
                    "key": "1",
                    "actions": [
                        {
                            "action": "call",
                            "params": {
                                "number": "972501234567",
                                "cli": "972301234567",
                                "dtmf_keys": "WW1#",
                            },
                        }
                    ],
                }
            ],
        }
    ],
}


def with_changes(step_id=None, key=None, dtmf_keys=None) -> dict:
    flow = copy.deepcopy(FLOW)
    step = flow["steps"][0]
    route = step["actions"][0]
    if step_id is not None:
        step["step_id"] = step_id
    if key is not None:
        step["dtmf_ivr"] = [key]
        route["key"] = key
    if dtmf_keys is not None:
        route["actions"][0]["params"]["dtmf_keys"] = dtmf_keys
    return flow


def errors(definition: dict) -> list:
    return [f for f in validate_definition(definition) if f.is_error]


def schema_errors(definition: dict) -> list[str]:
    return [e.message for e in schemas.validate(schemas.FLOW_DEFINITION, definition)]


def test_the_flow_is_valid_as_it_is():
    assert errors(FLOW) == [] and schema_errors(FLOW) == []


def test_markup_as_a_key_is_refused_in_plain_words():
    for definition in (with_changes(key="<b>1</b>"), with_changes(dtmf_keys="<b>1</b>")):
        found = errors(definition)
        assert found and all(f.code != "schema-invalid" for f in found)
        assert any("0-9, * and #" in f.message for f in found)
        assert schema_errors(definition)


def test_a_script_tag_as_a_step_id_is_refused_in_plain_words():
    definition = with_changes(step_id="<script>")
    (finding,) = errors(definition)
    assert finding.code == "step-id-invalid"
    assert "letters, digits, dashes and underscores" in finding.message
    assert schema_errors(definition)


def test_step_names_in_any_script_are_still_accepted():
    for name in ("תפריט_ראשי", "меню-1", "step_2"):
        definition = with_changes(step_id=name)
        assert errors(definition) == [] and schema_errors(definition) == [], name
