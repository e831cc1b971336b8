"""Phone numbers, caller IDs and DTMF strings as the Paycall document defines them.

Pure functions, no ORM. A number is `[+]<country code><phone number>` (the doc's E.164
section: the plus sign is optional); a number that starts with a single 0 is a local
number and takes the list's default country. The answer is always the E.164 form
(`+972541234567`) or a reason the number was refused.

Speed matters here (a million rows in seconds), so the common case, digits with a
country code, takes a fast path that applies phonenumbers' own metadata patterns
directly; it gives exactly the answer of `phonenumbers.parse` + `is_valid_number`
(the tests compare both on many inputs) and falls back to them for anything unusual.
"""

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

# Reasons a number is refused; the keys appear in reports and the rejected-lines CSV.
REASON_EMPTY = "empty number"
REASON_NOT_A_NUMBER = "not a phone number"
REASON_TOO_SHORT = "too short"
REASON_TOO_LONG = "too long"
REASON_UNKNOWN_COUNTRY = "unknown country code"
REASON_NO_DEFAULT_COUNTRY = "local number but the list has no default country"
REASON_INVALID_LENGTH = "wrong length for its country"
REASON_INVALID_FOR_REGION = "not a valid number for its region"
REASON_NOT_E164 = "not a well-formed E.164 number (+ and 8 to 15 digits)"

# The providers' documents define E.164 by its shape: a plus, then 8 to 15 digits
# (country code first, so not starting with 0).
E164_MIN_DIGITS = 8
E164_MAX_DIGITS = 15
# Refusals a well-formed number may override: phonenumbers does not know the range
# or the length, but the number has the shape the providers accept.
_SHAPE_MAY_OVERRIDE = frozenset(
    {
        REASON_TOO_SHORT,
        REASON_TOO_LONG,
        REASON_UNKNOWN_COUNTRY,
        REASON_INVALID_LENGTH,
        REASON_INVALID_FOR_REGION,
    }
)

# Separators people type inside numbers; anything else that is not a digit is refused.
_SEPARATORS = str.maketrans("", "", " -.()/\u00a0\t")
_DIGITS_RE = re.compile(r"\+?[0-9]+")
_MAX_DIGITS = 20

DTMF_ALLOWED = frozenset("0123456789#*Ww")
_DTMF_VALID_RE = re.compile(r"[0-9#*Ww]*")


class Verdict(NamedTuple):
    """The outcome of reading one number: its E.164 form, or why it was refused.
    (A named tuple: a million of them are made per big list, and tuples are cheap.)"""

    e164: str | None
    reason: str | None = None
    region: str | None = None


def _region_rules(region: str, country_code: int):
    """Compiled validity rules of one region: its general pattern and lengths, per NSN
    length the union of its number-type patterns (the patterns `_number_type_helper`
    tries, in any order: only "some type matches" matters), and its leading digits."""
    if region == "001":
        metadata = PhoneMetadata.metadata_for_nongeo_region(country_code, None)
    else:
        metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None:
        return None
    general = metadata.general_desc
    # A region without a general pattern exists but never validates a number.
    general_re = None
    if general is not None and general.national_number_pattern:
        general_re = re.compile(general.national_number_pattern)
    descs = [
        metadata.fixed_line,
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    ]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.insert(1, metadata.mobile)
    descs = [d for d in descs if d is not None and d.national_number_pattern]
    return (
        frozenset(general.possible_length) if general is not None else frozenset(),
        general_re,
        _UnionByLength(descs),
        re.compile(metadata.leading_digits) if metadata.leading_digits else None,
    )


class _UnionByLength(dict):
    """NSN length -> one compiled union of the type patterns allowing that length,
    compiled on first use (most regions only ever see one or two lengths)."""

    def __init__(self, descs):
        super().__init__()
        self.descs = descs

    def __missing__(self, length: int):
        patterns = [
            d.national_number_pattern
            for d in self.descs
            if not d.possible_length or length in d.possible_length
        ]
        compiled = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self[length] = compiled
        return compiled


def _type_known(rules, nsn: str) -> bool:
    lengths, general, by_length, _ = rules
    if (lengths and len(nsn) not in lengths) or general is None or not general.fullmatch(nsn):
        return False
    pattern = by_length[len(nsn)]
    return pattern is not None and pattern.fullmatch(nsn) is not None


