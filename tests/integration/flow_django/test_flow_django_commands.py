"""The flow_* management commands, run as call_command runs them."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from flows.definition import definition_from_flow
from flows.models import Flow
from tests.unit.flow_django.support import FIXTURES, two_step_definition

pytestmark = pytest.mark.django_db

SECURITY_ID = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_json(tmp_path, data, name="flow.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_flow_import_prints_the_new_id():
    out, _ = run("flow_import", str(FIXTURES / "dialer_test.json"), "--name", "Seed")
    flow = Flow.objects.get()
    assert out.strip() == str(flow.pk) and flow.name == "Seed"


def test_flow_import_reports_what_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.json"):
        run("flow_import", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{oops", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run("flow_import", str(broken))
    with pytest.raises(CommandError, match="Cannot import"):
        run("flow_import", write_json(tmp_path, {"hello": 1}))
    assert not Flow.objects.exists()


def test_flow_export_both_formats():
    run("flow_import", str(FIXTURES / "dialer_test.json"))
    flow = Flow.objects.get()
    paycall, _ = run("flow_export", str(flow.pk), "--format", "paycall")
    original = json.loads((FIXTURES / "dialer_test.json").read_text(encoding="utf-8"))
    assert json.loads(paycall) == {"max_retries": 3, "ivr": original["ivr"]}
    canonical, _ = run("flow_export", str(flow.pk), "--format", "canonical")
    assert json.loads(canonical) == definition_from_flow(flow)
    with pytest.raises(CommandError, match="no flow with id 999"):
        run("flow_export", "999", "--format", "canonical")


def test_flow_validate_a_good_file_and_a_flow_id(tmp_path):
    out, _ = run("flow_validate", write_json(tmp_path, two_step_definition()))
    assert "No errors" in out
    out, _ = run("flow_validate", str(FIXTURES / "key_ranges_steps.json"))
    assert "No errors" in out
    run("flow_import", str(FIXTURES / "dialer_test.json"))
    out, _ = run("flow_validate", str(Flow.objects.get().pk))
    assert "No errors" in out


def test_flow_validate_exits_1_on_an_error(tmp_path):
    definition = two_step_definition()
    definition["steps"][0]["actions"][0]["actions"][0]["params"]["step_id"] = "nowhere"
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("flow_validate", write_json(tmp_path, definition), stdout=out)
    assert raised.value.returncode == 1
    assert "1 error(s)" in str(raised.value)
    assert "nowhere" in out.getvalue() and 'step "menu"' in out.getvalue()


def test_flow_validate_exits_1_on_json_it_cannot_read(tmp_path):
    with pytest.raises(CommandError) as raised:
        run("flow_validate", write_json(tmp_path, {"hello": "world"}))
    assert raised.value.returncode == 1


def test_flow_compile_each_provider():
    run("flow_import", str(FIXTURES / "dialer_test.json"))
    flow_id = str(Flow.objects.get().pk)
    contact = json.dumps({"number": "972501234567"})
    out, _ = run("flow_compile", flow_id, "--provider", "paycall", "--contact", contact)
    assert json.loads(out)["number"] == "972501234567"
    options = json.dumps({"security_id": SECURITY_ID, "flow_id": "ZH0RKJvh"})
    out, _ = run("flow_compile", flow_id, "--provider", "phonon", "--options", options)
    assert SECURITY_ID not in out
    assert json.loads(out)["flow-id"] == "ZH0RKJvh"
    out, _ = run("flow_compile", flow_id, "--provider", "iovox", "--options", '{"link_id": "l1"}')
    assert out.startswith('<?xml version="1.0" encoding="utf-8"?>')
    with pytest.raises(CommandError, match="simple dialer|message"):
        run("flow_compile", flow_id, "--provider", "paycall_simple")
    with pytest.raises(CommandError, match="--contact is not valid JSON"):
        run("flow_compile", flow_id, "--provider", "paycall", "--contact", "{")
