"""The flows REST API: every endpoint, its permissions, and its error answers."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from flows import services
from flows.definition import definition_from_flow
from flows.models import Flow, FlowVersion, Recording
from providers.base import MASK, encode_json
from tests.unit.flow_django.support import fixture_json, mp3_bytes, two_step_definition, wav_bytes

pytestmark = pytest.mark.django_db

SECURITY_ID = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"


def url(flow, action=""):
    base = f"/api/flows/{flow.pk}/"
    return base + (f"{action}/" if action else "")


# --- reading -------------------------------------------------------------------


def test_list_shows_summaries(viewer_api, flow):
    services.publish_flow(flow=flow)
    body = viewer_api.get("/api/flows/").json()
    assert body["count"] == 1
    summary = body["results"][0]
    assert summary["name"] == "Reminder"
    assert summary["step_count"] == 2 and summary["latest_version"] == 1
    assert summary["created_by"] == "dana"


def test_detail_has_rows_and_the_canonical_definition(viewer_api, flow):
    body = viewer_api.get(url(flow)).json()
    assert body["definition"] == two_step_definition()
    menu = body["steps"][0]
    assert menu["step_id"] == "menu" and menu["routes"][0]["key"] == "1"
    goto = menu["routes"][0]["actions"][0]
    assert goto["type"] == "goto" and goto["goto_target"] == "bye"
    assert body["variables"][0]["name"] == "first_name"


def test_anonymous_requests_are_refused(anonymous_api, flow):
    assert anonymous_api.get("/api/flows/").status_code in (401, 403)
    assert anonymous_api.get(url(flow)).status_code in (401, 403)
    assert anonymous_api.post("/api/flows/", {"name": "x"}).status_code in (401, 403)
    assert anonymous_api.get("/api/recordings/").status_code in (401, 403)


def test_a_user_without_a_role_cannot_read(db, flow):
    from django.contrib.auth import get_user_model

    from .conftest import api_client_for

    nobody = get_user_model().objects.create_user("nobody", password="x")
    assert api_client_for(nobody).get("/api/flows/").status_code == 403


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("post", None, {"name": "New"}),
        ("put", "", {"definition": {}, "draft_revision": 1}),
        ("patch", "", {"name": "x"}),
        ("delete", "", None),
        ("post", "validate", {}),
        ("post", "compile", {"provider": "paycall"}),
        ("post", "simulate", {}),
        ("post", "publish", {}),
        ("post", "revert", {"version": 1}),
        ("post", "duplicate", {}),
        ("post", "variables", {"name": "city"}),
    ],
)
def test_a_viewer_may_not_write(viewer_api, flow, method, action, body):
    target = "/api/flows/" if action is None else url(flow, action)
    response = getattr(viewer_api, method)(target, body, format="json")
    assert response.status_code == 403
    assert Flow.objects.get(pk=flow.pk).draft_revision == 1
    assert Flow.objects.count() == 1 and not FlowVersion.objects.exists()


def test_a_viewer_may_not_import_or_upload(viewer_api):
    assert viewer_api.post("/api/flows/import/", [], format="json").status_code == 403
    upload = SimpleUploadedFile("a.wav", wav_bytes(0.1))
    assert viewer_api.post("/api/recordings/", {"file": upload}).status_code == 403
    assert not Flow.objects.exists() and not Recording.objects.exists()


# --- writing the draft ---------------------------------------------------------------


def test_create_an_empty_flow(designer_api):
    response = designer_api.post("/api/flows/", {"name": "Survey", "language": "ru"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Survey" and body["language"] == "ru"
    assert body["draft_revision"] == 1 and body["steps"] == []


def test_create_with_bad_fields_is_a_400_with_field_errors(designer_api):
    response = designer_api.post(
        "/api/flows/", {"name": "", "language": "fr", "max_retries": 20000}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"name", "language", "max_retries"}


def test_put_replaces_the_draft(designer_api, flow):
    definition = two_step_definition(name="Changed")
    definition["steps"][1]["prompt"] = "See you"
    response = designer_api.put(
        url(flow), {"definition": definition, "draft_revision": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["draft_revision"] == 2
    assert body["definition"] == definition


def test_put_with_a_stale_revision_is_a_409(designer_api, flow):
    definition = two_step_definition()
    first = designer_api.put(
        url(flow), {"definition": definition, "draft_revision": 1}, format="json"
    )
    assert first.status_code == 200
    stale = designer_api.put(
        url(flow), {"definition": definition, "draft_revision": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["draft_revision"] == 2
    assert "changed by someone else" in stale.json()["detail"]


@pytest.mark.parametrize(
    "definition",
    [
        {"schema_version": 1, "steps": []},
        two_step_definition(have_dependency="yes"),
        two_step_definition(language="fr"),
        two_step_definition(layout={"menu": {"x": "left"}}),
        ["not", "an", "object"],
    ],
)
def test_put_of_an_invalid_definition_is_a_400(designer_api, flow, definition):
    response = designer_api.put(
        url(flow), {"definition": definition, "draft_revision": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["definition"]
    assert Flow.objects.get(pk=flow.pk).draft_revision == 1


def test_put_of_duplicate_step_ids_is_a_400_not_a_500(designer_api, flow):
    definition = two_step_definition()
    definition["steps"][1]["step_id"] = "menu"
    response = designer_api.put(
        url(flow), {"definition": definition, "draft_revision": 1}, format="json"
    )
    assert response.status_code == 400
    assert "unique" in json.dumps(response.json())


def test_patch_changes_settings_with_a_revision_check(designer_api, flow):
    response = designer_api.patch(
        url(flow), {"name": "Renamed", "max_retries": 2, "draft_revision": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["definition"]["max_retries"] == 2
    stale = designer_api.patch(url(flow), {"name": "Again", "draft_revision": 1}, format="json")
    assert stale.status_code == 409
    assert Flow.objects.get(pk=flow.pk).name == "Renamed"


def test_delete_a_flow(designer_api, flow):
    assert designer_api.delete(url(flow)).status_code == 204
    assert not Flow.objects.exists()


def test_variables_crud(designer_api, viewer_api, flow):
    base = url(flow, "variables")
    created = designer_api.post(base, {"name": "city", "label": "City"}, format="json")
    assert created.status_code == 201
    variable_url = f"{base}{created.json()['id']}/"
    assert designer_api.patch(variable_url, {"default": "Haifa"}, format="json").status_code == 200
    listed = viewer_api.get(base).json()
    assert [v["name"] for v in listed["results"]] == ["first_name", "city"]
    duplicate = designer_api.post(base, {"name": "city"}, format="json")
    assert duplicate.status_code == 400 and "already a variable" in duplicate.json()["name"][0]
    bad = designer_api.post(base, {"name": "9lives"}, format="json")
    assert bad.status_code == 400
    assert designer_api.delete(variable_url).status_code == 204
    assert Flow.objects.get(pk=flow.pk).draft_revision == 4
    assert viewer_api.delete(f"{base}{flow.variables.get().pk}/").status_code == 403


# --- checking, compiling, simulating ----------------------------------------------


def test_validate_the_draft(designer_api, flow):
    body = designer_api.post(url(flow, "validate"), {}, format="json").json()
    assert body["valid"] is True and body["errors"] == 0


def test_validate_a_posted_definition_finds_a_missing_goto_target(designer_api, flow):
    definition = two_step_definition()
    definition["steps"][0]["actions"][0]["actions"][0]["params"]["step_id"] = "nowhere"
    body = designer_api.post(url(flow, "validate"), {"definition": definition}, format="json")
    body = body.json()
    assert body["valid"] is False
    error = next(f for f in body["findings"] if f["severity"] == "error")
    assert "nowhere" in error["message"] and error["step"] == "menu"


def test_validate_reports_schema_errors_too(designer_api, flow):
    definition = two_step_definition(have_dependency="maybe")
    body = designer_api.post(url(flow, "validate"), {"definition": definition}, format="json")
    assert body.json()["valid"] is False


def test_compile_for_paycall(designer_api, flow):
    response = designer_api.post(
        url(flow, "compile"),
        {
            "provider": "paycall",
            "contact": {"number": "972501234567", "variables": {"first_name": "Dana"}},
            "options": {"return_address": "https://example.com/report", "max_retries": 4},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    payload = response.json()["payload"]
    assert payload["number"] == "972501234567" and payload["max_retries"] == 4
    assert payload["ivr"]["steps"][0]["prompt"]["first_name"] == "Dana"


def test_compile_for_phonon_masks_the_security_id(designer_api, flow):
    response = designer_api.post(
        url(flow, "compile"),
        {
            "provider": "phonon",
            "contact": {"number": "918000000001", "variables": {"first_name": "Ankit"}},
            "options": {"security_id": SECURITY_ID, "flow_id": "ZH0RKJvh"},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    request = response.json()["payload"]
    assert SECURITY_ID not in json.dumps(response.json())
    assert request["security-id"] == MASK
    # The text is the builder's, what dispatch sends once the account's id is put in.
    assert response.json()["body"] == encode_json(request)
    assert request["calls"][0]["keys"] == [{"name": "$flow.key.first_name", "value": "Ankit"}]


def test_compile_for_iovox_answers_the_xml_as_text(designer_api, flow):
    response = designer_api.post(
        url(flow, "compile"),
        {"provider": "iovox", "options": {"link_id": "link123"}},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["content_type"].startswith("application/xml") and body["payload"] is None
    assert body["body"] == body["xml"]
    assert "<link_id>link123</link_id>" in body["xml"]
    assert "<first_name>there</first_name>" in body["xml"]


def test_compile_for_the_simple_dialer_needs_the_message_shape(designer_api, flow):
    response = designer_api.post(
        url(flow, "compile"), {"provider": "paycall_simple"}, format="json"
    )
    assert response.status_code == 400
    finding = response.json()["findings"][0]
    assert finding["severity"] == "error" and finding["step_index"] in (None, 0, 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "twilio"}, "provider"),
        ({"provider": "paycall", "options": {"colour": "red"}}, "options"),
        ({"provider": "paycall", "contact": {"cli": "1"}}, "contact"),
        ({"provider": "paycall", "source": "7"}, "source"),
    ],
)
def test_compile_with_bad_input_is_a_400(designer_api, flow, body, field):
    response = designer_api.post(url(flow, "compile"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_compile_a_published_version(designer_api, flow):
    services.publish_flow(flow=flow)
    response = designer_api.post(
        url(flow, "compile"), {"provider": "paycall", "source": "1"}, format="json"
    )
    assert response.status_code == 200


def test_simulate(designer_api, flow):
    response = designer_api.post(
        url(flow, "simulate"),
        {"variables": {"first_name": "Dana"}, "inputs": ["1", "0"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert "Hello Dana, press 1" in " ".join(e["text"] for e in body["transcript"])
    assert [s["step_name"] for s in body["steps_report"]["steps"]] == ["menu", "bye"]


def test_simulate_with_bad_input_is_a_400(designer_api, flow):
    response = designer_api.post(url(flow, "simulate"), {"inputs": "1"}, format="json")
    assert response.status_code == 400


# --- versions --------------------------------------------------------------------


def test_publish_list_read_diff_and_revert(designer_api, viewer_api, flow):
    first = designer_api.post(url(flow, "publish"), {"note": "first"}, format="json")
    assert first.status_code == 201 and first.json()["number"] == 1
    definition = two_step_definition()
    definition["steps"][1]["prompt"] = "Bye now"
    designer_api.put(url(flow), {"definition": definition, "draft_revision": 1}, format="json")
    assert designer_api.post(url(flow, "publish"), {}, format="json").json()["number"] == 2

    versions = viewer_api.get(url(flow, "versions")).json()
    assert [v["number"] for v in versions] == [2, 1]
    one = viewer_api.get(url(flow, "versions/1")).json()
    assert one["note"] == "first" and one["definition"]["steps"][1]["prompt"] == "Goodbye"
    assert viewer_api.get(url(flow, "versions/9")).status_code == 404

    changes = viewer_api.get(url(flow, "diff"), {"from": "1", "to": "2"}).json()["changes"]
    assert changes and all(c["step"] == "bye" for c in changes)
    assert viewer_api.get(url(flow, "diff"), {"from": "2"}).json()["changes"] == []
    assert viewer_api.get(url(flow, "diff")).status_code == 400
    assert viewer_api.get(url(flow, "diff"), {"from": "x"}).status_code == 400

    reverted = designer_api.post(url(flow, "revert"), {"version": 1}, format="json")
    assert reverted.status_code == 200
    assert reverted.json()["definition"]["steps"][1]["prompt"] == "Goodbye"
    assert designer_api.post(url(flow, "revert"), {"version": 5}, format="json").status_code == 400
    stale = designer_api.post(
        url(flow, "revert"), {"version": 1, "draft_revision": 1}, format="json"
    )
    assert stale.status_code == 409


def test_publishing_a_flow_with_errors_is_a_400(designer_api, flow):
    definition = two_step_definition()
    definition["steps"][0]["actions"][0]["actions"][0]["params"]["step_id"] = "nowhere"
    designer_api.put(url(flow), {"definition": definition, "draft_revision": 1}, format="json")
    response = designer_api.post(url(flow, "publish"), {}, format="json")
    assert response.status_code == 400
    assert "nowhere" in json.dumps(response.json())


def test_duplicate(designer_api, flow):
    response = designer_api.post(url(flow, "duplicate"), {}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Reminder (copy)"
    assert response.json()["definition"]["steps"] == two_step_definition()["steps"]


# --- import / export ---------------------------------------------------------------


def test_import_a_json_body(designer_api):
    response = designer_api.post(
        "/api/flows/import/?name=Seed", fixture_json("dialer_test.json"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["flow"]["name"] == "Seed"
    assert response.json()["flow"]["step_count"] == 2


def test_import_a_file_upload(designer_api):
    upload = SimpleUploadedFile(
        "ages.json", json.dumps(fixture_json("key_ranges_steps.json")).encode()
    )
    response = designer_api.post(
        "/api/flows/import/", {"file": upload, "name": "Ages"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert Flow.objects.get().name == "Ages"


def test_import_a_canonical_export_file_keeps_everything(designer_api, flow):
    exported = designer_api.get(url(flow, "export")).json()
    upload = SimpleUploadedFile("flow.json", json.dumps(exported).encode())
    response = designer_api.post(
        "/api/flows/import/", {"file": upload, "name": "Again"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    copy = Flow.objects.get(name="Again")
    assert definition_from_flow(copy) == {**exported, "name": "Again"}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"what": "ever"}, "json"),
        ({"schema_version": 1, "steps": [{"step_id": 5}]}, "json"),
        ({"file": SimpleUploadedFile("x.json", b"{ broken")}, "multipart"),
        ({"name": "no file"}, "multipart"),
    ],
)
def test_import_of_bad_input_is_a_400(designer_api, body, kind):
    response = designer_api.post("/api/flows/import/", body, format=kind)
    assert response.status_code == 400
    assert not Flow.objects.exists()


def test_import_of_a_malformed_json_body_is_a_400(designer_api):
    response = designer_api.post(
        "/api/flows/import/", data="{nope", content_type="application/json"
    )
    assert response.status_code == 400


def test_export_both_formats(viewer_api, designer):
    flow, _ = services.import_flow(data=fixture_json("dialer_test.json"), user=designer)
    paycall = viewer_api.get(url(flow, "export"), {"format": "paycall"})
    assert paycall.status_code == 200
    assert paycall.json() == {"max_retries": 3, "ivr": fixture_json("dialer_test.json")["ivr"]}
    assert "attachment" in paycall["Content-Disposition"]
    canonical = viewer_api.get(url(flow, "export")).json()
    assert canonical == definition_from_flow(flow)
    assert viewer_api.get(url(flow, "export"), {"format": "xml"}).status_code == 400


# --- recordings ----------------------------------------------------------------------


def test_recording_upload_list_rename_download_delete(designer_api, viewer_api):
    upload = SimpleUploadedFile("welcome.mp3", mp3_bytes(2), content_type="audio/mpeg")
    created = designer_api.post("/api/recordings/", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "welcome.mp3" and body["format"] == "mp3"
    assert body["duration_seconds"] == pytest.approx(2, abs=0.05)
    detail = f"/api/recordings/{body['id']}/"

    assert [r["name"] for r in viewer_api.get("/api/recordings/").json()["results"]] == [
        "welcome.mp3"
    ]
    renamed = designer_api.patch(detail, {"name": "hello"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "hello.mp3"
    assert viewer_api.patch(detail, {"name": "x"}, format="json").status_code == 403

    download = viewer_api.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "audio/mpeg"
    assert b"".join(download.streaming_content) == mp3_bytes(2)

    assert viewer_api.delete(detail).status_code == 403
    assert designer_api.delete(detail).status_code == 204
    assert not Recording.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": SimpleUploadedFile("notes.wav", b"just some text, not audio")}, "file"),
        ({"file": SimpleUploadedFile("a.wav", wav_bytes(0.1)), "name": "a|b"}, "name"),
        ({}, "file"),
    ],
)
def test_bad_recording_uploads_are_400s(designer_api, data, field):
    response = designer_api.post("/api/recordings/", data, format="multipart")
    assert response.status_code == 400
    assert field in response.json()


def test_a_recording_in_use_is_a_409_on_delete(designer_api, flow):
    upload = SimpleUploadedFile("hello.wav", wav_bytes(0.2))
    recording_id = designer_api.post("/api/recordings/", {"file": upload}).json()["id"]
    definition = two_step_definition()
    definition["steps"][1].update(prompt_is_file="true", prompt="hello.wav")
    designer_api.put(url(flow), {"definition": definition, "draft_revision": 1}, format="json")
    response = designer_api.delete(f"/api/recordings/{recording_id}/")
    assert response.status_code == 409
    assert response.json()["usages"] == ['flow "Reminder" (draft), step "bye" prompt']
    assert Recording.objects.filter(pk=recording_id).exists()


def test_the_openapi_document_lists_the_flow_endpoints(designer_client):
    schema = designer_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/flows/{id}/compile/",
        "/api/flows/{id}/versions/{number}/",
        "/api/flows/import/",
        "/api/recordings/{id}/download/",
    ):
        assert path in paths
    assert "requestBody" in paths["/api/flows/{id}/compile/"]["post"]


def test_reading_a_flow_does_not_grow_with_its_size(viewer_api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.unit.flow_django.support import saved, wide_flow

    def queries(steps: int) -> int:
        flow = saved(wide_flow(steps))
        with CaptureQueriesContext(connection) as captured:
            assert viewer_api.get(url(flow)).status_code == 200
        return len(captured)

    viewer_api.get("/api/flows/")  # the user's permissions are loaded once, then cached
    assert queries(5) == queries(60)


def test_an_import_file_over_the_limit_is_a_400(designer_api, monkeypatch):
    from flows import api

    monkeypatch.setattr(api, "MAX_IMPORT_BYTES", 100)
    upload = SimpleUploadedFile("big.json", json.dumps(fixture_json("dialer_test.json")).encode())
    response = designer_api.post("/api/flows/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "larger than" in response.json()["file"][0]
    assert api.MAX_IMPORT_BYTES == 100 and not Flow.objects.exists()