class _CountryPlan:
    """What the fast path needs for one country calling code, compiled on first use."""

    __slots__ = ("country_code", "code_length", "prefix", "regions", "single", "rules")

    def __init__(self, country_code: int):
        self.country_code = country_code
        self.code_length = len(str(country_code))
        self.regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
        self.single = len(self.regions) == 1
        main = PhoneMetadata.metadata_for_region_or_calling_code(country_code, self.regions[0])
        pattern = main.national_prefix_for_parsing if main is not None else None
        self.prefix = re.compile(pattern) if pattern else None
        self.rules = None

    def load_rules(self):
        self.rules = [
            (region, rules)
            for region in self.regions
            if (rules := _region_rules(region, self.country_code)) is not None
        ]
        return self.rules


_PLANS = {str(code): _CountryPlan(code) for code in COUNTRY_CODE_TO_REGION_CODE}


def _fast_international(digits: str) -> tuple[str, str] | None:
    """`+<digits>` read with phonenumbers' rules as (E.164, region), or None when the
    slow path must decide (unusual shapes, and every invalid number).

    Mirrors parse(): the country code is the shortest known 1-3 digit prefix; a
    national number that a national-prefix rule might rewrite, or that has a leading
    zero, goes to the slow path. Validity mirrors is_valid_number: the region is the
    first whose leading digits match (or, without leading digits, whose patterns
    match), and the number is valid when one of that region's type patterns matches.
    """
    if not 4 <= len(digits) <= _MAX_DIGITS or digits[0] == "0":
        return None
    plan = _PLANS.get(digits[:1]) or _PLANS.get(digits[:2]) or _PLANS.get(digits[:3])
    if plan is None:
        return None
    nsn = digits[plan.code_length :]
    if not 2 <= len(nsn) <= 17 or nsn[0] == "0":
        return None
    if plan.prefix is not None and plan.prefix.match(nsn):
        return None
    for region, rules in plan.rules or plan.load_rules():
        leading = rules[3]
        if leading is not None and not plan.single:
            if leading.match(nsn):
                return ("+" + digits, region) if _type_known(rules, nsn) else None
        elif _type_known(rules, nsn):
            return "+" + digits, region
        elif plan.single:
            return None
    return None


def _reason_for(numobj) -> str:
    result = phonenumbers.is_possible_number_with_reason(numobj)
    return {
        ValidationResult.TOO_SHORT: REASON_TOO_SHORT,
        ValidationResult.TOO_LONG: REASON_TOO_LONG,
        ValidationResult.INVALID_COUNTRY_CODE: REASON_UNKNOWN_COUNTRY,
        ValidationResult.INVALID_LENGTH: REASON_INVALID_LENGTH,
    }.get(result, REASON_INVALID_FOR_REGION)


_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: REASON_UNKNOWN_COUNTRY,
    NumberParseException.NOT_A_NUMBER: REASON_NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: REASON_TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: REASON_TOO_SHORT,
    NumberParseException.TOO_LONG: REASON_TOO_LONG,
}


def _slow(text: str, region: str | None, possible_only: bool = False) -> Verdict:
    try:
        numobj = phonenumbers.parse(text, region)
    except NumberParseException as error:
        return Verdict(None, _PARSE_ERRORS.get(error.error_type, REASON_NOT_A_NUMBER))
    check = phonenumbers.is_possible_number if possible_only else phonenumbers.is_valid_number
    if not check(numobj):
        return Verdict(None, _reason_for(numobj))
    return Verdict(
        phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164),
        None,
        phonenumbers.region_code_for_number(numobj),
    )


def _fast(digits: str) -> Verdict | None:
    found = _fast_international(digits)
    return Verdict(found[0], None, found[1]) if found else None


