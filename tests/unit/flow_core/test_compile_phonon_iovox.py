"""Phonon create requests (batches of 500) and iovox XML, with the DTMF sequence."""

import datetime as dt
import json

import pytest

import providers.iovox.builder as iovox
import providers.phonon.builder as phonon
from flows import schemas
from flows.dtmf import DtmfSequence, Keys, Pause
from providers.base import MASK, XML, encode_json
from providers.building import CompileError, Contact
from providers.iovox.builder import (
    INITIATE_CALL_PATH,
    REFERENCE_VARIABLE,
    RESERVED,
    IovoxOptions,
    compile_iovox_request,
    iovox_request,
)
from providers.iovox.importer import import_iovox_request
from providers.phonon.builder import (
    PLAIN_PATH,
    PhononOptions,
    chunked,
    compile_phonon_request,
    compile_phonon_requests,
    format_start_time,
    parse_start_time,
    phonon_request,
)
from providers.phonon.importer import import_phonon_request
from tests.unit.flow_core.conftest import load_fixture
from tests.unit.flow_core.flows import flow, step

SECURITY_ID = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"
OPTS = PhononOptions(security_id=SECURITY_ID, flow_id="ZH0RKJvh")
FLOW = flow(step("a"), variables=[{"name": "Name"}, {"name": "Language", "default": "English"}])
START = dt.datetime(2021, 4, 27, 22, 18, 7, 111000, tzinfo=dt.UTC)


def valid_phonon(request):
    """The builder writes the security-id masked; with the flow's own in its place (as
    the client sends it) the request is what the document's schema describes."""
    assert request["security-id"] == MASK
    wire = {**request, "security-id": SECURITY_ID}
    assert schemas.validate(schemas.PHONON_CREATE_REQUEST, wire) == []
    return request


def test_phonon_fixture_round_trips():
    raw = load_fixture("phonon/create_request.json")
    imported = import_phonon_request(raw)
    assert imported.options.security_id == raw["security-id"] == SECURITY_ID
    out = compile_phonon_request(
        imported.definition, imported.contacts, imported.options, start_time=imported.start_time
    )
    assert valid_phonon(out) == {**raw, "security-id": MASK}
    request = phonon_request(
        imported.definition, imported.contacts, imported.options, start_time=imported.start_time
    )
    assert (request.path, request.content_type) == (PLAIN_PATH, "application/json")
    assert request.body == encode_json({**raw, "security-id": MASK})


def test_phonon_call_shape():
    contact = Contact(
        number="+918000000001",  # written as the document's examples are: no "+"
        alternate_numbers=["+918100000001"],
        variables={"Name": "Ankit Parihar"},
        reference="call-1",
    )
    request = valid_phonon(compile_phonon_request(FLOW, [contact], OPTS, start_time=START))
    assert request["api-version"] == "1.0"
    assert request["calls"] == [
        {
            "client-identifier": "call-1",
            "start-time": "2021-04-28T03:48:07.111Z+05:30",
            "contact-numbers": ["918000000001", "918100000001"],
            "keys": [
                {"name": "$flow.key.Name", "value": "Ankit Parihar"},
                {"name": "$flow.key.Language", "value": "English"},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("when", "tz", "text"),
    [
        (START, OPTS.time_zone, "2021-04-28T03:48:07.111Z+05:30"),
        (START, dt.UTC, "2021-04-27T22:18:07.111Z+00:00"),
        (START, dt.timezone(-dt.timedelta(hours=3, minutes=30)), "2021-04-27T18:48:07.111Z-03:30"),
    ],
)
def test_start_time_format(when, tz, text):
    assert format_start_time(when, tz) == text
    assert parse_start_time(text) == when


def test_batches_of_500():
    contacts = [Contact(number=f"9180000{i:05d}", variables={"Name": "x"}) for i in range(1201)]
    requests = list(compile_phonon_requests(FLOW, contacts, OPTS, start_time=START))
    assert [len(r["calls"]) for r in requests] == [500, 500, 201]
    for r in requests:
        valid_phonon(r)
    with pytest.raises(CompileError):
        compile_phonon_request(FLOW, contacts, OPTS, start_time=START)
    assert [len(b) for b in chunked(range(7), 3)] == [3, 3, 1]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (PhononOptions("ZH0RKJvh", "short"), "phonon-security-id"),
        (PhononOptions(security_id=SECURITY_ID, flow_id="ZH0RKJv!"), "phonon-flow-id"),
        (
            PhononOptions(security_id=SECURITY_ID, flow_id="ZH0RKJvh", api_version="2.0"),
            "phonon-api-version",
        ),
        (
            PhononOptions(security_id=SECURITY_ID, flow_id="ZH0RKJvh", batch_size=501),
            "phonon-batch-size",
        ),
    ],
)
def test_phonon_options_are_checked(options, code):
    assert [f.code for f in phonon.check_options(options)] == [code]
    with pytest.raises(CompileError):
        list(
            compile_phonon_requests(
                FLOW, [Contact(number="918000000001")], options, start_time=START
            )
        )


