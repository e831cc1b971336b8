"""Validating blocks of lines: the per-line rules of the Paycall document."""

import json

from phonelists.rows import BlockValidator, ListRules


def validate(lines, *, region="IL", mapping=()):
    validator = BlockValidator(ListRules(default_region=region, mapping=mapping, max_columns=10))
    return validator.validate([(i + 1, line) for i, line in enumerate(lines)])


def test_the_documents_example_lines():
    with open("tests/fixtures/paycall/upload_numbers.csv", encoding="utf-8") as example:
        result = validate(example.read().splitlines(keepends=True))
    accepted = {row[0]: row for row in result.accepted}
    rejected = {row[0]: row[1] for row in result.rejected}
    # 972723000000 with cli 0720000000: the cli is read in the callee's country.
    assert accepted[2][1:4] == ("+972723000000", "+972720000000", "")
    # A US number whose cli has no country code gets the US one; the DTMF is kept as is.
    assert accepted[3][1:4] == ("+14155552671", "+14155551111", "w1#113")
    # The doc's placeholder numbers 054-000-0000 and 02-1234-5678 are not assigned ranges.
    assert rejected == {
        1: "not a valid number for its region",
        4: "not a valid number for its region",
    }


def test_extra_columns_without_a_header_are_numbered_variables():
    result = validate(["+97231000000,,,Dana,Tel Aviv\n"])
    assert json.loads(result.accepted[0][5]) == {"0": "Dana", "1": "Tel Aviv"}


def test_mapped_columns_give_alternates_and_named_variables():
    mapping = (("variable", "name"), ("number", "phone"), ("alternate", "alt"), ("ignore", ""))
    result = validate(['"Cohen, Dana",0544567890,+97231000000,x\n'], mapping=mapping)
    line, number, cli, dtmf, alternates, variables = result.accepted[0]
    assert number == "+972544567890"
    assert json.loads(alternates) == ["+97231000000"]
    assert json.loads(variables) == {"name": "Cohen, Dana"}


def test_invalid_dtmf_characters_are_dropped_and_counted():
    result = validate(["+97231000000,,WW12x3\n", "+14155552671,,1-2\n"])
    assert [row[3] for row in result.accepted] == ["WW123", "12"]
    assert result.dtmf_chars_dropped == 2


def test_a_bad_caller_id_rejects_the_line():
    result = validate(["+97231000000,12\n"])
    assert result.rejected == [(1, "invalid caller ID (cli): too short", "+97231000000,12")]


def test_too_many_columns():
    result = validate(["+97231000000" + ",x" * 20 + "\n"])
    assert result.rejected[0][1] == "too many columns"


def test_variables_survive_quotes_backslashes_and_hebrew():
    result = validate(['+97231000000,,,"שלום ""עולם""",a\\b\n'])
    assert json.loads(result.accepted[0][5]) == {"0": 'שלום "עולם"', "1": "a\\b"}


def test_plain_and_quoted_blocks_read_the_same():
    lines = ["+97231000000,0723000000,w1,Dana,Haifa\r\n", "+14155552671,,,John,\n"]
    plain = validate(lines)
    quoted = validate(lines + ['"+972544567890",,,"Cohen, Noa",x\n'])
    assert quoted.accepted[:2] == plain.accepted
    assert quoted.accepted[2][5] == '{"0": "Cohen, Noa", "1": "x"}'


def test_a_quoted_field_may_span_lines():
    result = validate(['+97231000000,,,"two\n', 'lines",x\n', "+14155552671\n"])
    assert [row[0] for row in result.accepted] == [2, 3]
    assert json.loads(result.accepted[0][5]) == {"0": "two\nlines", "1": "x"}
