"""Numbers as the Paycall document's E.164 section reads them, checked against
phonenumbers itself."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from phonelists.numbers import (
    REASON_EMPTY,
    REASON_INVALID_FOR_REGION,
    REASON_NO_DEFAULT_COUNTRY,
    REASON_NOT_A_NUMBER,
    REASON_TOO_LONG,
    REASON_TOO_SHORT,
    REASON_UNKNOWN_COUNTRY,
    NumberReader,
    _fast_international,
    _slow,
    clean_dtmf,
    normalise_number,
)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        # The doc: "[+]<country code><phone number>"; the plus is optional.
        ("+97231000000", None, "+97231000000"),
        ("97231000000", None, "+97231000000"),
        ("+14155552671", None, "+14155552671"),
        ("14155552671", None, "+14155552671"),
        ("972723000000", None, "+972723000000"),
        # Local numbers take the list's default country.
        ("0544567890", "IL", "+972544567890"),
        ("054-456-7890", "IL", "+972544567890"),
        ("(415) 555-2671", "US", "+14155552671"),
        # Without a country code and not valid internationally: tried as local.
        ("4155552671", "US", "+14155552671"),
        # 00 is the international call prefix.
        ("0097231000000", "IL", "+97231000000"),
        # A national trunk prefix after the country code is dropped, as phonenumbers does.
        ("+9720544567890", None, "+972544567890"),
    ],
)
def test_numbers_are_normalised_to_e164(raw, region, e164):
    verdict = normalise_number(raw, region)
    assert verdict.e164 == e164
    assert phonenumbers.is_valid_number(phonenumbers.parse(verdict.e164))


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "IL", REASON_EMPTY),
        ("   ", "IL", REASON_EMPTY),
        ("hello", "IL", REASON_NOT_A_NUMBER),
        ("+972-54-abc", "IL", REASON_NOT_A_NUMBER),
        ("12", "IL", REASON_TOO_SHORT),
        ("+9721234", None, REASON_TOO_SHORT),
        ("+999123456789", None, REASON_UNKNOWN_COUNTRY),
        ("0544567890", None, REASON_NO_DEFAULT_COUNTRY),
        ("+97254456789012345678", None, REASON_TOO_LONG),
        # The doc's own example numbers are placeholders phonenumbers knows are unassigned.
        ("+972540000000", "IL", REASON_INVALID_FOR_REGION),
        ("972212345678", "IL", REASON_INVALID_FOR_REGION),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, region, reason):
    verdict = normalise_number(raw, region)
    assert verdict.e164 is None
    assert verdict.reason == reason


def test_caller_ids_need_only_a_possible_length():
    # 072-000-0000 is not in phonenumbers' ranges, but it is a caller ID, shown, not dialled.
    assert normalise_number("0720000000", "IL").e164 is None
    assert normalise_number("0720000000", "IL", possible_only=True).e164 == "+972720000000"
    assert normalise_number("123", "IL", possible_only=True).e164 is None


def test_the_reader_memo_gives_the_same_verdicts():
    reader = NumberReader("IL")
    first = reader("0544567890")
    assert reader("0544567890") is first
    assert first.e164 == "+972544567890"


@pytest.mark.parametrize(
    ("raw", "kept", "dropped"),
    [
        ("w1#113", "w1#113", 0),
        ("WW12*#", "WW12*#", 0),
        ("1#2", "1#2", 0),
        ("", "", 0),
        # The doc: "If invalid chars will provide, they will be ignored."
        ("WW12x3", "WW123", 1),
        ("1-2-3 ", "123", 2),
        ("abc", "", 3),
    ],
)
def test_dtmf_keeps_only_the_documented_characters(raw, kept, dropped):
    assert clean_dtmf(raw) == (kept, dropped)


_CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)


@st.composite
def international_digits(draw):
    """Digits after a country code: random, or an example number with its end changed."""
    code = draw(st.sampled_from(_CODES + [1, 1, 7, 44, 972, 972]))
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    region = draw(st.sampled_from(regions))
    example = phonenumbers.example_number(region) if region != "001" else None
    if example is not None and draw(st.booleans()):
        national = str(example.national_number)
        keep = draw(st.integers(min_value=max(0, len(national) - 4), max_value=len(national)))
        tail = draw(
            st.text("0123456789", min_size=len(national) - keep, max_size=len(national) - keep + 1)
        )
        return f"{example.country_code}{national[:keep]}{tail}"
    return str(code) + draw(st.text("0123456789", min_size=1, max_size=15))


@settings(max_examples=1500, deadline=None)
@given(international_digits())
def test_the_fast_path_agrees_with_phonenumbers(digits):
    fast = _fast_international(digits)
    slow = _slow("+" + digits, None)
    if fast is not None:
        assert fast == (slow.e164, slow.region)
    if slow.e164 is not None:
        assert phonenumbers.is_valid_number(phonenumbers.parse(slow.e164))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40), st.sampled_from([None, "IL", "US", "RU"]))
def test_any_text_gets_a_verdict(raw, region):
    verdict = normalise_number(raw, region)
    assert (verdict.e164 is None) != (verdict.reason is None)
    if verdict.e164:
        assert phonenumbers.is_valid_number(phonenumbers.parse(verdict.e164))
