"""The flows list, the preview, simulator and versions tabs, recordings, and who
may do what."""

import io
import json
import struct
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flows import services
from flows.definition import definition_from_flow
from flows.models import Flow, FlowVersion, Recording

from .conftest import FIXTURES, dialer_test
from .test_flow_editor_building import Editor


def wav_bytes(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(struct.pack("<h", 0) * int(8000 * seconds))
    return buffer.getvalue()


# ---------------------------------------------------------------- flows list


def test_the_list_shows_state_and_search_narrows_it(designer_client, foo_bar, designer):
    services.create_flow(name="Opening hours", user=designer)
    services.publish_flow(flow=foo_bar, user=designer, note="first")
    html = designer_client.get(reverse("flows:list")).content.decode()
    assert "Published v1" in html and "never published" in html
    assert "by dana" in html
    found = designer_client.get(
        reverse("flows:list"), {"q": "opening"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="flow-table"
    ).content.decode()
    assert "Opening hours" in found and "Foo bar" not in found
    assert "<html" not in found


def test_create_with_a_blank_name_is_refused_beside_the_field(designer_client):
    response = designer_client.post(reverse("flows:list"), {"name": "", "language": "he"})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not Flow.objects.exists()


def test_import_a_paycall_file_then_export_it_back(designer_client):
    upload = SimpleUploadedFile(
        "dialer_test.json", (FIXTURES / "dialer_test.json").read_bytes(), "application/json"
    )
    response = designer_client.post(
        reverse("flows:import"), {"import-file": upload, "import-name": "Imported"}
    )
    flow = Flow.objects.get(name="Imported")
    assert response.status_code == 302 and response["Location"] == f"/flows/{flow.pk}/"
    ours = designer_client.get(reverse("flows:export", args=[flow.pk]), {"format": "dialer-studio"})
    again = designer_client.post(
        reverse("flows:import"),
        {
            "import-file": SimpleUploadedFile("x.json", ours.content, "application/json"),
            "import-name": "Again",
        },
    )
    assert again.status_code == 302
    copy = Flow.objects.get(name="Again")
    assert definition_from_flow(copy)["steps"] == dialer_test()["ivr"]["steps"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not json", "not JSON"), (b'{"hello": 1}', "")],
)
def test_a_bad_import_file_is_explained(designer_client, content, message):
    upload = SimpleUploadedFile("bad.json", content, "application/json")
    response = designer_client.post(reverse("flows:import"), {"import-file": upload})
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert message in response.content.decode()
    assert not Flow.objects.exists()


def test_duplicate_and_delete_with_confirmation(designer_client, foo_bar):
    response = designer_client.post(reverse("flows:duplicate", args=[foo_bar.pk]))
    copy = Flow.objects.get(name="Foo bar (copy)")
    assert response["Location"] == f"/flows/{copy.pk}/"
    confirm = designer_client.get(reverse("flows:delete", args=[copy.pk]))
    assert "cannot be undone" in confirm.content.decode()
    assert Flow.objects.filter(pk=copy.pk).exists()
    designer_client.post(reverse("flows:delete", args=[copy.pk]))
    assert not Flow.objects.filter(pk=copy.pk).exists()


def test_paycall_export_options_are_checked(designer_client, foo_bar):
    response = designer_client.get(
        reverse("flows:export", args=[foo_bar.pk]),
        {"format": "paycall", "number": "", "return_address": "not a url"},
    )
    assert response.status_code == 422
    assert "Enter a valid URL" in response.content.decode()


# ---------------------------------------------------------------- tabs


def test_preview_shows_every_provider_with_secrets_masked(designer_client, foo_bar):
    html = designer_client.get(reverse("flows:preview", args=[foo_bar.pk])).content.decode()
    for title in ("Paycall dialer", "Paycall simple dialer", "Phonon", "iovox"):
        assert title in html
    assert '<span class="tok-key">&quot;ivr&quot;</span>' in html
    assert '<span class="tok-tag">&lt;link_id</span>' in html
    assert "curl -X POST" in html
    assert "••••••••" in html and "SSSSSSSS" not in html
    # Two steps with keys: the simple dialer does not fit and says why.
    assert "Not available for this flow" in html


def test_simulating_1_then_1_reaches_the_call(designer_client, foo_bar):
    url = reverse("flows:simulator", args=[foo_bar.pk])
    first = designer_client.get(
        url, {"press": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-call"
    )
    html = first.content.decode()
    assert "Goes to step &quot;bar&quot;" in html and "Waiting for a key" in html
    inputs = json.dumps(["1"])
    second = designer_client.get(
        url, {"inputs": inputs, "press": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-call"
    ).content.decode()
    assert "Connects the caller to 053000000" in second
    assert "The call is over." in second and "Steps report" in second
    assert 'data-speak="האם תעקוב אחר הארנב הלבן? 1 - כן, 2 - לא"' in second
    assert 'data-speech-lang="he-IL"' in second


def test_publish_diff_and_revert(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    response = editor.post("publish", data={"note": "First"})
    assert "Published version 1." in response.content.decode()
    editor.post("toggle_key", 1, data={"key": "3"})
    html = designer_client.get(reverse("flows:versions", args=[foo_bar.pk])).content.decode()
    assert "Changes since the last version" in html
    response = editor.post("revert", 1)
    assert "The draft is now what version 1 was." in response.content.decode()
    assert definition_from_flow(Flow.objects.get(pk=foo_bar.pk))["steps"][1]["dtmf_ivr"] == [
        "1",
        "2",
    ]


def test_publishing_a_flow_with_errors_is_refused_with_the_reasons(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    editor.post("delete_step", 1)
    response = editor.post("publish", data={"note": ""}, expect=422)
    assert "cannot be published" in response.content.decode()
    assert not FlowVersion.objects.exists()


# ---------------------------------------------------------------- recordings


def test_upload_listen_rename_and_delete_a_recording(designer_client):
    upload = SimpleUploadedFile("hello.wav", wav_bytes(), "audio/wav")
    response = designer_client.post(reverse("flows:recordings"), {"file": upload})
    assert response.status_code == 302
    recording = Recording.objects.get(name="hello.wav")
    audio = designer_client.get(reverse("flows:recording_audio", args=[recording.pk]))
    assert audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"
    designer_client.post(
        reverse("flows:recording_rename", args=[recording.pk]), {"name": "welcome"}
    )
    recording.refresh_from_db()
    assert recording.name == "welcome.wav"
    designer_client.post(reverse("flows:recording_delete", args=[recording.pk]))
    assert not Recording.objects.exists()


def test_a_recording_in_use_is_not_deleted(designer_client, designer, foo_bar):
    designer_client.post(
        reverse("flows:recordings"),
        {"file": SimpleUploadedFile("hello.wav", wav_bytes(), "audio/wav")},
    )
    editor = Editor(designer_client, foo_bar)
    editor.step(0, step_id="foo", prompt_mode="recording", prompt_recording="hello.wav")
    recording = Recording.objects.get()
    response = designer_client.post(
        reverse("flows:recording_delete", args=[recording.pk]), follow=True
    )
    assert "is used by" in response.content.decode()
    assert Recording.objects.exists()


def test_a_file_that_is_not_audio_is_refused(designer_client):
    upload = SimpleUploadedFile("notes.wav", b"hello there", "audio/wav")
    response = designer_client.post(reverse("flows:recordings"), {"file": upload})
    assert response.status_code == 422
    assert "not a WAV or MP3" in response.content.decode()


# ---------------------------------------------------------------- permissions


def test_a_viewer_reads_the_editor_but_cannot_change_anything(viewer_client, foo_bar):
    html = viewer_client.get(
        reverse("flows:editor", args=[foo_bar.pk]) + "?step=0"
    ).content.decode()
    assert "read only" in html
    assert "Save step" not in html and "+ Add step" not in html
    assert "<fieldset disabled>" in html
    for name, args in [
        ("step", (0,)),
        ("add_step", ()),
        ("toggle_key", (0,)),
        ("add_route", (0,)),
        ("publish", ()),
        ("settings", ()),
        ("variables", ()),
        ("duplicate", ()),
        ("delete", ()),
    ]:
        response = viewer_client.post(reverse(f"flows:{name}", args=[foo_bar.pk, *args]), {})
        assert response.status_code == 403, name
    assert viewer_client.post(reverse("flows:list"), {"name": "x"}).status_code == 403
    assert viewer_client.post(reverse("flows:recordings"), {}).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, foo_bar):
    response = client.get(reverse("flows:editor", args=[foo_bar.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_flow_settings_rename_the_flow_and_switch_to_linear_mode(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    data = {"name": "Renamed", "language": "en", "have_dependency": "false", "max_retries": "5"}
    html = editor.post("settings", data=data).content.decode()
    assert "Saved ✓" in html
    assert '<h1 id="flow-title" hx-swap-oob="true" dir="auto">Renamed</h1>' in html
    assert "connector-next" in html  # the map now chains the steps
    definition = definition_from_flow(Flow.objects.get(pk=foo_bar.pk))
    assert (definition["have_dependency"], definition["max_retries"]) == ("false", 5)
    bad = editor.post("settings", data={**data, "max_retries": "-1"}, expect=422)
    assert "greater than or equal to 0" in bad.content.decode()


def test_variables_are_added_checked_and_deleted(designer_client, foo_bar):
    editor = Editor(designer_client, foo_bar)
    html = editor.post(
        "variables", data={"new-name": "first_name", "new-label": "First name"}
    ).content.decode()
    assert "$first_name$" in html
    bad = editor.post("variables", data={"new-name": "first name"}, expect=422).content.decode()
    assert "Start with a letter" in bad
    twice = editor.post("variables", data={"new-name": "first_name"}, expect=422).content.decode()
    assert "already a variable" in twice
    editor.post("delete_variable", 0)
    assert definition_from_flow(Flow.objects.get(pk=foo_bar.pk))["variables"] == []
