"""The simulated callees: each accepted call gets an outcome, times and a CDR.

Randomness is seeded by the account's seed and the call's identity (number,
campaign, client identifier), so the same request always ends the same way. A
CalleeScript row fixes the outcome and key presses of a number, for demos and tests.
Answered Paycall calls walk the submitted IVR through flows.simulator.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from flows.canonical import SCHEMA_VERSION
from flows.simulator import simulate

from .models import CalleeScript, LedgerCall, PaycallCampaign, Provider, SandboxAccount

ANSWERED = "NORMAL_CLEARING"
FAILURE_CAUSES = (
    "UNALLOCATED_NUMBER",
    "NO_ROUTE_DESTINATION",
    "NO_ROUTE_TRANSIT_NET",
    "CALL_REJECTED",
    "NORMAL_TEMPORARY_FAILURE",
    "RECOVERY_ON_TIMER_EXPIRE",
    "NO_USER_RESPONSE",
)
STATUS_OF_CAUSE = {
    "NORMAL_CLEARING": "answered",
    "ALLOTTED_TIMEOUT": "answered",
    "USER_BUSY": "busy",
    "NO_ANSWER": "no_answer",
    "NO_USER_RESPONSE": "no_answer",
    "CALL_REJECTED": "rejected",
    "UNALLOCATED_NUMBER": "invalid_number",
    "NO_ROUTE_DESTINATION": "invalid_number",
    "NO_ROUTE_TRANSIT_NET": "invalid_number",
}
MAX_SIMULATED_KEYS = 6


@dataclass
class Outcome:
    hangup_cause: str
    ring_seconds: int
    talk_seconds: int
    keys: list[str] = field(default_factory=list)


def status_of(hangup_cause: str) -> str:
    return STATUS_OF_CAUSE.get(hangup_cause, "failed")


def rng_for(account: SandboxAccount, call: LedgerCall) -> random.Random:
    return random.Random(
        f"{account.seed}|{call.number}|{call.campaign_unique_id}|{call.client_identifier}"
    )


def ivr_steps(ivr: dict | None) -> list:
    """The steps the IVR plays: "If the number of steps is different then count_steps,
    then the IVR will stop at the minimal steps provided" (Paycall, IVR API)."""
    steps = (ivr or {}).get("steps") or []
    count = (ivr or {}).get("count_steps")
    return steps[:count] if isinstance(count, int) else steps


def ivr_keys(ivr: dict | None) -> list[str]:
    keys = []
    for step in ivr_steps(ivr):
        accepted = step.get("dtmf_ivr")
        keys.extend([accepted] if isinstance(accepted, str) else accepted or [])
    return keys


def pick_outcome(account, call, rng: random.Random, ivr: dict | None, script) -> Outcome:
    ring = rng.randint(2, 15)
    if script is not None:
        talk = script.talk_seconds if status_of(script.hangup_cause) == "answered" else 0
        return Outcome(script.hangup_cause, ring, talk, list(script.keys))
    draw = rng.random()
    if draw < account.answer_rate:
        choices = ivr_keys(ivr)
        keys = [rng.choice(choices) for _ in range(MAX_SIMULATED_KEYS)] if choices else []
        return Outcome(ANSWERED, ring, rng.randint(5, 60), keys)
    draw -= account.answer_rate
    if draw < account.busy_rate:
        return Outcome("USER_BUSY", 1, 0)
    draw -= account.busy_rate
    if draw < account.no_answer_rate:
        return Outcome("NO_ANSWER", rng.randint(15, 30), 0)
    return Outcome(rng.choice(FAILURE_CAUSES), ring, 0)


def walk_ivr(request: dict, unique_id: str, keys: list[str], variables: dict) -> dict:
    """The steps report of an answered call: the IVR walked with the callee's keys."""
    definition = {
        "schema_version": SCHEMA_VERSION,
        "name": unique_id,
        **request["ivr"],
        "steps": ivr_steps(request["ivr"]),
        "variables": [],
    }
    result = simulate(
        definition,
        keys,
        variables=variables,
        max_retries=request.get("max_retries"),
        unique_id=unique_id,
    )
    return result.report


def empty_report(unique_id: str) -> dict:
    return {"steps": [], "invalid": [], "unique_id": unique_id}


def simulate_calls(calls: list[LedgerCall]) -> list[LedgerCall]:
    """Give each call its outcome and CDR fields (not saved: the caller bulk-updates)."""
    if not calls:
        return []
    scripts = {
        script.number: script
        for script in CalleeScript.objects.filter(number__in={call.number for call in calls})
    }
    campaigns = {
        (campaign.account_id, campaign.unique_id): campaign
        for campaign in PaycallCampaign.objects.filter(
            unique_id__in={call.campaign_unique_id for call in calls if call.campaign_unique_id}
        )
    }
    for call in calls:
        account = call.account
        campaign = campaigns.get((account.pk, call.campaign_unique_id))
        ivr = (campaign.request.get("ivr") if campaign else None) or None
        rng = rng_for(account, call)
        outcome = pick_outcome(account, call, rng, ivr, scripts.get(call.number))
        start = call.accepted_at
        if campaign and campaign.start_at and campaign.start_at > start:
            start = campaign.start_at
        call.start_time = start
        call.hangup_cause = outcome.hangup_cause
        call.keys_pressed = outcome.keys
        answered = status_of(outcome.hangup_cause) == "answered"
        call.answer_time = start + timedelta(seconds=outcome.ring_seconds) if answered else None
        call.hangup_time = start + timedelta(seconds=outcome.ring_seconds + outcome.talk_seconds)
        call.duration = outcome.ring_seconds + outcome.talk_seconds
        call.billsec = outcome.talk_seconds
        if account.provider == Provider.PAYCALL and campaign:
            call.steps = (
                walk_ivr(campaign.request, campaign.unique_id, outcome.keys, call.variables)
                if answered and ivr
                else empty_report(campaign.unique_id)
            )
        call.state = "completed"
    return calls
