"""A queued Paycall campaign: recordings, then the dialer (numbers_from_queue, or the
simple dialer from_campaign), then the phone list as one .gz file, then start.

Each stage is a DispatchBatch, recorded before it is sent and claimed like any other,
and each is safe to repeat: uploads overwrite, the dialer answers DUPLICATE_UNIQUE_ID
and start ALREADY_STARTED when they were done already. The phone list is the one
stage Paycall appends to, so a list upload in doubt is settled by trying to start:
NO_NUMBERS means the upload never arrived.
"""

import csv
import datetime as dt
import gzip
import io
import secrets

from django.db import transaction

from campaigns.lifecycle import transition
from campaigns.models import Call, Campaign, DispatchBatch
from campaigns.models.campaigns import (
    BatchState,
    CallState,
    CampaignState,
    DispatchMode,
    PaycallStage,
)
from campaigns.outbound import dialer_stage_request
from campaigns.rounds import RoundReport, backoff, lease_seconds, replay_delay, window_of
from campaigns.scheduling import may_send_now, next_send_time
from flows.canonical import steps as flow_steps
from flows.models import Recording
from providers import OutboundRequest, ProviderError, get_client
from providers.base import Upload
from providers.paycall.client import phone_list_upload, recording_upload
from providers.paycall.simple_dialer import phone_list_line

NEXT_STAGE = {
    PaycallStage.NOT_STARTED: PaycallStage.RECORDINGS_UPLOADED,
    PaycallStage.RECORDINGS_UPLOADED: PaycallStage.DIALER_CREATED,
    PaycallStage.DIALER_CREATED: PaycallStage.PHONES_UPLOADED,
    PaycallStage.PHONES_UPLOADED: PaycallStage.STARTED,
}
DONE_WHEN = {"DUPLICATE_UNIQUE_ID": PaycallStage.DIALER_CREATED, "ALREADY_STARTED": None}
PHONE_LIST_NAME = "phones.csv.gz"


def recording_names(definition: dict) -> set[str]:
    names = set()
    for step in flow_steps(definition):
        if step.get("prompt_is_file") == "true" and isinstance(step.get("prompt"), str):
            names.add(step["prompt"])
        if step.get("dtmf_invalid_text_is_file") == "true" and isinstance(
            step.get("dtmf_ivr_invalid_text"), str
        ):
            names.add(step["dtmf_ivr_invalid_text"])
        for route in step.get("actions") or []:
            for action in route.get("actions") or []:
                params = action.get("params") or {}
                if action.get("action") == "play" and params.get("is_recording") == "true":
                    names.add(params.get("text", ""))
    return {name for name in names if name}


def phone_list_file(campaign: Campaign) -> bytes:
    """The campaign's numbers as Paycall's CSV (number, cli, dtmf_originator), gzipped.
    The full dialer carries the campaign's caller id and keys itself; the simple
    dialer only through each line."""
    simple = campaign.mode == DispatchMode.PAYCALL_SIMPLE
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    rows = Call.objects.filter(campaign=campaign).order_by("position")
    for number, cli, dtmf in rows.values_list("number", "cli", "dtmf_originator").iterator(
        chunk_size=5000
    ):
        if simple:
            number, cli, dtmf = phone_list_line(
                number, cli, dtmf, campaign_cli=campaign.cli, campaign_dtmf=campaign.dtmf_originator
            )
        writer.writerow([number, cli, dtmf])
    return gzip.compress(text.getvalue().encode(), mtime=0)


def stage_payload(campaign: Campaign, stage: str, now: dt.datetime, due: dt.datetime) -> dict:
    definition = campaign.flow_version.definition
    unique_id = campaign.paycall_unique_id
    if stage == PaycallStage.RECORDINGS_UPLOADED:
        return {"stage": stage, "recordings": sorted(recording_names(definition))}
    if stage == PaycallStage.DIALER_CREATED:
        return {"stage": stage, "request": dialer_stage_request(campaign, now, due).as_dict()}
    return {"stage": stage, "unique_id": unique_id}


@transaction.atomic
def claim_stage(campaign: Campaign, now, due) -> tuple[DispatchBatch, str] | None:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state != CampaignState.RUNNING or locked.paycall_stage == PaycallStage.STARTED:
        return None
    open_batches = DispatchBatch.objects.filter(
        campaign=locked, state__in=(BatchState.SENDING, BatchState.RETRY, BatchState.UNCERTAIN)
    )
    token = secrets.token_hex(8)
    batch = open_batches.filter(
        state__in=(BatchState.RETRY, BatchState.UNCERTAIN), next_attempt_at__lte=now
    ).first()
    if batch is not None:
        batch.state, batch.claim_token, batch.claimed_at = BatchState.SENDING, token, now
        batch.attempts += 1
        batch.save(update_fields=["state", "claim_token", "claimed_at", "attempts"])
        return batch, token
    if open_batches.exists():
        return None
    stage = NEXT_STAGE[PaycallStage(locked.paycall_stage)]
    batch = DispatchBatch.objects.create(
        campaign=locked,
        state=BatchState.SENDING,
        payload=stage_payload(locked, stage, now, due),
        attempts=1,
        claim_token=token,
        claimed_at=now,
    )
    return batch, token


