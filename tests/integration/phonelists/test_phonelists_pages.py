"""The phone list and do-not-call pages, per role."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from phonelists.models import DoNotCall, PhoneList

from .conftest import upload_file

pytestmark = pytest.mark.django_db

DOC_EXAMPLE = "tests/fixtures/paycall/upload_numbers.csv"


def post_upload(client, content, filename="list.csv", **extra):
    data = {"name": "Reminders", "default_country": "IL", "file": upload_file(content, filename)}
    data.update(extra)
    return client.post(reverse("phonelists:upload"), data, HTTP_HX_REQUEST="true")


def test_a_manager_uploads_the_documents_example_and_reads_the_report(manager_client):
    with open(DOC_EXAMPLE, "rb") as example:
        response = post_upload(manager_client, example.read(), "upload_numbers.csv")
    assert response.status_code == 204
    phone_list = PhoneList.objects.get()
    assert response["HX-Redirect"] == reverse("phonelists:detail", args=[phone_list.pk])
    page = manager_client.get(response["HX-Redirect"]).content.decode()
    assert "Download rejected lines (CSV)" in page
    assert "+14155552671" in page and "w1#113" in page
    assert "not a valid number for its region" in page
    assert 'hx-trigger="every 1s"' not in page
    listing = manager_client.get(reverse("phonelists:list")).content.decode()
    assert "Reminders" in listing and "Imported" in listing


def test_a_refused_file_shows_the_reason_beside_the_field(manager_client):
    response = post_upload(manager_client, b"x", "numbers.tar.gz")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_file_error"' in body and "Tarballs" in body
    assert not PhoneList.objects.exists()


def test_a_missing_name_is_an_error_beside_the_field(manager_client):
    response = post_upload(manager_client, b"+97231000000\n", name="")
    assert response.status_code == 422
    assert 'id="id_name_error"' in response.content.decode()


def test_an_unclear_number_column_gets_a_mapping_step(manager_client):
    post_upload(manager_client, "בית,שם,קוד\n0544567890,דנה,0502345678\n".encode("cp1255"))
    phone_list = PhoneList.objects.get()
    assert phone_list.status == PhoneList.Status.NEEDS_MAPPING
    page = manager_client.get(reverse("phonelists:detail", args=[phone_list.pk])).content.decode()
    assert "cp1255" in page and "Start the import" in page and "דנה" in page
    url = reverse("phonelists:mapping", args=[phone_list.pk])
    roles = {"role_0": "variable", "name_0": "a", "role_1": "variable", "name_1": "b"}
    bad = manager_client.post(url, {**roles, "role_2": "ignore"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "Choose exactly one column as the phone number." in bad.content.decode()
    good = manager_client.post(url, {"role_0": "number", "role_1": "variable", "name_1": "name",
                                     "role_2": "ignore"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert good.status_code == 204
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.DONE
    assert phone_list.contacts.get().variables == {"name": "דנה"}


def test_the_progress_polls_until_the_import_is_done(manager_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post_upload(manager_client, b"+97231000000\n")
    phone_list = PhoneList.objects.get()
    url = reverse("phonelists:progress", args=[phone_list.pk])
    waiting = manager_client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "<progress" in waiting
    from phonelists import services

    services.run_phone_list_import(phone_list.pk)
    done = manager_client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' not in done and "Imported" in done


def test_cancel_and_delete_from_the_page(manager_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post_upload(manager_client, b"+97231000000\n")
    phone_list = PhoneList.objects.get()
    manager_client.post(reverse("phonelists:cancel", args=[phone_list.pk]))
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.CANCELLED
    upload_folder = Path(default_storage.path(phone_list.source_file)).parent
    assert upload_folder.is_dir()
    response = manager_client.post(reverse("phonelists:delete", args=[phone_list.pk]))
    assert response.status_code == 302
    assert not PhoneList.objects.exists()
    assert not upload_folder.exists()


def test_the_rejected_lines_download(manager_client, viewer_client):
    post_upload(manager_client, b"+97231000000\n=1+2\n")
    phone_list = PhoneList.objects.get()
    response = viewer_client.get(reverse("phonelists:rejected", args=[phone_list.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == ["line,reason,content", "2,not a phone number,'=1+2"]


def test_a_viewer_reads_but_cannot_change(viewer_client, manager_client):
    post_upload(manager_client, b"+97231000000\n")
    phone_list = PhoneList.objects.get()
    assert viewer_client.get(reverse("phonelists:list")).status_code == 200
    assert viewer_client.get(reverse("phonelists:detail", args=[phone_list.pk])).status_code == 200
    assert "Upload a list" not in viewer_client.get(reverse("phonelists:list")).content.decode()
    assert viewer_client.get(reverse("phonelists:upload")).status_code == 403
    assert post_upload(viewer_client, b"+14155552671\n").status_code == 403
    for name in ("cancel", "delete", "mapping"):
        assert (
            viewer_client.post(reverse(f"phonelists:{name}", args=[phone_list.pk])).status_code
            == 403
        )
    assert (
        viewer_client.post(reverse("phonelists:dnc"), {"numbers": "+97231000000"}).status_code
        == 403
    )
    assert PhoneList.objects.count() == 1 and not DoNotCall.objects.exists()


def test_a_user_without_a_role_sees_nothing(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    assert client.get(reverse("phonelists:list")).status_code == 403
    assert client.get(reverse("phonelists:dnc")).status_code == 403


def test_the_navigation_links_to_phone_lists(viewer_client):
    page = viewer_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("phonelists:list")}"' in page


def test_do_not_call_page_add_validate_upload_remove(manager_client):
    url = reverse("phonelists:dnc")
    bad = manager_client.post(url, {"numbers": "+97231000000\nhello", "default_country": "IL"},
                              HTTP_HX_REQUEST="true")  # fmt: skip
    assert bad.status_code == 422
    assert "hello: not a phone number" in bad.content.decode()
    assert not DoNotCall.objects.exists()
    good = manager_client.post(url, {"numbers": "+97231000000, 0544567890", "default_country": "IL",
                                      "reason": "asked"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert good.status_code == 200
    assert set(DoNotCall.objects.values_list("number", flat=True)) == {
        "+97231000000",
        "+972544567890",
    }
    uploaded = manager_client.post(
        reverse("phonelists:dnc_upload"),
        {"file": upload_file(b"number\n+14155552671\nnope\n"), "default_country": "US"},
    )
    assert uploaded.status_code == 200
    assert "1 numbers added from the file, 1 lines refused." in uploaded.content.decode()
    refused = manager_client.post(
        reverse("phonelists:dnc_upload"), {"file": upload_file(b"", "a.pdf")}
    )
    assert refused.status_code == 422
    entry = DoNotCall.objects.get(number="+14155552671")
    removed = manager_client.post(reverse("phonelists:dnc_remove", args=[entry.pk]))
    assert removed.status_code == 200
    assert not DoNotCall.objects.filter(pk=entry.pk).exists()
    search = manager_client.get(
        url, {"q": "9723"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dnc-table"
    )
    assert (
        "+97231000000" in search.content.decode() and "+972544567890" not in search.content.decode()
    )
