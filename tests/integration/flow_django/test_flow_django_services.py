"""Services: import, publish numbering, revert, duplicate, drafts, recordings."""

import pytest
from django.core.exceptions import ValidationError

from flows import services
from flows.definition import definition_from_flow, read_flow
from flows.models import Action, Flow, FlowVersion, Recording, Step, Variable
from tests.unit.flow_django.support import (
    PAYCALL_FIXTURES,
    fixture_json,
    mp3_bytes,
    two_step_definition,
    upload,
    wav_bytes,
)

pytestmark = pytest.mark.django_db


def test_import_of_the_dialer_request_keeps_the_ivr_and_the_retries(designer):
    original = fixture_json("dialer_test.json")
    flow, findings = services.import_flow(data=original, user=designer, name="Seed")
    assert findings == []
    assert flow.name == "Seed" and flow.created_by == designer
    assert flow.max_retries == 3
    assert services.paycall_export(definition_from_flow(flow)) == {
        "max_retries": 3,
        "ivr": original["ivr"],
    }


def test_import_of_a_steps_array_exports_the_same_steps():
    original = fixture_json("key_ranges_steps.json")
    flow, _ = services.import_flow(data=original)
    assert services.paycall_export(definition_from_flow(flow))["ivr"]["steps"] == original


@pytest.mark.parametrize("fixture", PAYCALL_FIXTURES)
def test_our_canonical_export_imports_to_the_same_flow(fixture):
    first, _ = services.import_flow(data=fixture_json(fixture), language="ru")
    exported = definition_from_flow(first)
    second, _ = services.import_flow(data=exported)
    assert definition_from_flow(second) == exported


def test_import_reports_repaired_field_names():
    steps = fixture_json("key_ranges_steps.json")
    steps[0]["dtmf ivr timeout"] = steps[0].pop("dtmf_ivr_timeout")
    flow, findings = services.import_flow(data=steps)
    assert [f.code for f in findings] == ["import-field-renamed"]
    assert Step.objects.get(flow=flow).dtmf_ivr_timeout == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hello": "world"}, "not a Paycall dialer request"),
        ({"schema_version": 1, "steps": []}, "steps"),
        ("not json {", "not valid JSON"),
    ],
)
def test_import_refuses_what_it_cannot_read(data, message):
    with pytest.raises(ValidationError) as raised:
        services.import_flow(data=data)
    assert any(message in m for m in raised.value.messages)
    assert not Flow.objects.exists()


def test_publish_numbers_versions_per_flow(flow, designer):
    other, _ = services.import_flow(data=fixture_json("key_ranges_steps.json"))
    first = services.publish_flow(flow=flow, user=designer, note="first")
    second = services.publish_flow(flow=flow, user=designer)
    elsewhere = services.publish_flow(flow=other)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.note == "first" and first.created_by == designer
    strict, metadata = read_flow(flow)
    assert first.definition == strict and first.metadata == metadata


def test_a_version_is_immutable(flow):
    version = services.publish_flow(flow=flow)
    version.note = "changed"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_publishing_is_refused_while_lint_finds_errors(flow):
    definition = definition_from_flow(flow)
    definition["steps"][0]["actions"][0]["actions"][0]["params"]["step_id"] = "nowhere"
    services.update_draft(flow=flow, definition=definition, expected_revision=None)
    with pytest.raises(ValidationError) as raised:
        services.publish_flow(flow=flow)
    assert "nowhere" in " ".join(raised.value.messages)
    assert not FlowVersion.objects.exists()


def test_revert_restores_the_draft_and_its_metadata(flow, designer):
    version = services.publish_flow(flow=flow)
    changed = definition_from_flow(flow)
    changed["steps"].pop()
    changed["steps"][0]["actions"].pop(0)
    changed["language"] = "ru"
    changed["max_retries"] = 9
    services.update_draft(flow=flow, definition=changed, expected_revision=None)
    revision = Flow.objects.get(pk=flow.pk).draft_revision
    services.revert_flow(flow=flow, version=version, user=designer, expected_revision=revision)
    flow.refresh_from_db()
    assert flow.draft_revision == revision + 1
    assert definition_from_flow(flow) == two_step_definition()
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_revert_refuses_another_flows_version(flow):
    other, _ = services.import_flow(data=fixture_json("key_ranges_steps.json"))
    with pytest.raises(ValidationError):
        services.revert_flow(flow=flow, version=services.publish_flow(flow=other))


def test_duplicate_copies_everything_under_a_new_name(flow, designer):
    definition = definition_from_flow(flow)
    definition["layout"] = {"menu": {"x": 1.0, "y": 2.0}}
    services.update_draft(flow=flow, definition=definition, expected_revision=None)
    copy = services.duplicate_flow(flow=flow, user=designer)
    assert copy.pk != flow.pk and copy.name == "Reminder (copy)"
    copied = definition_from_flow(copy)
    assert copied == {**definition_from_flow(flow), "name": "Reminder (copy)"}
    assert Variable.objects.filter(flow=copy).count() == 1
    goto = Action.objects.get(route__step__flow=copy, type="goto")
    assert goto.goto_step.flow_id == copy.pk


def test_a_stale_draft_revision_is_a_conflict(flow):
    definition = definition_from_flow(flow)
    services.update_draft(flow=flow, definition=definition, expected_revision=1)
    with pytest.raises(services.DraftConflict) as raised:
        services.update_draft(flow=flow, definition=definition, expected_revision=1)
    assert raised.value.current == 2
    assert "Reload" in str(raised.value)


