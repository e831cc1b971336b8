"""Paycall's CDR CSV as the document prints it: the example of "CDR By Campaign ID API",
rows with a trailing comma in their steps ("},]") and rows whose steps the document's
conversion broke, each read on its own.
"""

import re
from datetime import datetime, timedelta, timezone

import pytest

from providers.paycall.cdrs import (
    CdrFormatError,
    hangup_time_left_out,
    parse_paycall_cdr_csv,
    read_steps,
    steps_left_out,
)

IDT = timezone(timedelta(hours=3))
UNIQUE_ID = "2743976e-6030-455a-821f-8d671463d3ba"
FOO = [{"dtmf": "12", "step_name": "foo"}]

DOCUMENT_HEADER = (
    "cli, phone number, start time, answer time, hangup time, duration, billsec, "
    "hangup cause, unique campaign id, steps"
)
# The rows of the example verbatim, with the document's line wraps; in four of them the
# conversion lost a quote ("step name" :""foo""), which splits their steps cell.
DOCUMENT_ROWS = """\
"031234567", "972501234567", "2016-03-30 14:53:50+03", "2016-03-30 14:53:55+03", "2016-03-30
14:54:06+03","16","11","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step name" :""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234568", "2016-03-30 15:10:41+03", "2016-03-30 15:10:46+03", "2016-03-30
15:10:54+03","13","8","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step_name"":""foo""},],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234569", "2016-03-30 15:14:28+03", "2016-03-30 15:14:33+03", "2016-03-30
15:14:42+03","14","9","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step_name"":""foo""},],""invalid"":[],""unique_id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567","972501234560","2016-03-30 15:17:03+03","2016-03-30 15:17:08+03","2016-03-30
15:17:12+03", "9", "4", "NORMAL CLEARING", "2743976e-6030-455a-821f-8d671463d3ba", "{""steps"":
[{""dtmf"":""12"",""step_name"":""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234561", "2016-03-30 15:18:25+03", "2016-03-30 15:18:30+03", "2016-03-30
15:18:34+03", "9", "4", "NORMAL CLEARING", "2743976e-6030-455a-821f-8d671463d3ba", "{""steps"":
[{""dtmf"":""12"",""step_name"":""foo""}],""invalid"":[],""unique_id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234562", "2016-03-30 16:44:16+03", "2016-03-30 16:44:22+03", "2016-03-30
16:44:32+03","16","10","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step name"":""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234563", "2016-03-30 16:44:48+03", "2016-03-30 16:44:57+03", "2016-03-30
16:45:29+03","41","32","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step name" :""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234564", "2016-03-30 16:46:30+03", "2016-03-30 16:46:35+03", "2016-03-30
16:46:44+03","14","9","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step_name":""foo""}],""invalid"":[],""unique_id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234565", "2016-03-30 16:51:03+03", "2016-03-30 16:51:09+03", "2016-03-30
16:51:23+03","20","14","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step name" : ""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234566", "2016-03-30 16:52:37+03", "2016-03-30 16:52:47+03", "2016-03-30
16:52:55+03","18","8","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step name"":""foo""}],""invalid"":[],""unique id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"031234567", "972501234570", "2016-03-30 16:57:20+03", "2016-03-30 16:57:30+03", "2016-03-30
16:57:39+03","19","9","NORMAL CLEARING","2743976e-6030-455a-821f-8d671463d3ba","{""steps"":
[{""dtmf"":""12"",""step_name"":""foo""}],""invalid"":[],""unique_id"":""2743976e-6030-455a-821f-
8d671463d3ba""}"
"""


def as_sent(rows: str) -> str:
    """The example as Paycall sends it: a header, one CRLF line per row. A wrap inside
    a date and time stood for the space between them; any other wrap, for nothing."""
    lines = []
    for piece in rows.splitlines():
        if piece.startswith('"031234567"'):
            lines.append(piece)
        else:
            lines[-1] += (" " if re.search(r"\d{4}-\d\d-\d\d$", lines[-1]) else "") + piece
    return "\r\n".join([DOCUMENT_HEADER, *lines]) + "\r\n"


def steps_of(unique_key: str) -> dict:
    return {"steps": FOO, "invalid": [], unique_key: UNIQUE_ID}


