"""An empty or blank cell is no value: the flow's default applies, through every
provider's builder (issue #14). Measured before: "שלום John Smith מ.", a Phonon key
with "", and iovox's <city></city> (answered 400 "Call Variable x Empty")."""

import datetime as dt
import json

import pytest
from lxml import etree

from providers import provider_for
from providers.building import (
    Contact,
    MissingVariablesError,
    SendSettings,
    missing_variables,
    resolve_variables,
)

CITY_DEFAULT = "העיר שלך"
FLOW = {
    "schema_version": 1,
    "name": "Greeting",
    "count_steps": 1,
    "have_dependency": "true",
    "steps": [
        {
            "step_id": "hello",
            "gender": "female",
            "prompt": "שלום $name$ מ$city$. Press 1.",
            "dtmf_ivr": ["1"],
            "actions": [{"key": "1", "actions": [{"action": "hangup"}]}],
        }
    ],
    "variables": [
        # The flow editor writes "" for a variable with no default.
        {"name": "name", "default": ""},
        {"name": "city", "default": CITY_DEFAULT},
    ],
}
SETTINGS = SendSettings(
    now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    flow_at_provider="ZH0RKJvh",
    return_address="https://example.com/",
)
BLANKS = ["", "   ", "\t", None]


def built(kind: str, city) -> str:
    contact = Contact(number="972501234567", variables={"name": "John Smith", "city": city})
    if kind == "iovox":
        settings = SendSettings(now=SETTINGS.now, flow_at_provider="link123")
    else:
        settings = SETTINGS
    return provider_for(kind).build_calls(FLOW, [contact], settings).body


@pytest.mark.parametrize("city", BLANKS)
def test_resolve_takes_the_default_for_a_blank_cell(city):
    values = resolve_variables(FLOW, {"name": "John", "city": city})
    assert values == {"name": "John", "city": CITY_DEFAULT}


@pytest.mark.parametrize("name", BLANKS)
def test_a_blank_cell_with_no_default_is_missing(name):
    assert missing_variables(FLOW, {"name": name, "city": "Haifa"}) == ["name"]
    with pytest.raises(MissingVariablesError) as error:
        resolve_variables(FLOW, {"name": name})
    assert error.value.names == ["name"]


@pytest.mark.parametrize("city", BLANKS)
def test_paycall_prompt_says_the_default(city):
    body = json.loads(built("paycall", city))
    assert body["ivr"]["steps"][0]["prompt"] == f"שלום John Smith מ{CITY_DEFAULT}. Press 1."


@pytest.mark.parametrize("city", BLANKS)
def test_phonon_key_carries_the_default(city):
    keys = json.loads(built("phonon", city))["calls"][0]["keys"]
    assert {"name": "$flow.key.city", "value": CITY_DEFAULT} in keys
    assert all(key["value"].strip() for key in keys)


@pytest.mark.parametrize("city", BLANKS)
def test_iovox_variable_carries_the_default(city):
    root = etree.fromstring(built("iovox", city).encode())
    assert root.findtext("call_variables/city") == CITY_DEFAULT
    assert all((el.text or "").strip() for el in root.find("call_variables"))