def test_the_security_id_is_checked_only_when_given_and_never_written():
    for options in (PhononOptions("ZH0RKJvh"), PhononOptions("ZH0RKJvh", SECURITY_ID)):
        assert phonon.check_options(options) == []
        contact = Contact(number="918000000001", variables={"Name": "a"})
        request = phonon_request(FLOW, [contact], options, start_time=START)
        assert SECURITY_ID not in request.body
        assert valid_phonon(request.json())["flow-id"] == "ZH0RKJvh"


def test_phonon_test_version_and_contact_check():
    options = PhononOptions(security_id=SECURITY_ID, flow_id="ZH0RKJvh", api_version="TEST")
    request = compile_phonon_request(
        FLOW, [Contact(number="918000000001", variables={"Name": "a"})], options, start_time=START
    )
    assert valid_phonon(request)["api-version"] == "TEST"
    assert [
        f.code for f in phonon.check_contact(Contact(number="08000", alternate_numbers=["x"]))
    ] == [
        "phone-not-e164",
        "phone-not-e164",
    ]


def test_phonon_encrypted_envelope():
    pytest.importorskip("providers.phonon.encryption")
    from providers.phonon.encryption import (
        decrypt_envelope,
        encrypt_envelope,
        generate_key_pair,
        open_envelope,
    )

    private, public = generate_key_pair(2048)
    request = phonon_request(
        FLOW, [Contact(number="918000000001", variables={"Name": "a"})], OPTS, start_time=START
    )
    envelope = encrypt_envelope(request.json(), public_key_pem=public)
    assert envelope["flow-id"] == "ZH0RKJvh"
    assert decrypt_envelope(envelope, private_key_pem=private) == request.json()
    assert open_envelope(envelope, private_key_pem=private) == request.body.encode("utf-8")


# --- iovox -----------------------------------------------------------------------


def test_iovox_fixture_round_trips_byte_for_byte():
    raw = load_fixture("iovox/initiate_call.xml")
    imported = import_iovox_request(raw)
    assert imported.contact.dtmf_originator == DtmfSequence.of(4, "1", 4, "2")
    out = compile_iovox_request(imported.definition, imported.contact, imported.options)
    assert out == raw
    assert schemas.validate_iovox_xml(out) == []
    request = iovox_request(imported.definition, imported.contact, imported.options)
    assert (request.path, request.content_type) == (INITIATE_CALL_PATH, XML)
    assert request.body.encode("utf-8") == raw


def test_iovox_writes_the_number_without_plus_and_the_reference_as_a_variable():
    contact = Contact(
        number="+449789123123", dtmf_originator=DtmfSequence.of(2, "1"), reference="call-7"
    )
    xml = compile_iovox_request(flow(step("a")), contact, IovoxOptions(link_id="l"))
    assert b"<call_destination>449789123123,1</call_destination>" in xml
    assert f"<{REFERENCE_VARIABLE}>call-7</{REFERENCE_VARIABLE}>".encode() in xml
    assert schemas.validate_iovox_xml(xml) == []
    without = compile_iovox_request(
        flow(step("a")), Contact(number="449789123123"), IovoxOptions(link_id="l")
    )
    assert REFERENCE_VARIABLE.encode() not in without


def test_iovox_escapes_values_and_omits_delay():
    definition = flow(step("a"), variables=[{"name": "company"}])
    contact = Contact(number="449789123123", variables={"company": "Smith & <Sons>"})
    xml = compile_iovox_request(definition, contact, IovoxOptions(link_id="link&1"))
    assert b"<company>Smith &amp; &lt;Sons&gt;</company>" in xml
    assert b"<link_id>link&amp;1</link_id>" in xml
    assert b"<delay>" not in xml
    assert schemas.validate_iovox_xml(xml) == []


