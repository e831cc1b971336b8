"""Issue #14 (import part): header names in three languages, extra columns as
variables without a mapping step, the number policy, and Excel cells as text."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from flows.canonical import VARIABLE_NAME_RE
from phonelists import columns
from phonelists.numbers import (
    REASON_INVALID_FOR_REGION,
    REASON_NO_DEFAULT_COUNTRY,
    REASON_NOT_E164,
    normalise_number,
)
from phonelists.reading import FileRefused, cell_text, check_filename, detect_format


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("number", "number"),
        (" Phone ", "number"),
        ("Phone Number", "number"),
        ("phone_number", "number"),
        ("PHONE-NUMBER", "number"),
        ("mobile", "number"),
        ("Tel.", "number"),
        ("טלפון", "number"),
        ("מספר", "number"),
        ("מספר טלפון", "number"),
        ("נייד", "number"),
        ("Телефон", "number"),
        ("номер", "number"),
        ("Номер телефона", "number"),
        ("мобильный", "number"),
        ("\ufeffnumber", "number"),
        ("keys", "dtmf_originator"),
        ("DTMF", "dtmf_originator"),
        ("dtmf_originator", "dtmf_originator"),
        ("מקשים", "dtmf_originator"),
        ("Клавиши", "dtmf_originator"),
        ("cli", "cli"),
        ("Caller ID", "cli"),
        ("caller-id", "cli"),
        ("מזהה מתקשר", "cli"),
        ("שולח", "cli"),
        ("Номер отправителя", "cli"),
        ("alternate", "alternate"),
        ("Alternate Number", "alternate"),
        ("phone 2", "alternate"),
        ("Phone2", "alternate"),
        ("טלפון נוסף", "alternate"),
        ("מספר חלופי", "alternate"),
        ("доп. телефон", "alternate"),
        ("Альтернативный номер", "alternate"),
        ("name", None),
        ("שם", None),
        ("city", None),
    ],
)
def test_headers_in_english_hebrew_and_russian(header, role):
    assert columns.known_role(header) == role


def test_number_and_name_needs_no_mapping_and_name_is_a_variable():
    mapping, clear = columns.guess_mapping(["number", "name"])
    assert clear
    assert mapping == [
        {"role": "number", "name": "number"},
        {"role": "variable", "name": "name"},
    ]


def test_hebrew_keys_header_is_the_dtmf_column_not_a_variable():
    mapping, clear = columns.guess_mapping(["טלפון", "שם", "מקשים"])
    assert clear
    assert [m["role"] for m in mapping] == ["number", "variable", "dtmf_originator"]


def test_the_number_column_found_by_its_content():
    mapping, clear = columns.guess_mapping(
        ["client", "contact"],
        [["Dana", "0544567890"], ["Moshe", "+972502345678"]],
        lambda value: normalise_number(value, "IL").e164 is not None,
    )
    assert clear
    assert [m["role"] for m in mapping] == ["variable", "number"]


def test_two_number_like_columns_or_none_ask_for_a_mapping():
    def is_number(value: str) -> bool:
        return normalise_number(value, "IL").e164 is not None

    _, clear = columns.guess_mapping(["home", "work"], [["0544567890", "0502345678"]], is_number)
    assert not clear
    _, clear = columns.guess_mapping(["name", "city"], [["Dana", "Haifa"]], is_number)
    assert not clear
    _, clear = columns.guess_mapping(["phone", "mobile"], [["0544567890", "0502345678"]])
    assert not clear


def test_numbered_phone_columns_make_the_first_the_number():
    mapping, clear = columns.guess_mapping(["phone 1", "phone 2", "name"])
    assert clear
    assert [m["role"] for m in mapping] == ["number", "alternate", "variable"]


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("first name", "first_name"),
        ("First-Name!", "First_Name"),
        ("2nd phone note", "_2nd_phone_note"),
        ("שם פרטי", "column_4"),
        ("имя", "column_4"),
        ("x" * 80, "x" * 64),
    ],
)
def test_variable_names_are_valid_flow_variable_names(header, name):
    assert columns.variable_name(header, 3) == name
    assert VARIABLE_NAME_RE.match(name)


def test_variable_names_are_made_unique():
    mapping, _ = columns.guess_mapping(["number", "first name", "first-name", "שם", "עיר"])
    names = [m["name"] for m in mapping[1:]]
    assert names == ["first_name", "first_name_2", "column_4", "column_5"]


def test_the_name_rule_is_the_flows_rule():
    assert columns.VARIABLE_NAME_RE.pattern == VARIABLE_NAME_RE.pattern


def test_a_mapping_with_a_name_flows_cannot_use_is_refused():
    mapping = [{"role": "number", "name": ""}, {"role": "variable", "name": "שם"}]
    assert any("Latin letters" in e for e in columns.mapping_errors(mapping, 2))
    mapping[1]["name"] = "0"  # Paycall's positional $0$ stays possible
    assert columns.mapping_errors(mapping, 2) == []


# --- The number policy ----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["+972540000000", "972212345678"])
def test_the_paycall_examples_are_well_formed_but_not_valid_for_their_region(raw):
    assert normalise_number(raw, "IL").reason == REASON_INVALID_FOR_REGION
    assert normalise_number(raw, "IL", well_formed=True).e164 == "+" + raw.lstrip("+")


def test_local_numbers_need_the_default_country_under_either_policy():
    assert normalise_number("054-123-4567", "IL", well_formed=True).e164 == "+972541234567"
    refused = normalise_number("054-123-4567", None, well_formed=True)
    assert refused.reason == REASON_NO_DEFAULT_COUNTRY


@pytest.mark.parametrize("raw", ["+1234567", "+1234567890123456", "12345"])
def test_the_shape_is_plus_and_8_to_15_digits(raw):
    assert normalise_number(raw, "IL", well_formed=True).reason == REASON_NOT_E164


@pytest.mark.parametrize("raw", ["hello", "", "+97231000000", "+14155552671"])
def test_the_e164_policy_accepts_all_the_region_policy_does(raw):
    strict = normalise_number(raw, "IL")
    loose = normalise_number(raw, "IL", well_formed=True)
    if strict.e164:
        assert loose == strict
    else:
        assert loose.reason == strict.reason


# --- Excel ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (972541234567.0, "972541234567"),
        (9.72541234567e11, "972541234567"),
        (541234567, "541234567"),
        (1e20, "100000000000000000000"),
        (3.25, "3.25"),
        (1.5e-7, "0.00000015"),
        (True, "TRUE"),
        (datetime.datetime(2025, 3, 1), "2025-03-01"),
        (datetime.datetime(2025, 3, 1, 9, 30), "2025-03-01 09:30:00"),
        (datetime.date(2025, 3, 1), "2025-03-01"),
        ("  +972 54 ", "  +972 54 "),
    ],
)
def test_excel_cells_become_text(value, text):
    assert cell_text(value) == text


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["number"])
    workbook.active.append(["+97231000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["list.xlsx", "list.csv", "list.txt", "list.zip"])
def test_a_workbook_is_known_by_its_content_whatever_its_name(name):
    data = _xlsx_bytes()
    assert detect_format(name, data[:8], io.BytesIO(data)) == "xlsx"


def test_a_zip_that_is_no_workbook_is_still_a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("list.csv", "+97231000000\n")
    data = buffer.getvalue()
    assert detect_format("list.zip", data[:8], io.BytesIO(data)) == "zip"
    with pytest.raises(FileRefused, match="not an Excel workbook"):
        detect_format("list.xlsx", data[:8], io.BytesIO(data))


@pytest.mark.parametrize("name", ["old.xls", "OLD.XLS", "sheet.ods"])
def test_other_spreadsheets_are_refused_with_a_hint(name):
    with pytest.raises(FileRefused, match="Save it as .xlsx or CSV"):
        check_filename(name)


def test_an_old_excel_file_renamed_csv_is_refused_with_a_hint():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    with pytest.raises(FileRefused, match="Save it as .xlsx or CSV"):
        detect_format("list.csv", ole2[:8], io.BytesIO(ole2))
