"""Importing lists end to end through the service and the task, on the real database."""

import codecs
import csv
import gzip
import io
import tarfile
from datetime import timedelta

import phonenumbers
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from phonelists import services, tasks
from phonelists.models import Contact, DoNotCall, PhoneList
from phonelists.reading import FileRefused

from .conftest import upload_file

pytestmark = pytest.mark.django_db

DOC_EXAMPLE = "tests/fixtures/paycall/upload_numbers.csv"


def imported(content, name="list.csv", list_name="Test", **kwargs) -> PhoneList:
    kwargs.setdefault("default_country", "IL")
    phone_list = services.upload_phone_list(
        name=list_name,
        upload=upload_file(content, name),
        enqueue=tasks.import_phone_list.enqueue,
        **kwargs,
    )
    phone_list.refresh_from_db()
    return phone_list


def numbers(phone_list) -> list[str]:
    return list(phone_list.contacts.order_by("line_number").values_list("number", flat=True))


def test_the_documents_example_file():
    with open(DOC_EXAMPLE, "rb") as example:
        phone_list = imported(example.read(), "upload_numbers.csv")
    assert phone_list.status == PhoneList.Status.DONE
    assert not phone_list.has_header
    assert phone_list.report() == {
        "total": 4,
        "imported": 2,
        "rejected": 2,
        "duplicates": 0,
        "dnc": 0,
        "reasons": {"not a valid number for its region": 2},
        "dtmf_chars_dropped": 0,
        "number_policy": "region",
    }
    contacts = list(phone_list.contacts.order_by("line_number"))
    assert [(c.line_number, c.number, c.cli, c.dtmf_originator) for c in contacts] == [
        (2, "+972723000000", "+972720000000", ""),
        (3, "+14155552671", "+14155551111", "w1#113"),
    ]
    for contact in contacts:
        assert phonenumbers.is_valid_number(phonenumbers.parse(contact.number))


@pytest.mark.parametrize("ending", ["\r\n", "\n", "mixed"])
def test_line_endings(ending):
    lines = ["+97231000000", "+14155552671", "0544567890", "972723000000"]
    if ending == "mixed":
        content = "+97231000000\r\n+14155552671\n0544567890\r\n972723000000\n"
    else:
        content = ending.join(lines) + ending
    phone_list = imported(content)
    assert numbers(phone_list) == ["+97231000000", "+14155552671", "+972544567890", "+972723000000"]
    assert phone_list.rejected == 0


def test_a_last_line_without_an_ending_and_blank_lines():
    phone_list = imported("+97231000000\n\n\r\n+14155552671")
    assert numbers(phone_list) == ["+97231000000", "+14155552671"]
    assert phone_list.total == 2


def test_utf8_with_bom_and_a_header():
    content = codecs.BOM_UTF8 + b"number,cli,name\r\n+97231000000,,Dana\r\n"
    phone_list = imported(content)
    assert phone_list.encoding == "utf-8-sig"
    assert phone_list.has_header
    assert phone_list.contacts.get().variables == {"name": "Dana"}


def test_utf16_list():
    phone_list = imported("number,name\r\n+97231000000,Ольга\r\n".encode("utf-16"))
    assert phone_list.encoding == "utf-16"
    assert phone_list.contacts.get().variables == {"name": "Ольга"}


def test_hebrew_headers_in_windows_1255():
    content = "טלפון,שם פרטי,עיר\r\n0544567890,דנה,תל אביב\r\n0502345678,משה,חיפה\r\n"
    phone_list = imported(content.encode("cp1255"))
    assert phone_list.encoding == "cp1255"
    assert phone_list.headers == ["טלפון", "שם פרטי", "עיר"]
    assert phone_list.status == PhoneList.Status.DONE
    first = phone_list.contacts.order_by("line_number").first()
    assert first.number == "+972544567890"
    # Flow variable names are Latin: a Hebrew header names its column by position.
    assert first.variables == {"column_2": "דנה", "column_3": "תל אביב"}


def test_russian_in_windows_1251():
    content = "телефон,имя\r\n+79161234567,Ольга\r\n+79031234567,Иван\r\n".encode("cp1251")
    phone_list = imported(content)
    assert phone_list.encoding == "cp1251"
    assert phone_list.contacts.order_by("line_number").first().variables == {"column_2": "Ольга"}


def test_a_gz_list():
    phone_list = imported(gzip.compress(b"+97231000000\r\n0544567890\r\n"), "numbers.csv.gz")
    assert phone_list.file_format == "gz"
    assert numbers(phone_list) == ["+97231000000", "+972544567890"]


def test_a_tar_gz_is_refused_and_nothing_is_kept(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("list.csv")
        info.size = 13
        tar.addfile(info, io.BytesIO(b"+97231000000\n"))
    for name in ("numbers.tar.gz", "numbers.tgz", "renamed.gz"):
        with pytest.raises(FileRefused, match="Tarballs"):
            imported(buffer.getvalue(), name)
    assert not PhoneList.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty."), (b"\r\n\r\n", "The file is empty."),
     (b"number,cli,dtmf_originator\r\n", "header row but no numbers")],
)  # fmt: skip
def test_empty_and_header_only_files_are_refused(content, message):
    with pytest.raises(FileRefused, match=message):
        imported(content)
    assert not PhoneList.objects.exists()