def test_a_draft_without_metadata_keeps_the_flows_own(flow):
    services.update_settings(flow=flow, revision=None, user=None, fields={"max_retries": 4})
    strict, _ = read_flow(flow)
    services.update_draft(flow=flow, definition=strict, expected_revision=None)
    definition = definition_from_flow(flow)
    assert definition["max_retries"] == 4 and definition["language"] == "en"
    assert definition["variables"][0]["label"] == "First name"


def test_settings_and_variable_changes_bump_the_revision(flow, designer):
    services.update_settings(flow=flow, revision=1, user=designer, fields={"name": "Renamed"})
    added = services.save_variable(
        flow=flow, revision=2, user=designer, position=None, variable={"name": "city"}
    )
    assert (added.value.order, added.value.position) == (1, 1)
    services.delete_variable(flow=flow, revision=3, user=designer, position=1)
    flow.refresh_from_db()
    assert (flow.name, flow.draft_revision) == ("Renamed", 4)


def test_settings_and_variable_changes_refuse_a_stale_draft(flow, designer):
    with pytest.raises(services.DraftConflict):
        services.update_settings(flow=flow, revision=0, user=designer, fields={"name": "x"})
    with pytest.raises(services.DraftConflict):
        services.save_variable(
            flow=flow, revision=0, user=designer, position=None, variable={"name": "city"}
        )
    with pytest.raises(services.DraftConflict):
        services.delete_variable(flow=flow, revision=0, user=designer, position=0)
    flow.refresh_from_db()
    assert (flow.name, flow.draft_revision, flow.variables.count()) == ("Reminder", 1, 1)


def test_a_changed_variable_keeps_its_row(flow, designer):
    """The API addresses variables by id: a change of one leaves every id as it was."""
    ids = list(flow.variables.values_list("pk", flat=True))
    services.save_variable(
        flow=flow, revision=None, user=designer, position=None, variable={"name": "city"}
    )
    services.save_variable(
        flow=flow, revision=None, user=designer, position=0, variable={"default": "Dana"}
    )
    assert list(flow.variables.order_by("order").values_list("pk", flat=True))[:1] == ids
    assert definition_from_flow(flow)["variables"][0] == {
        "name": "first_name",
        "label": "First name",
        "default": "Dana",
    }


# --- recordings -----------------------------------------------------------------


def test_upload_checks_and_measures_the_audio(designer):
    recording = services.upload_recording(
        uploaded_file=upload("welcome.wav", wav_bytes(1.5)), user=designer
    )
    assert (recording.name, recording.format) == ("welcome.wav", "wav")
    assert recording.duration_seconds == pytest.approx(1.5)
    assert recording.file.read() == wav_bytes(1.5)


def test_upload_names_the_file_by_its_content():
    recording = services.upload_recording(
        uploaded_file=upload("x.bin", mp3_bytes(1)), name="greeting"
    )
    assert recording.name == "greeting.mp3"


def test_upload_refuses_a_duplicate_name_and_non_audio():
    services.upload_recording(uploaded_file=upload("a.wav", wav_bytes(0.2)))
    with pytest.raises(ValidationError, match="already exists"):
        services.upload_recording(uploaded_file=upload("a.wav", wav_bytes(0.2)))
    with pytest.raises(ValidationError, match="not a WAV or MP3"):
        services.upload_recording(uploaded_file=upload("b.wav", b"plain text" * 20))
    assert Recording.objects.count() == 1


def flow_playing(name: str, where: str) -> dict:
    definition = two_step_definition()
    menu = definition["steps"][0]
    if where == "prompt":
        menu.update(prompt_is_file="true", prompt=name)
    elif where == "invalid":
        menu.update(dtmf_invalid_text_is_file="true", dtmf_ivr_invalid_text=name)
    else:
        menu["actions"][1]["actions"].insert(
            0, {"action": "play", "params": {"text": name, "is_recording": "true"}}
        )
    return definition


@pytest.mark.parametrize("where", ["prompt", "invalid", "play"])
def test_a_recording_in_use_cannot_be_deleted_or_renamed(flow, where, media_root):
    recording = services.upload_recording(uploaded_file=upload("hello.wav", wav_bytes(0.2)))
    services.update_draft(
        flow=flow, definition=flow_playing("hello.wav", where), expected_revision=None
    )
    with pytest.raises(services.RecordingInUse) as raised:
        services.delete_recording(recording=recording)
    assert 'flow "Reminder" (draft), step "menu"' in str(raised.value)
    with pytest.raises(services.RecordingInUse):
        services.rename_recording(recording=recording, name="other")
    assert Recording.objects.filter(pk=recording.pk).exists()


def test_a_recording_a_published_version_plays_cannot_be_deleted(flow):
    recording = services.upload_recording(uploaded_file=upload("hello.wav", wav_bytes(0.2)))
    services.update_draft(
        flow=flow, definition=flow_playing("hello.wav", "play"), expected_revision=None
    )
    services.publish_flow(flow=flow)
    services.update_draft(flow=flow, definition=two_step_definition(), expected_revision=None)
    with pytest.raises(services.RecordingInUse, match="version 1"):
        services.delete_recording(recording=recording)


def test_an_unused_recording_is_deleted_with_its_file(django_capture_on_commit_callbacks):
    recording = services.upload_recording(uploaded_file=upload("bye.wav", wav_bytes(0.2)))
    path = recording.file.path
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_recording(recording=recording)
    assert not Recording.objects.exists()
    assert not __import__("os").path.exists(path)


def test_rename_an_unused_recording():
    recording = services.upload_recording(uploaded_file=upload("bye.wav", wav_bytes(0.2)))
    services.rename_recording(recording=recording, name="farewell")
    assert Recording.objects.get().name == "farewell.wav"
