"""Header detection and column mapping."""

import pytest

from phonelists import columns


@pytest.mark.parametrize(
    ("cells", "is_header"),
    [
        (["+972540000000"], False),
        (["972723000000", "0720000000"], False),
        (["number", "cli", "dtmf_originator"], True),
        (["טלפון", "שם"], True),
        (["Телефон", "Имя"], True),
        (["first name", "city"], True),
        (["0544567890", "Dana"], False),
    ],
)
def test_header_rows_are_detected(cells, is_header):
    assert columns.looks_like_header(cells) is is_header


def test_known_headers_map_without_asking():
    mapping, complete = columns.guess_mapping(["Phone", "CLI", "dtmf", "alt_phone", "mobile2"])
    assert [m["role"] for m in mapping] == [
        "number",
        "cli",
        "dtmf_originator",
        "alternate",
        "alternate",
    ]
    assert complete


def test_unknown_headers_become_variables_without_asking():
    mapping, clear = columns.guess_mapping(["מספר", "שם פרטי", "first name"])
    assert mapping[0]["role"] == "number"
    # Flow variable names are Latin letters, digits and _: a Hebrew header gives none.
    assert mapping[1] == {"role": "variable", "name": "column_2"}
    assert mapping[2] == {"role": "variable", "name": "first_name"}
    assert clear


def test_without_a_number_column_the_mapping_is_incomplete():
    _, complete = columns.guess_mapping(["a", "b"])
    assert not complete


def test_positional_mapping_follows_the_document():
    mapping = columns.positional_mapping(5)
    assert [m["role"] for m in mapping] == [
        "number",
        "cli",
        "dtmf_originator",
        "variable",
        "variable",
    ]
    # Extra columns are named like Paycall's numeric placeholders $0$, $1$.
    assert [m["name"] for m in mapping[3:]] == ["0", "1"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([{"role": "variable", "name": "a"}, {"role": "variable", "name": "b"}], "exactly one"),
        ([{"role": "number"}, {"role": "number"}], "exactly one"),
        ([{"role": "number"}, {"role": "cli"}, {"role": "cli"}], "at most one cli"),
        ([{"role": "number"}, {"role": "variable", "name": ""}], "needs a name"),
        (
            [
                {"role": "number"},
                {"role": "variable", "name": "x"},
                {"role": "variable", "name": "x"},
            ],
            "different",
        ),
        ([{"role": "number"}, {"role": "boss"}], "Unknown column role"),
        ([{"role": "number"}], "each of the 2 columns"),
    ],
)
def test_mapping_errors_are_explained(mapping, message):
    count = 2 if message == "each of the 2 columns" else len(mapping)
    assert any(message in error for error in columns.mapping_errors(mapping, count))


def test_a_good_mapping_has_no_errors():
    mapping = [
        {"role": "number", "name": ""},
        {"role": "variable", "name": "name"},
        {"role": "ignore"},
    ]
    assert columns.mapping_errors(mapping, 3) == []