def run_stage(client, campaign: Campaign, batch: DispatchBatch) -> tuple[str, dict]:
    """Send one stage; returns the stage reached and the provider's answer."""
    payload = batch.payload
    stage = payload["stage"]
    unique_id = campaign.paycall_unique_id
    if stage == PaycallStage.RECORDINGS_UPLOADED:
        files = [
            recording_upload(rec.name, rec.file.read())
            for rec in Recording.objects.filter(name__in=payload["recordings"])
        ]
        answer = client.upload_recordings(files) if files else {"status": "nothing to upload"}
        return stage, answer
    if stage == PaycallStage.DIALER_CREATED:
        result = client.send(OutboundRequest.from_dict(payload["request"]))
        return stage, {"status": result.code, "unique_id": result.request_id}
    if stage == PaycallStage.PHONES_UPLOADED:
        if batch.attempts > 1:
            try:
                return PaycallStage.STARTED, client.start_campaign(unique_id)
            except ProviderError as error:
                if error.name == "ALREADY_STARTED":
                    return PaycallStage.STARTED, error.as_dict()
                if error.name != "NO_NUMBERS":
                    raise
        upload: Upload = phone_list_upload(PHONE_LIST_NAME, phone_list_file(campaign))
        return stage, client.upload_phone_list(unique_id, upload)
    return stage, client.start_campaign(unique_id)


@transaction.atomic
def record_stage(campaign, batch, token, reached: str | None, answer, error, now) -> RoundReport:
    mine = DispatchBatch.objects.filter(pk=batch.pk, state=BatchState.SENDING, claim_token=token)
    if not mine.exists():
        return RoundReport(notes=["claim lost"])
    report = RoundReport(sent=1)
    if error is not None:
        if error.name in DONE_WHEN:
            reached = batch.payload["stage"]
            answer = error.as_dict()
        elif error.retryable:
            uncertain = error.code in ("TIMEOUT", "CONNECTION")
            delay = replay_delay(campaign.account) if uncertain else backoff(batch.attempts)
            mine.update(
                state=BatchState.UNCERTAIN if uncertain else BatchState.RETRY,
                next_attempt_at=now + dt.timedelta(seconds=delay),
                answer={"error": error.as_dict(), "in_doubt": uncertain},
                claim_token="",
            )
            return report
        else:
            mine.update(
                state=BatchState.REJECTED, answer={"error": error.as_dict()}, claim_token=""
            )
            Call.objects.filter(campaign=campaign, state=CallState.PENDING).update(
                state=CallState.FAILED, error_code=error.name, error_message=error.message
            )
            transition(
                campaign=campaign,
                to_state=CampaignState.FAILED,
                reason=f"Paycall refused the {batch.payload['stage']} step: {error.message} "
                f"{error.detail}".strip(),
            )
            report.stop = True
            return report
    mine.update(state=BatchState.ACCEPTED, answer=answer or {}, claim_token="")
    Campaign.objects.filter(pk=campaign.pk).update(paycall_stage=reached)
    if reached == PaycallStage.STARTED:
        accepted = Call.objects.filter(campaign=campaign, state=CallState.PENDING).update(
            state=CallState.ACCEPTED, provider_ref=campaign.paycall_unique_id, sent_at=now
        )
        report.accepted = accepted
    return report


def queue_round(campaign: Campaign, *, client=None, now) -> RoundReport:
    cutoff = now - dt.timedelta(seconds=lease_seconds(campaign.account))
    DispatchBatch.objects.filter(
        campaign=campaign, state=BatchState.SENDING, claimed_at__lt=cutoff
    ).update(state=BatchState.UNCERTAIN, next_attempt_at=now, answer={"in_doubt": True})
    if campaign.paycall_stage == PaycallStage.STARTED:
        return RoundReport(idle=True)
    due = next_send_time(
        now, start_at=campaign.start_at, window=window_of(campaign), time_zone=campaign.time_zone
    )
    if not may_send_now(now, due):
        return RoundReport(idle=True, wake_at=due)
    claimed = claim_stage(campaign, now, due)
    if claimed is None:
        return RoundReport(idle=True)
    batch, token = claimed
    own_client = client is None
    client = client or get_client(campaign.account)
    reached, answer, error = None, None, None
    try:
        reached, answer = run_stage(client, campaign, batch)
    except ProviderError as exc:
        error = exc
    finally:
        if own_client:
            client.close()
    return record_stage(campaign, batch, token, reached, answer, error, now)
