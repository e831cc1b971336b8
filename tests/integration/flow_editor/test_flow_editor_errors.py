"""Wrong input comes back beside its field (422) and loses nothing; a stale
editor gets a clear conflict (409); a goto to a deleted step is shown where it is."""

import pytest
from django.urls import reverse

from flows.definition import definition_from_flow
from flows.models import Flow

from .test_flow_editor_building import Editor


@pytest.mark.parametrize(
    ("name", "args", "data", "message"),
    [
        ("step", (0,), {"step_id": "two words", "prompt_mode": "text"}, "letters, digits"),
        ("step", (0,), {"step_id": "bar", "prompt_mode": "text"}, "already called"),
        ("step", (0,), {"step_id": "foo", "prompt_mode": "recording"}, "Choose a recording"),
        (
            "step",
            (0,),
            {"step_id": "foo", "prompt_mode": "text", "dtmf_ivr_timeout": "0"},
            "greater",
        ),
        ("toggle_key", (0,), {"key": "1a"}, "Keys are digits"),
        ("add_route", (0,), {"route-kind": "key", "route-key": "11"}, "already has a route"),
        (
            "add_route",
            (0,),
            {"route-kind": "range", "route-key_min": "30", "route-key_max": "20"},
            "must end at",
        ),
        ("add_action", (0, 1), {"n1-type": "goto", "n1-goto_step": ""}, "Choose the step"),
        (
            "add_action",
            (0, 1),
            {"n1-type": "goto", "n1-goto_step": "__new__", "n1-new_step": "bar"},
            "already exists",
        ),
        ("add_action", (0, 1), {"n1-type": "call", "n1-number": "call me"}, "in digits"),
        ("add_action", (0, 1), {"n1-type": "wait", "n1-sleep": ""}, "How many seconds"),
        ("add_action", (0, 1), {"n1-type": "mark", "n1-mark_type": "custom"}, "value to mark"),
    ],
)
def test_invalid_input_comes_back_beside_the_field_and_nothing_is_lost(
    designer_client, foo_bar, name, args, data, message
):
    before = definition_from_flow(foo_bar)
    response = Editor(designer_client, foo_bar).post(name, *args, data=data, expect=422)
    html = response.content.decode()
    assert message in html
    assert 'class="field-error"' in html or 'class="form-error"' in html
    assert definition_from_flow(Flow.objects.get(pk=foo_bar.pk)) == before


def test_a_stale_editor_gets_a_conflict_and_does_not_overwrite(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    stale = editor.revision()
    editor.post("toggle_key", 1, data={"key": "3"})  # someone else's change
    response = designer_client.post(
        reverse("flows:toggle_key", args=[foo_bar.pk, 1]),
        {"revision": stale, "key": "4"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#conflict"
    assert "changed by someone else" in response.content.decode()
    assert "Reload" in response.content.decode()
    keys = definition_from_flow(Flow.objects.get(pk=foo_bar.pk))["steps"][1]["dtmf_ivr"]
    assert keys == ["1", "2", "3"]


def test_a_goto_to_a_deleted_step_is_an_error_shown_at_the_goto(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    response = editor.post("delete_step", 1)
    html = response.content.decode()
    assert "Step “bar” was deleted." in html
    # The problems panel names it and links to the goto's field in step foo.
    assert "goto-" in html
    assert f"/flows/{foo_bar.pk}/steps/0/?focus=id_a1-0-goto_step" in html
    # The map marks foo and draws the dangling goto.
    assert 'class="node node-start node-error"' in html
    assert "missing bar" in html
    panel = designer_client.get(
        reverse("flows:step", args=[foo_bar.pk, 0]),
        {"focus": "id_a1-0-goto_step"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-focus="id_a1-0-goto_step"' in panel
    assert '<option value="bar" selected>bar (deleted step)</option>' in panel
    assert "finding-error" in panel

    # Fixing it: the goto now goes to a new step called bar.
    editor.post(
        "action",
        0,
        1,
        0,
        data={"a1-0-type": "goto", "a1-0-goto_step": "__new__", "a1-0-new_step": "bar"},
    )
    steps = definition_from_flow(Flow.objects.get(pk=foo_bar.pk))["steps"]
    assert [s["step_id"] for s in steps] == ["foo", "bar"]