def normalise_number(
    raw: str,
    default_region: str | None = None,
    *,
    possible_only: bool = False,
    well_formed: bool = False,
) -> Verdict:
    """Read one number the way the Paycall document describes it.

    `+9725...` and `9725...` are international (the plus is optional); `05...` is local
    to `default_region`; `00...` is an international call prefix. A number without a
    plus that is not valid internationally is also tried as a local number of the
    default region (a US list may hold `4155552671`).

    `possible_only` accepts numbers of a possible length for their country even when
    phonenumbers does not know the range: right for caller IDs, which are shown, not
    dialled, and are often service numbers newer than the metadata.

    `well_formed` (a list's "well-formed E.164" policy) also accepts what is refused
    only for not being valid in its region, when its E.164 form has the providers'
    shape: +, 8 to 15 digits. A local number still needs the default region.
    """
    verdict = _normalise(raw, default_region, possible_only)
    if well_formed and verdict.e164 is None and verdict.reason in _SHAPE_MAY_OVERRIDE:
        return _by_shape(raw.strip().translate(_SEPARATORS), default_region, verdict)
    return verdict


def _by_shape(text: str, default_region: str | None, refused: Verdict) -> Verdict:
    """The number as E.164 by shape alone, or the strict refusal when it has not the
    shape. `text` has passed `_normalise`'s checks (digits, optional plus)."""
    if text[0] == "+":
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text[0] == "0":
        if default_region is None:
            return Verdict(None, REASON_NO_DEFAULT_COUNTRY)
        try:
            numobj = phonenumbers.parse(text, default_region)
        except NumberParseException:
            return refused
        digits = phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164)[1:]
    else:
        digits = text
    if digits[:1] == "0" or not E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS:
        return Verdict(None, REASON_NOT_E164)
    plan = _PLANS.get(digits[:1]) or _PLANS.get(digits[:2]) or _PLANS.get(digits[:3])
    region = plan.regions[0] if plan is not None and plan.single else None
    return Verdict("+" + digits, None, region)


def _normalise(raw: str, default_region: str | None, possible_only: bool) -> Verdict:
    text = raw.strip().translate(_SEPARATORS)
    if not text:
        return Verdict(None, REASON_EMPTY)
    if not _DIGITS_RE.fullmatch(text):
        return Verdict(None, REASON_NOT_A_NUMBER)
    if len(text) > _MAX_DIGITS + 1:
        return Verdict(None, REASON_TOO_LONG)
    if len(text.lstrip("+")) < 3:
        return Verdict(None, REASON_TOO_SHORT)
    if text[0] == "+":
        return _fast(text[1:]) or _slow(text, None, possible_only)
    if text.startswith("00"):
        return _fast(text[2:]) or _slow("+" + text[2:], None, possible_only)
    if text[0] == "0":
        if default_region is None:
            return Verdict(None, REASON_NO_DEFAULT_COUNTRY)
        return _slow(text, default_region, possible_only)
    verdict = _fast(text) or _slow("+" + text, None, possible_only)
    if verdict.e164 is None and default_region is not None:
        local = _slow(text, default_region, possible_only)
        if local.e164 is not None:
            return local
    return verdict


class NumberReader:
    """normalise_number with a bounded per-list memo: lists repeat caller IDs and
    numbers, and the slow path costs tens of microseconds."""

    MEMO_LIMIT = 50_000

    def __init__(self, default_region: str | None, *, well_formed: bool = False):
        self.default_region = default_region
        self.well_formed = well_formed
        self._memo: dict[str, Verdict] = {}

    def __call__(self, raw: str) -> Verdict:
        # Most cells are bare international numbers: go straight to the fast path.
        digits = raw[1:] if raw[:1] == "+" else raw
        if digits.isascii() and digits.isdigit() and digits[:1] != "0":
            found = _fast_international(digits)
            if found is not None:
                return Verdict(found[0], None, found[1])
        verdict = self._memo.get(raw)
        if verdict is None:
            verdict = normalise_number(raw, self.default_region, well_formed=self.well_formed)
            if len(self._memo) < self.MEMO_LIMIT:
                self._memo[raw] = verdict
        return verdict


def clean_dtmf(raw: str) -> tuple[str, int]:
    """The DTMF string with invalid characters dropped (the doc: "If invalid chars will
    provide, they will be ignored"), and how many were dropped."""
    text = raw.strip()
    if _DTMF_VALID_RE.fullmatch(text):
        return text, 0
    kept = "".join(ch for ch in text if ch in DTMF_ALLOWED)
    return kept, len(text) - len(kept)
