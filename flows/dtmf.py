"""One "DTMF after answer" sequence, written for each provider.

The canonical form is a sequence of key groups and pauses in seconds. Paycall
writes pauses as ``W`` (1 s) and ``w`` (0.5 s) between keys
(``dtmf_originator``, ``dtmf_keys``, ``dtmf_a``/``dtmf_b``); iovox appends the
keys to the dialled number after commas, each comma a 2-second pause counted
from the answer (``449789123123,,1,,2``). A pause that the provider cannot
express exactly is rounded to the nearest step, with a warning.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flows.findings import WARNING, Finding

PAYCALL_DTMF_CHARS = frozenset("0123456789*#Ww")
KEY_CHARS = frozenset("0123456789*#")
IOVOX_PAUSE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Keys:
    """Keys pressed one right after the other (``0-9``, ``*``, ``#``)."""

    keys: str

    def __post_init__(self) -> None:
        bad = set(self.keys) - KEY_CHARS
        if bad or not self.keys:
            raise ValueError(f"DTMF keys must be 0-9, * or #: {self.keys!r}")


@dataclass(frozen=True, slots=True)
class Pause:
    """Silence before the next keys, in seconds."""

    seconds: float

    def __post_init__(self) -> None:
        if not (self.seconds >= 0 and math.isfinite(self.seconds)):
            raise ValueError(f"a pause must be zero or more seconds: {self.seconds!r}")


@dataclass(frozen=True, slots=True)
class Conversion:
    """A sequence written for a provider, and what had to change on the way."""

    text: str
    findings: tuple[Finding, ...] = ()


_PAYCALL_DTMF = re.compile(r"[0-9*#Ww]*")


def invalid_paycall_chars(text: str) -> list[str]:
    """Characters Paycall ignores in a DTMF string (anything but 0-9 * # W w)."""
    if _PAYCALL_DTMF.fullmatch(text):
        return []
    return sorted({c for c in text if c not in PAYCALL_DTMF_CHARS})


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5 + 1e-9)


@dataclass(frozen=True, slots=True)
class DtmfSequence:
    """Keys and pauses to send once the call is answered.

    Build one with :meth:`of` (numbers are pauses in seconds, strings are keys),
    :meth:`parse_paycall` or :meth:`parse_iovox`; write it with
    :meth:`to_paycall` / :meth:`to_iovox`. Adjacent items of the same kind are
    merged, so equal sequences compare equal.
    """

    items: tuple[Keys | Pause, ...] = ()

    def __post_init__(self) -> None:
        merged: list[Keys | Pause] = []
        for item in self.items:
            if isinstance(item, Pause) and item.seconds == 0:
                continue
            last = merged[-1] if merged else None
            if isinstance(last, Keys) and isinstance(item, Keys):
                item = Keys(last.keys + item.keys)
                merged.pop()
            elif isinstance(last, Pause) and isinstance(item, Pause):
                item = Pause(last.seconds + item.seconds)
                merged.pop()
            merged.append(item)
        object.__setattr__(self, "items", tuple(merged))

    @classmethod
    def of(cls, *parts: str | float | int) -> DtmfSequence:
        items: list[Keys | Pause] = []
        for part in parts:
            if isinstance(part, str):
                items.append(Keys(part))
            else:
                items.append(Pause(float(part)))
        return cls(tuple(items))

    @classmethod
    def coerce(cls, value: DtmfSequence | str | None) -> DtmfSequence | None:
        """None stays None; a string is read in Paycall's notation."""
        if value is None or isinstance(value, DtmfSequence):
            return value
        return cls.parse_paycall(value)

    @classmethod
    def parse_paycall(cls, text: str) -> DtmfSequence:
        """Read Paycall's notation; characters Paycall ignores are skipped."""
        items: list[Keys | Pause] = []
        for c in text:
            if c == "W":
                items.append(Pause(1.0))
            elif c == "w":
                items.append(Pause(0.5))
            elif c in KEY_CHARS:
                items.append(Keys(c))
        return cls(tuple(items))

    @classmethod
    def parse_iovox(cls, suffix: str) -> DtmfSequence:
        """Read the part of an iovox ``call_destination`` after the number."""
        items: list[Keys | Pause] = []
        for c in suffix:
            if c == ",":
                items.append(Pause(IOVOX_PAUSE_SECONDS))
            elif c in KEY_CHARS:
                items.append(Keys(c))
        return cls(tuple(items))

    @property
    def keys(self) -> str:
        return "".join(i.keys for i in self.items if isinstance(i, Keys))

    @property
    def seconds(self) -> float:
        return sum(i.seconds for i in self.items if isinstance(i, Pause))

    def __bool__(self) -> bool:
        return bool(self.items)

    def to_paycall(self, field: str = "dtmf") -> Conversion:
        """``W``/``w`` notation; pauses round to the nearest half second."""
        out: list[str] = []
        findings: list[Finding] = []
        for item in self.items:
            if isinstance(item, Keys):
                out.append(item.keys)
                continue
            halves = _round_half_up(item.seconds * 2)
            if halves / 2 != item.seconds:
                findings.append(
                    _rounded(field, item.seconds, halves / 2, "Paycall", "half a second")
                )
            out.append("W" * (halves // 2) + "w" * (halves % 2))
        return Conversion("".join(out), tuple(findings))

    def to_iovox(self, field: str = "call_destination") -> Conversion:
        """Commas (2 s each) then keys, to append to the dialled number.

        iovox needs at least one comma between the number and the first key,
        so a sequence that starts with keys gets a 2-second pause first.
        """
        out: list[str] = []
        findings: list[Finding] = []
        for index, item in enumerate(self.items):
            if isinstance(item, Keys):
                if index == 0:
                    findings.append(
                        Finding(
                            WARNING,
                            "dtmf-pause-added",
                            "iovox presses keys only after a pause of at least 2 seconds "
                            "from the answer, so a 2-second pause was added before the "
                            f"first key ({item.keys}).",
                            field=field,
                        )
                    )
                    out.append(",")
                out.append(item.keys)
                continue
            commas = _round_half_up(item.seconds / IOVOX_PAUSE_SECONDS)
            if index == 0 and len(self.items) > 1:
                commas = max(commas, 1)
            if commas * IOVOX_PAUSE_SECONDS != item.seconds:
                findings.append(
                    _rounded(
                        field, item.seconds, commas * IOVOX_PAUSE_SECONDS, "iovox", "2 seconds"
                    )
                )
            out.append("," * commas)
        return Conversion("".join(out), tuple(findings))


def _rounded(field: str, wanted: float, got: float, provider: str, step: str) -> Finding:
    return Finding(
        WARNING,
        "dtmf-pause-rounded",
        f"A pause of {_secs(wanted)} before sending keys becomes {_secs(got)}: "
        f"{provider} can only wait in steps of {step}.",
        field=field,
    )


def _secs(x: float) -> str:
    text = f"{x:g}"
    return f"{text} second" if text == "1" else f"{text} seconds"
