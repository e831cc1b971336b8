"""The REST API of phone lists and the do-not-call list."""

import itertools
import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from phonelists.models import DoNotCall, PhoneList

from .conftest import upload_file

pytestmark = pytest.mark.django_db

DOC_EXAMPLE = "tests/fixtures/paycall/upload_numbers.csv"


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def viewer_api(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


def upload(api, content, filename="list.csv", **data):
    data = {
        "name": "API list",
        "default_country": "IL",
        "file": upload_file(content, filename),
        **data,
    }
    return api.post(reverse("api:phonelist-list"), data, format="multipart")


def test_upload_answers_202_with_a_status_url_then_the_report(api):
    with open(DOC_EXAMPLE, "rb") as example:
        response = upload(api, example.read(), "upload_numbers.csv")
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"].endswith(reverse("api:phonelist-detail", args=[body["id"]]))
    assert response["Location"] == body["status_url"]
    status = api.get(body["status_url"]).json()
    assert status["status"] == "done"
    assert status["report"]["total"] == 4 and status["report"]["imported"] == 2
    assert status["report"]["reasons"] == {"not a valid number for its region": 2}
    contacts = api.get(status["contacts_url"], {"limit": 1}).json()
    assert contacts["count"] == 2
    assert contacts["results"] == [
        {"line_number": 2, "number": "+972723000000", "cli": "+972720000000",
         "dtmf_originator": "", "alternates": [], "variables": {}},
    ]  # fmt: skip
    rejected = api.get(status["rejected_url"])
    assert rejected.status_code == 200
    assert b"".join(rejected.streaming_content).decode().startswith("line,reason,content")
    listing = api.get(reverse("api:phonelist-list")).json()
    assert listing["count"] == 1


def test_refusals_come_back_in_the_error_body(api):
    response = upload(api, b"x", "numbers.tgz")
    assert response.status_code == 400
    assert "Tarballs" in response.json()["file"][0]
    response = upload(api, b"+97231000000\n", default_country="XX")
    assert (
        response.status_code == 400
        and "Unknown country code" in response.json()["default_country"][0]
    )
    response = upload(api, b"", "empty.csv")
    assert response.status_code == 400


def test_a_mapping_can_be_given_or_added_later(api):
    # Two columns look like phone numbers and neither header says which to call.
    content = b"name,home,work\nDana,0544567890,0502345678\n"
    mapping = [{"role": "variable", "name": "name"}, {"role": "number"}, {"role": "ignore"}]
    response = upload(api, content, mapping=json.dumps(mapping))
    assert response.status_code == 202
    assert PhoneList.objects.get(pk=response.json()["id"]).contacts.get().variables == {
        "name": "Dana"
    }
    waiting = upload(api, content, name="API list, mapped later").json()
    assert waiting["status"] == "needs_mapping"
    url = reverse("api:phonelist-mapping", args=[waiting["id"]])
    bad = api.post(url, {"mapping": [{"role": "variable", "name": "a"}] * 2}, format="json")
    assert bad.status_code == 400
    good = api.post(url, {"mapping": mapping}, format="json")
    assert good.status_code == 202


def test_cancel_and_delete(api, media_and_tasks):
    media_and_tasks.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    body = upload(api, b"+97231000000\n").json()
    assert body["status"] == "queued"
    cancelled = api.post(reverse("api:phonelist-cancel", args=[body["id"]]))
    assert cancelled.json()["status"] == "cancelled"
    assert api.delete(body["status_url"]).status_code == 204
    assert not PhoneList.objects.exists()


def test_a_viewer_reads_but_cannot_write(api, viewer_api):
    body = upload(api, b"+97231000000\n").json()
    assert viewer_api.get(body["status_url"]).status_code == 200
    assert viewer_api.get(body["contacts_url"]).status_code == 200
    assert upload(viewer_api, b"+14155552671\n").status_code == 403
    assert viewer_api.post(reverse("api:phonelist-cancel", args=[body["id"]])).status_code == 403
    assert viewer_api.delete(body["status_url"]).status_code == 403
    assert viewer_api.post(reverse("api:donotcall-list"), {"numbers": ["+97231000000"]},
                           format="json").status_code == 403  # fmt: skip
    assert APIClient().get(reverse("api:phonelist-list")).status_code in (401, 403)


def test_do_not_call_endpoints(api):
    url = reverse("api:donotcall-list")
    bad = api.post(url, {"numbers": ["+97231000000", "12"]}, format="json")
    assert bad.status_code == 400 and bad.json() == {"numbers": ["12: too short"]}
    assert not DoNotCall.objects.exists()
    added = api.post(url, {"numbers": ["+97231000000", "0544567890"], "default_country": "il"},
                     format="json")  # fmt: skip
    assert added.status_code == 201
    assert [e["number"] for e in added.json()] == ["+97231000000", "+972544567890"]
    assert api.get(url, {"q": "97254"}).json()["count"] == 1
    uploaded = api.post(reverse("api:donotcall-upload"),
                        {"file": upload_file(b"+14155552671\n")}, format="multipart")  # fmt: skip
    assert uploaded.status_code == 201 and uploaded.json()["added"] == 1
    entry = DoNotCall.objects.get(number="+14155552671")
    assert api.delete(reverse("api:donotcall-detail", args=[entry.pk])).status_code == 204


def test_the_openapi_document_lists_the_endpoints(api):
    schema = api.get(reverse("api:schema"), {"format": "json"}).json()
    for path in ("/api/phonelists/", "/api/phonelists/{id}/", "/api/phonelists/{id}/contacts/",
                 "/api/phonelists/{id}/rejected.csv", "/api/phonelists/{id}/cancel/",
                 "/api/do-not-call/"):  # fmt: skip
        assert path in schema["paths"], path


_FUZZ_NAMES = itertools.count()
_PIECES = st.sampled_from(
    [b"+97231000000", b"0544567890", b",", b"\r\n", b"\n", b"\r", b'"', b"number,cli\n", b"\x00",
     b"\xef\xbb\xbf", b"\xff\xfe", b"\xe0\xe1", b"PK\x03\x04", b"\x1f\x8b", b"w1#", b"=", b"\t"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(st.binary(max_size=300), st.lists(_PIECES, max_size=40).map(b"".join)),
    filename=st.sampled_from(["a.csv", "a.txt", "a.zip", "a.gz", "a.tar.gz", "a.bin"]),
)
def test_no_upload_gives_a_server_error(api, content, filename):
    # Each example is a list of its own name: the database is not reset between them.
    response = upload(api, content, filename, name=f"fuzz {next(_FUZZ_NAMES)}")
    assert response.status_code in (202, 400)
    if response.status_code == 202:
        status = api.get(response.json()["status_url"]).json()
        assert status["status"] in ("done", "failed", "needs_mapping")
        if status["status"] == "failed":
            assert status["error"] and "internal error" not in status["error"]


def test_a_list_being_imported_cannot_be_deleted(api):
    body = upload(api, b"+97231000000\n").json()
    PhoneList.objects.filter(pk=body["id"]).update(status=PhoneList.Status.IMPORTING)
    response = api.delete(body["status_url"])
    assert response.status_code == 409
    assert "cancel the import first" in response.json()["detail"]


def test_a_mapping_given_for_a_file_without_header_is_used(api):
    mapping = [{"role": "variable", "name": "name"}, {"role": "number"}]
    body = upload(api, b"Dana,+97231000000\n", mapping=json.dumps(mapping)).json()
    contact = PhoneList.objects.get(pk=body["id"]).contacts.get()
    assert (contact.number, contact.variables) == ("+97231000000", {"name": "Dana"})
