"""Issue #14, the import part, end to end on the real database: number policy,
variables without a mapping step, headers in three languages, Excel files, the
all-invalid warning, unique names and the original line in the rejected-lines file."""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from phonelists import services, tasks
from phonelists.models import DoNotCall, NumberPolicy, PhoneList
from phonelists.reading import FileRefused

from .conftest import upload_file

pytestmark = pytest.mark.django_db

DOC_EXAMPLE = "tests/fixtures/paycall/upload_numbers.csv"


def imported(content, filename="list.csv", name="Issue 14", **kwargs) -> PhoneList:
    kwargs.setdefault("default_country", "IL")
    phone_list = services.upload_phone_list(
        name=name,
        upload=upload_file(content, filename),
        enqueue=tasks.import_phone_list.enqueue,
        **kwargs,
    )
    phone_list.refresh_from_db()
    return phone_list


def rejected_rows(phone_list: PhoneList) -> list[list[str]]:
    with default_storage.open(phone_list.rejected_path, "rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8"))))


def xlsx(rows: list[list], tmp_path, name="list.xlsx") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Second sheet").append(["+14155552671"])
    path = tmp_path / name
    workbook.save(path)
    return path.read_bytes()


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def api_upload(api, content, filename="list.csv", **data):
    data = {"name": "API 14", "default_country": "IL", "file": upload_file(content, filename),
            **data}  # fmt: skip
    return api.post(reverse("api:phonelist-list"), data, format="multipart")


# --- 1. The number policy ---------------------------------------------------------------


def test_the_e164_policy_accepts_the_paycall_example_the_region_policy_refuses():
    with open(DOC_EXAMPLE, "rb") as example:
        content = example.read()
    strict = imported(content, "upload_numbers.csv", name="Region")
    loose = imported(content, "upload_numbers.csv", name="E164", number_policy=NumberPolicy.E164)
    assert (strict.imported, strict.rejected) == (2, 2)
    assert strict.report()["number_policy"] == "region"
    assert (loose.imported, loose.rejected) == (4, 0)
    assert loose.report()["number_policy"] == "e164"
    assert list(loose.contacts.values_list("number", flat=True)) == [
        "+972540000000",
        "+972723000000",
        "+14155552671",
        "+972212345678",
    ]


def test_the_e164_policy_still_needs_the_default_country_for_local_numbers():
    phone_list = imported(
        "054-123-4567\n+972541234568\n",
        default_country="",
        number_policy=NumberPolicy.E164,
    )
    assert list(phone_list.contacts.values_list("number", flat=True)) == ["+972541234568"]
    assert phone_list.reasons == {"local number but the list has no default country": 1}