# (line, phone number, start, duration, steps, or None when the cell cannot be read)
DOCUMENT_CASES = [
    (2, "972501234567", "14:53:50", 16, None),  # "step name" :""foo"" lost a quote
    (3, "972501234568", "15:10:41", 13, steps_of("unique id")),  # },]
    (4, "972501234569", "15:14:28", 14, steps_of("unique_id")),  # },]
    (5, "972501234560", "15:17:03", 9, steps_of("unique id")),
    (6, "972501234561", "15:18:25", 9, steps_of("unique_id")),
    (
        7,
        "972501234562",
        "16:44:16",
        16,
        {"steps": [{"dtmf": "12", "step name": "foo"}], "invalid": [], "unique id": UNIQUE_ID},
    ),
    (8, "972501234563", "16:44:48", 41, None),  # "step name" :""foo"" lost a quote
    (9, "972501234564", "16:46:30", 14, None),  # "step_name":""foo"" lost a quote
    (10, "972501234565", "16:51:03", 20, None),  # "step name" : ""foo"" lost a quote
    (
        11,
        "972501234566",
        "16:52:37",
        18,
        {"steps": [{"dtmf": "12", "step name": "foo"}], "invalid": [], "unique id": UNIQUE_ID},
    ),
    (12, "972501234570", "16:57:20", 19, steps_of("unique_id")),
]


def test_every_row_of_the_documents_example_is_read():
    cdrs = parse_paycall_cdr_csv(as_sent(DOCUMENT_ROWS))
    assert [cdr.phone_number for cdr in cdrs] == [case[1] for case in DOCUMENT_CASES]


@pytest.mark.parametrize(("line", "phone_number", "start", "duration", "steps"), DOCUMENT_CASES)
def test_each_row_of_the_documents_example(line, phone_number, start, duration, steps):
    cdr = parse_paycall_cdr_csv(as_sent(DOCUMENT_ROWS))[line - 2]

    assert cdr.phone_number == phone_number
    assert cdr.start_time == datetime.fromisoformat(f"2016-03-30 {start}+03:00")
    assert cdr.duration == duration
    assert cdr.unique_campaign_id == UNIQUE_ID
    if steps is not None:
        assert (cdr.steps, cdr.problems) == (steps, [])
    else:
        # Only the steps are lost: the row keeps its times, billing and cause.
        assert cdr.steps == {}
        assert cdr.answered and cdr.hangup_time is not None and cdr.billsec > 0
        (problem,) = cdr.problems
        assert f"line {line} ({phone_number})" in problem and "kept without steps" in problem


@pytest.mark.parametrize(
    ("cell", "steps"),
    [
        # The document's "},]", alone in a steps cell.
        (
            '{"steps":[{"dtmf":"12","step_name":"foo"},],"invalid":[]}',
            {"steps": FOO, "invalid": []},
        ),
        # The same slip before a brace, and with spaces around it.
        (
            '{"steps":[{"dtmf":"12","step_name":"foo",}],"invalid":[],}',
            {"steps": FOO, "invalid": []},
        ),
        ('{"steps":[{"dtmf":"12","step_name":"foo"} , ] }', {"steps": FOO}),
        # A comma inside a string is the callee's text, not a slip.
        (
            '{"steps":[{"dtmf":"1","step_name":"a,]"},]}',
            {"steps": [{"dtmf": "1", "step_name": "a,]"}]},
        ),
        (
            '{"steps":[{"dtmf":"1","step_name":"say \\"hi\\",}"},]}',
            {"steps": [{"dtmf": "1", "step_name": 'say "hi",}'}]},
        ),
        ("", {}),
        ('[{"dtmf":"12","step_name":"foo"},]', {"steps": FOO}),
    ],
)
def test_steps_cells_are_read_with_the_documents_trailing_comma(cell, steps):
    assert read_steps(cell) == steps


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        # What the csv reader makes of the document's row 972501234564.
        ('{"steps":[{"dtmf":"12","step_name:""foo""}]', "Expecting"),
        # A comma with no value before it is not a trailing comma.
        ('{"steps":[,]}', "Expecting value"),
        ("{oops", "Expecting property name"),
    ],
)
def test_steps_cells_that_cannot_be_read_say_why(cell, reason):
    with pytest.raises(CdrFormatError, match=reason):
        read_steps(cell)


def test_a_hangup_time_that_cannot_be_read_is_left_out():
    text = as_sent(DOCUMENT_ROWS).replace("2016-03-30 15:10:54+03", "later", 1)

    cdrs = parse_paycall_cdr_csv(text)

    assert len(cdrs) == 11
    assert cdrs[1].hangup_time is None and cdrs[1].steps == steps_of("unique id")
    assert cdrs[1].problems == [
        hangup_time_left_out(line=3, phone_number="972501234568", value="later")
    ]


def test_left_out_cells_are_named_with_their_line_and_number():
    assert steps_left_out(line=7, phone_number="972501234562", reason="Expecting value") == (
        "Paycall CDR file, line 7 (972501234562): the steps cell is not JSON "
        "(Expecting value); the CDR is kept without steps."
    )