def test_duplicates_are_dropped_and_counted():
    phone_list = imported("+97231000000\n97231000000\n031000000\n+14155552671\n")
    assert numbers(phone_list) == ["+97231000000", "+14155552671"]
    assert phone_list.duplicates == 2


def test_do_not_call_numbers_are_left_out_at_import():
    services.add_do_not_call(["+14155552671"], source=DoNotCall.Source.MANUAL)
    phone_list = imported("+97231000000\n14155552671\n")
    assert numbers(phone_list) == ["+97231000000"]
    assert phone_list.dnc == 1


def test_the_rejected_lines_csv_is_safe_to_open_in_a_spreadsheet():
    phone_list = imported("+97231000000\n=cmd|' /C calc'!A0\n+972540000000,,\n+97231000000\n")
    with default_storage.open(phone_list.rejected_path, "rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode())))
    assert rows[0] == ["line", "reason", "content"]
    assert rows[1] == ["2", "not a phone number", "'=cmd|' /C calc'!A0"]
    assert rows[2] == ["3", "not a valid number for its region", "'+972540000000,,"]
    assert rows[3] == ["4", "duplicate", "'+97231000000"]


def test_the_preview_shows_the_first_rows():
    phone_list = imported("number,cli,dtmf_originator,name\n+97231000000,,W1x,Dana\n")
    assert phone_list.preview == [
        {"line": 2, "number": "+97231000000", "cli": "", "dtmf_originator": "W1",
         "alternates": [], "variables": {"name": "Dana"}},
    ]  # fmt: skip
    assert phone_list.dtmf_chars_dropped == 1


def test_running_the_task_twice_changes_nothing():
    phone_list = imported("+97231000000\n+14155552671\n")
    report = phone_list.report()
    assert services.run_phone_list_import(phone_list.pk) == report
    assert Contact.objects.filter(phone_list=phone_list).count() == 2


def test_an_interrupted_import_starts_again_cleanly():
    phone_list = imported("+97231000000\n+14155552671\n")
    # A second worker while the first is alive (fresh heartbeat) leaves the list alone.
    PhoneList.objects.filter(pk=phone_list.pk).update(
        status=PhoneList.Status.IMPORTING, heartbeat_at=timezone.now()
    )
    phone_list.contacts.filter(line_number=2).delete()
    services.run_phone_list_import(phone_list.pk)
    assert numbers(phone_list) == ["+97231000000"]
    # As if that worker died mid-way: the heartbeat stopped, some rows were written.
    PhoneList.objects.filter(pk=phone_list.pk).update(
        heartbeat_at=timezone.now() - services.import_lease() - timedelta(seconds=1)
    )
    services.run_phone_list_import(phone_list.pk)
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.DONE
    assert numbers(phone_list) == ["+97231000000", "+14155552671"]


def test_cancelling_between_chunks(monkeypatch, settings):
    monkeypatch.setattr("phonelists.pipeline.BLOCK_LINES", 2)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    phone_list = imported("".join(f"+1415555{n:04d}\n" for n in range(2671, 2681)))
    from phonelists import importer

    real_write = importer.ContactWriter.write

    def write_then_cancel(self, rows):
        real_write(self, rows)
        PhoneList.objects.filter(pk=phone_list.pk).update(cancel_requested=True)

    monkeypatch.setattr(importer.ContactWriter, "write", write_then_cancel)
    services.run_phone_list_import(phone_list.pk)
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.CANCELLED
    assert not phone_list.contacts.exists()


def test_a_queued_list_is_cancelled_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    phone_list = imported("+97231000000\n")
    assert phone_list.status == PhoneList.Status.QUEUED
    services.cancel_import(phone_list=phone_list)
    assert phone_list.status == PhoneList.Status.CANCELLED
    services.run_phone_list_import(phone_list.pk)
    assert not phone_list.contacts.exists()


def test_the_worker_process_gives_the_same_result_as_in_process(settings):
    lines = [f"+1415555{n:04d},,w1,n{n}" for n in range(2000, 2600)]
    lines[10] = "bad"
    lines[20] = lines[21]
    content = "\n".join(lines) + "\n" + "x" * 5000 + "\n+97231000000\n"
    serial = imported(content)
    settings.PHONELIST_PARALLEL_MIN_BYTES = 1
    parallel = imported(content, list_name="Test, in a worker process")
    assert serial.report() == parallel.report()
    assert serial.reasons == {"not a phone number": 1, "line too long": 1}
    assert list(serial.contacts.values_list("line_number", "number", "variables")) == list(
        parallel.contacts.values_list("line_number", "number", "variables")
    )


@pytest.mark.parametrize(
    ("setting", "value", "content", "expected"),
    [
        (
            "PHONELIST_MAX_LINE_LENGTH",
            20,
            "+97231000000\n+97231000000" + "," * 30 + "\n",
            "line too long",
        ),
        ("PHONELIST_MAX_COLUMNS", 3, "+97231000000\n+14155552671,a,b,c\n", "too many columns"),
    ],
)
def test_line_limits_reject_the_line(settings, setting, value, content, expected):
    setattr(settings, setting, value)
    phone_list = imported(content)
    assert phone_list.status == PhoneList.Status.DONE
    assert phone_list.reasons == {expected: 1}
    assert numbers(phone_list) == ["+97231000000"]


def test_the_row_limit(settings):
    content = "+97231000000\n+14155552671\n972723000000\n"
    settings.PHONELIST_MAX_ROWS = 2
    with pytest.raises(FileRefused, match="more than 2 rows"):
        imported(content)
    # Past the first rows the page looks at, the limit stops the import itself.
    settings.PHONELIST_MAX_ROWS = 100
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    phone_list = imported(content)
    settings.PHONELIST_MAX_ROWS = 2
    services.run_phone_list_import(phone_list.pk)
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.FAILED
    assert phone_list.error == "The list has more than 2 rows."
    assert not phone_list.contacts.exists()


def test_the_upload_size_limit(settings):
    settings.PHONELIST_MAX_UPLOAD_BYTES = 10
    with pytest.raises(FileRefused, match="larger than the 10 bytes"):
        imported("+97231000000\n")


def test_a_gz_bomb_fails_the_import_with_a_message():
    bomb = gzip.compress(b"+97231000000\n" * 400_000)  # 5 MB in ~10 KB
    phone_list = imported(bomb, "bomb.gz")
    assert phone_list.status == PhoneList.Status.FAILED
    assert "compression bomb" in phone_list.error
    assert not phone_list.contacts.exists()


def test_a_list_without_a_number_column_waits_for_a_mapping():
    # Two columns hold phone numbers and no header says which one to call.
    phone_list = imported("name,home,work\nDana,0544567890,0502345678\n")
    assert phone_list.status == PhoneList.Status.NEEDS_MAPPING
    with pytest.raises(services.MappingInvalid):
        services.set_mapping(
            phone_list=phone_list,
            mapping=[{"role": "variable", "name": "x"}] * 3,
            enqueue=tasks.import_phone_list.enqueue,
        )
    services.set_mapping(
        phone_list=phone_list,
        mapping=[
            {"role": "variable", "name": "name"},
            {"role": "number", "name": "home"},
            {"role": "alternate", "name": "work"},
        ],
        enqueue=tasks.import_phone_list.enqueue,
    )
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.DONE
    assert phone_list.contacts.get().variables == {"name": "Dana"}


def test_do_not_call_service_for_campaigns():
    added, invalid = services.add_do_not_call(
        ["+972544567890", "0502345678", "nonsense"],
        source=DoNotCall.Source.IVR,
        reason="mark remove",
        default_country="IL",
    )
    assert added == ["+972544567890", "+972502345678"]
    assert invalid == {"nonsense": "not a phone number"}
    assert services.is_do_not_call(["972544567890", "+14155552671", "+972502345678"]) == {
        "972544567890",
        "+972502345678",
    }
    # Adding again keeps one row per number.
    services.add_do_not_call(["+972544567890"], source=DoNotCall.Source.MANUAL)
    assert DoNotCall.objects.count() == 2
    assert services.remove_do_not_call(numbers=["+972544567890"]) == 1


def test_contacts_cannot_be_changed_after_the_import():
    contact = imported("+97231000000\n").contacts.get()
    contact.number = "+14155552671"
    with pytest.raises(ValueError, match="immutable"):
        contact.save()
    assert Contact.objects.get(pk=contact.pk).number == "+97231000000"


def test_one_list_feeds_many_readers_in_file_order():
    phone_list = imported("+14155552671\n+97231000000\n")
    first = list(phone_list.contacts.values_list("number", flat=True))
    assert first == list(phone_list.contacts.values_list("number", flat=True))
    assert first == ["+14155552671", "+97231000000"]


def test_nul_characters_are_dropped():
    # Found by the fuzz test on PostgreSQL, whose text and jsonb cannot hold NUL.
    phone_list = imported(codecs.BOM_UTF8 + b'"0544567890\x00",,,x\x00y\r\n')
    assert phone_list.sample_rows == [["0544567890", "", "", "xy"]]
    contact = phone_list.contacts.get()
    assert (contact.number, contact.variables) == ("+972544567890", {"0": "xy"})


@pytest.mark.parametrize("threshold", [3, 4])
@pytest.mark.django_db(transaction=True)
def test_a_big_import_is_followed_by_analyze(monkeypatch, threshold):
    """3 contacts imported against a threshold of 3 (analyzed) and of 4 (not)."""
    from django.db import connection

    from dialer_site import db

    def last_analyze():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s",
                [Contact._meta.db_table],
            )
            return cursor.fetchone()[0]

    monkeypatch.setattr(db, "ANALYZE_AFTER_ROWS", threshold)
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is skipped on SQLite (dialer_site.db)")
    before = last_analyze()
    phone_list = imported("+97231000000\n+14155552671\n972723000000\n")
    assert phone_list.imported == 3
    after = last_analyze()
    if threshold <= 3:
        assert after is not None and (before is None or after > before)
    else:
        assert after == before