def test_the_policy_through_the_api_and_the_page(api, manager_client):
    with open(DOC_EXAMPLE, "rb") as example:
        content = example.read()
    body = api_upload(api, content, "upload_numbers.csv", number_policy="e164").json()
    status = api.get(body["status_url"]).json()
    assert status["number_policy"] == "e164"
    assert status["report"]["number_policy"] == "e164"
    assert status["report"]["imported"] == 4
    bad = api_upload(api, content, "upload_numbers.csv", name="API 14b", number_policy="loose")
    assert bad.status_code == 400 and "number_policy" in bad.json()
    page = manager_client.get(reverse("phonelists:detail", args=[body["id"]])).content.decode()
    assert "checked as well-formed E.164" in page
    response = manager_client.post(
        reverse("phonelists:upload"),
        {"name": "Page 14", "default_country": "IL", "number_policy": "e164",
         "file": upload_file(content, "upload_numbers.csv")},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 204
    assert PhoneList.objects.get(name="Page 14").imported == 4
    form = manager_client.get(reverse("phonelists:upload")).content.decode()
    assert 'name="number_policy"' in form


# --- 2 and 3. Columns: variables without a mapping step, three languages ----------------


def test_number_and_name_import_straight_away_with_name_as_a_variable(manager_client):
    response = manager_client.post(
        reverse("phonelists:upload"),
        {"name": "Names", "default_country": "IL",
         "file": upload_file("number,name\n0544567890,Dana\n+97231000000,Moshe\n")},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 204
    phone_list = PhoneList.objects.get(name="Names")
    assert phone_list.status == PhoneList.Status.DONE
    assert list(phone_list.contacts.values_list("number", "variables")) == [
        ("+972544567890", {"name": "Dana"}),
        ("+97231000000", {"name": "Moshe"}),
    ]


def test_a_hebrew_header_csv_maps_keys_caller_id_and_alternates():
    content = (
        "מספר טלפון,מזהה מתקשר,מקשים,טלפון נוסף,שם,city\r\n"
        "054-456-7890,0723000000,w1#,0502345678,דנה,Haifa\r\n"
    ).encode("cp1255")
    phone_list = imported(content)
    assert phone_list.status == PhoneList.Status.DONE
    contact = phone_list.contacts.get()
    assert (contact.number, contact.cli, contact.dtmf_originator, contact.alternates) == (
        "+972544567890",
        "+972723000000",
        "w1#",
        ["+972502345678"],
    )
    assert contact.variables == {"column_5": "דנה", "city": "Haifa"}


def test_a_russian_header_csv():
    content = "Номер телефона,Клавиши,Доп. телефон,имя\n+79161234567,1#,+79031234567,Ольга\n"
    contact = imported(content).contacts.get()
    assert (contact.number, contact.dtmf_originator, contact.alternates) == (
        "+79161234567",
        "1#",
        ["+79031234567"],
    )


def test_the_number_column_found_by_content_imports_straight_away():
    phone_list = imported("client,contact\nDana,0544567890\nMoshe,0502345678\n")
    assert phone_list.status == PhoneList.Status.DONE
    assert phone_list.contacts.first().variables == {"client": "Dana"}


# --- 4. Excel -----------------------------------------------------------------------------


def test_an_xlsx_list_is_read_with_the_same_report(tmp_path):
    rows = [
        ["טלפון", "שם", "מקשים", "born", "note"],
        [972544567890.0, "Dana", 12, datetime.date(1990, 5, 17), None],
        ["0502345678", "Moshe", "w1#", None, "x"],
        [],
        [31000000, "Excel dropped the zero", None, None, None],
        ["hello", "not a number", None, None, None],
        [9.7254456789e11, "duplicate", None, None, None],
    ]
    phone_list = imported(xlsx(rows, tmp_path))
    assert phone_list.file_format == "xlsx"
    assert phone_list.status == PhoneList.Status.DONE
    report = phone_list.report()
    assert (report["total"], report["imported"], report["rejected"]) == (5, 3, 1)
    assert report["duplicates"] == 1
    contacts = list(
        phone_list.contacts.values_list("line_number", "number", "dtmf_originator", "variables")
    )
    assert contacts == [
        (2, "+972544567890", "12", {"column_2": "Dana", "born": "1990-05-17", "note": ""}),
        (3, "+972502345678", "w1#", {"column_2": "Moshe", "born": "", "note": "x"}),
        # 031000000 lost its leading zero in Excel: read as local to the default country.
        (5, "+97231000000", "", {"column_2": "Excel dropped the zero", "born": "", "note": ""}),
    ]
    assert rejected_rows(phone_list)[1:] == [
        ["6", "not a phone number", "hello,not a number"],
        ["7", "duplicate", "972544567890,duplicate"],
    ]


def test_an_xlsx_renamed_csv_is_read_as_a_workbook(tmp_path):
    content = xlsx([["number"], ["+97231000000"]], tmp_path)
    phone_list = imported(content, "renamed.csv")
    assert phone_list.file_format == "xlsx"
    assert list(phone_list.contacts.values_list("number", flat=True)) == ["+97231000000"]


def test_an_xlsx_without_a_header_follows_the_documents_order(tmp_path):
    content = xlsx([[972723000000, "0720000000", "w1"], ["+14155552671"]], tmp_path)
    contacts = list(imported(content).contacts.values_list("number", "cli", "dtmf_originator"))
    assert contacts == [("+972723000000", "+972720000000", "w1"), ("+14155552671", "", "")]


def test_an_xlsx_in_a_worker_process_gives_the_same_result(tmp_path, settings):
    rows = [["phone", "n"]] + [[f"+1415555{n:04d}", n] for n in range(2000, 2300)]
    content = xlsx(rows, tmp_path)
    serial = imported(content, name="serial")
    settings.PHONELIST_PARALLEL_MIN_BYTES = 1
    parallel = imported(content, name="parallel")
    assert serial.report() == parallel.report() and serial.imported == 300
    assert list(serial.contacts.values_list("number", "variables")) == list(
        parallel.contacts.values_list("number", "variables")
    )


def test_an_xlsx_keeps_the_row_limit(tmp_path, settings):
    settings.PHONELIST_MAX_ROWS = 3
    phone_list = imported(xlsx([["+97231000000"]] * 5, tmp_path))
    assert phone_list.status == PhoneList.Status.FAILED
    assert "more than 3 rows" in phone_list.error


def test_an_xlsx_inside_a_zip_and_a_legacy_xls_are_refused_with_a_hint(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("list.xlsx", xlsx([["+97231000000"]], tmp_path))
    with pytest.raises(FileRefused, match="upload the .xlsx file itself"):
        imported(buffer.getvalue(), "list.zip")
    with pytest.raises(FileRefused, match="Save it as .xlsx or CSV"):
        imported(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    with pytest.raises(FileRefused, match="Save it as .xlsx or CSV"):
        imported(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.csv")
    assert not PhoneList.objects.exists()


def test_a_damaged_xlsx_is_refused_not_a_server_error(api, tmp_path):
    content = xlsx([["+97231000000"]], tmp_path)
    broken = content[: len(content) // 2]
    response = api_upload(api, broken, "list.xlsx")
    assert response.status_code in (400, 202)
    if response.status_code == 202:
        status = api.get(response.json()["status_url"]).json()
        assert status["status"] == "failed" and "internal error" not in status["error"]


def test_the_do_not_call_upload_reads_an_xlsx(manager_client, tmp_path):
    content = xlsx([["number"], [972544567890], ["nope"]], tmp_path)
    response = manager_client.post(
        reverse("phonelists:dnc_upload"),
        {"file": upload_file(content, "dnc.xlsx"), "default_country": "IL"},
    )
    assert response.status_code == 200
    assert list(DoNotCall.objects.values_list("number", flat=True)) == ["+972544567890"]


# --- 5. An all-invalid list ---------------------------------------------------------------


def test_a_list_with_no_usable_number_shows_a_warning(api, manager_client):
    body = api_upload(api, b"12\nhello\n+1\n").json()
    status = api.get(body["status_url"]).json()
    assert status["status"] == "done"  # the stored value is unchanged
    assert status["status_display"] == "Imported, but no usable numbers"
    assert status["warning"]
    assert status["report"]["imported"] == 0 and status["report"]["total"] == 3
    page = manager_client.get(reverse("phonelists:detail", args=[body["id"]])).content.decode()
    assert 'data-testid="list-warning"' in page and "no usable numbers" in page
    assert "status-ok" not in page
    listing = manager_client.get(reverse("phonelists:list")).content.decode()
    assert "Imported, but no usable numbers" in listing and "status-ok" not in listing


def test_a_good_list_has_no_warning(api):
    body = api_upload(api, b"+97231000000\n").json()
    status = api.get(body["status_url"]).json()
    assert (status["warning"], status["status_display"]) == ("", "Imported")


# --- 6. Unique names --------------------------------------------------------------------


def test_a_taken_name_is_refused_by_the_form_beside_the_field(manager_client):
    imported("+97231000000\n", name="Reminders")
    response = manager_client.post(
        reverse("phonelists:upload"),
        {"name": "Reminders", "default_country": "IL", "file": upload_file("+14155552671\n")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_name_error"' in body and "already a phone list called" in body
    assert PhoneList.objects.count() == 1


def test_a_taken_name_is_refused_by_the_api_and_the_service(api):
    assert api_upload(api, b"+97231000000\n").status_code == 202
    response = api_upload(api, b"+14155552671\n")
    assert response.status_code == 400
    assert "already a phone list called" in response.json()["name"][0]
    with pytest.raises(services.NameTaken):
        imported("+14155552671\n", name="API 14")
    assert PhoneList.objects.count() == 1


def test_a_name_taken_between_check_and_save_is_still_a_clear_refusal(monkeypatch, api):
    assert api_upload(api, b"+97231000000\n").status_code == 202
    # The race: the name was free when checked, taken when the row is written.
    answers = iter([False, True])
    monkeypatch.setattr(services, "name_is_taken", lambda name: next(answers))
    with pytest.raises(services.NameTaken):
        imported("+14155552671\n", name="API 14")
    assert PhoneList.objects.count() == 1


# --- 7. The rejected-lines file keeps the line as it was ----------------------------------


def test_rejected_lines_keep_the_original_line():
    DoNotCall.objects.create(number="+972502345678")
    content = (
        "number,name\n"
        "054-456-7890,Dana\n"
        '"054 456 7890","Dana, again"\n'
        "050-234-5678,Moshe\n"
        "=1+2,Formula\n"
    )
    phone_list = imported(content)
    assert rejected_rows(phone_list) == [
        ["line", "reason", "content"],
        ["3", "duplicate", '"054 456 7890","Dana, again"'],
        ["4", "do not call", "050-234-5678,Moshe"],
        ["5", "not a phone number", "'=1+2,Formula"],
    ]