@pytest.mark.parametrize("name", ["1st", "xml_name", *sorted(RESERVED)])
def test_iovox_variable_names_must_be_xml_names(name):
    definition = {**flow(step("a")), "variables": [{"name": name, "default": "x"}]}
    with pytest.raises(CompileError) as info:
        compile_iovox_request(definition, Contact(number="449789123123"), IovoxOptions(link_id="l"))
    assert info.value.findings[0].code == "iovox-variable-name"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (IovoxOptions(link_id=" "), "iovox-link-id-missing"),
        (IovoxOptions(link_id="l", delay_minutes=-1), "iovox-delay-invalid"),
    ],
)
def test_iovox_options(options, code):
    assert [f.code for f in iovox.check_options(options)] == [code]


def test_iovox_rejects_control_characters():
    definition = flow(step("a"), variables=[{"name": "v"}])
    with pytest.raises(CompileError):
        compile_iovox_request(
            definition,
            Contact(number="449789123123", variables={"v": "a\x00b"}),
            IovoxOptions(link_id="l"),
        )


def test_xsd_rejects_a_bad_delay_and_a_missing_link():
    assert schemas.validate_iovox_xml(
        b"<request><link_id>l</link_id><call_variables><call_destination>4497</call_destination><delay>soon</delay></call_variables></request>"
    )
    assert schemas.validate_iovox_xml(b"<request><call_variables/></request>")
    assert schemas.validate_iovox_xml(b"<request>") == [schemas.validate_iovox_xml(b"<request>")[0]]


# --- DTMF after answer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "paycall", "iovox_suffix", "paycall_rounds", "iovox_rounds"),
    [
        (DtmfSequence.of(2, "1", 2, "2"), "WW1WW2", ",1,2", 0, 0),
        (DtmfSequence.of(4, "1", 4, "2"), "WWWW1WWWW2", ",,1,,2", 0, 0),
        (DtmfSequence.of(1.5, "12#"), "Ww12#", ",12#", 0, 1),
        (DtmfSequence.of(0.5, "1"), "w1", ",1", 0, 1),
        (DtmfSequence.of(0.3, "1"), "w1", ",1", 1, 1),
        (DtmfSequence.of("1"), "1", ",1", 0, 1),
        (DtmfSequence.of(3, "1", 1, "2"), "WWW1W2", ",,1,2", 0, 2),
    ],
)
def test_one_sequence_two_notations(sequence, paycall, iovox_suffix, paycall_rounds, iovox_rounds):
    p = sequence.to_paycall()
    assert p.text == paycall
    assert [f.code for f in p.findings] == ["dtmf-pause-rounded"] * paycall_rounds
    i = sequence.to_iovox()
    assert i.text == iovox_suffix
    codes = [f.code for f in i.findings]
    assert len(codes) == iovox_rounds
    assert set(codes) <= {"dtmf-pause-rounded", "dtmf-pause-added"}


def test_dtmf_parsing():
    assert DtmfSequence.parse_paycall("WWW111113").items == (Pause(3.0), Keys("111113"))
    assert DtmfSequence.parse_paycall("w1#113") == DtmfSequence.of(0.5, "1#113")
    assert DtmfSequence.parse_paycall("1x2").keys == "12"
    assert DtmfSequence.parse_iovox(",,1,,2") == DtmfSequence.of(4, "1", 4, "2")
    assert DtmfSequence.of(1, 0.5, "1", "2").items == (Pause(1.5), Keys("12"))
    with pytest.raises(ValueError):
        Keys("A")
    with pytest.raises(ValueError):
        Pause(-1)


def test_rounding_warning_is_plain():
    (finding,) = DtmfSequence.of(0.3, "1").to_paycall().findings
    assert finding.message == (
        "A pause of 0.3 seconds before sending keys becomes 0.5 seconds: "
        "Paycall can only wait in steps of half a second."
    )


def test_iovox_contact_check_reports_rounding():
    contact = Contact(number="449789123123", dtmf_originator=DtmfSequence.of(3, "1"))
    assert [f.code for f in iovox.check_contact(contact)] == ["dtmf-pause-rounded"]
    assert json.dumps(iovox.call_destination(contact)[0]) == '"449789123123,,1"'


@pytest.mark.parametrize(
    ("reader", "data"),
    [
        (import_iovox_request, b"<request>"),
        (
            import_iovox_request,
            b"<request><call_variables><delay>x</delay></call_variables></request>",
        ),
        (import_phonon_request, "not json"),
        (import_phonon_request, "[]"),
    ],
)
def test_unreadable_requests(reader, data):
    from providers.paycall.importer import PaycallImportError

    with pytest.raises(PaycallImportError):
        reader(data)
