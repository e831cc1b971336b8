"""ITU Q.850 hangup causes as Paycall's CDRs name them, in plain words.

The first eleven rows are the table of Paycall's document ("CDR hangup_cause
statuses"); the outcome column groups them for reports and retry decisions.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class HangupCause:
    name: str
    q850: int
    description: str
    outcome: str  # answered | no_answer | busy | rejected | invalid_number | failed
    retryable: bool


HANGUP_CAUSES: dict[str, HangupCause] = {
    cause.name: cause
    for cause in (
        HangupCause(
            "RECOVERY_ON_TIMER_EXPIRE",
            102,
            "Timeout to connect phone carrier, or the call has arrived to timeout by the carrier.",
            "failed",
            True,
        ),
        HangupCause(
            "NORMAL_TEMPORARY_FAILURE",
            41,
            "The end carrier is not available for a long period of time.",
            "failed",
            True,
        ),
        HangupCause("USER_BUSY", 17, "The far end was busy.", "busy", True),
        HangupCause(
            "ALLOTTED_TIMEOUT",
            602,
            "The entire call had worked properly, but arrived to fixed timeout set by Paycall.",
            "answered",
            False,
        ),
        HangupCause(
            "NO_USER_RESPONSE",
            18,
            "The callee did not answer in any way to the call - no signal was provided for it.",
            "no_answer",
            True,
        ),
        HangupCause(
            "NORMAL_CLEARING",
            16,
            "The call was answered, and finished properly.",
            "answered",
            False,
        ),
        HangupCause("NO_ANSWER", 19, "The callee did not answer the call.", "no_answer", True),
        HangupCause(
            "CALL_REJECTED",
            21,
            "The callee chose to press CANCEL when the call arrived.",
            "rejected",
            True,
        ),
        HangupCause(
            "NO_ROUTE_TRANSIT_NET",
            2,
            "The phone number was not found (no route to the transit network).",
            "invalid_number",
            False,
        ),
        HangupCause(
            "NO_ROUTE_DESTINATION",
            3,
            "The phone number was not found (no route to the destination).",
            "invalid_number",
            False,
        ),
        HangupCause(
            "UNALLOCATED_NUMBER",
            1,
            "The phone number was not found (same as 404 for web pages).",
            "invalid_number",
            False,
        ),
    )
}


def describe(name: str) -> HangupCause:
    """The cause by name; an undocumented one is kept, described as such."""
    return HANGUP_CAUSES.get(
        name,
        HangupCause(name, 0, f"Hangup cause {name} (not in the provider's table).", "failed", True),
    )
