"""Provider-facing endpoints: Paycall's steps report (return_address) and the signed
status callback of every other provider's calls. No login: the campaign's secret token in the URL,
compared in constant time, is the authentication (plus the signature of status
callbacks, checked by providers.callbacks).
"""

import logging
import secrets

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns.cdrs_ingest import ingest_status_callback, ingest_steps_report
from campaigns.models import Campaign
from campaigns.tasks import complete_if_settled
from dialer_site.jsonlimits import json_depth_exceeds, too_deep_message
from providers import ProviderError
from providers.callbacks import parse_status_callback
from providers.paycall.client import PaycallClient

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
# Compared against when the campaign does not exist, so timing tells nothing.
_DUMMY_TOKEN = secrets.token_urlsafe(32)


def _campaign(key: str, token: str) -> Campaign | None:
    campaign = Campaign.objects.select_related("account").filter(key=key).first()
    expected = campaign.webhook_token if campaign else _DUMMY_TOKEN
    if not secrets.compare_digest(expected.encode(), token.encode()):
        return None
    return campaign


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": "error", "error": message}, status=status)


def _guarded(view):
    @login_not_required
    @csrf_exempt
    @require_POST
    def wrapper(request, key: str, token: str):
        campaign = _campaign(key, token)
        if campaign is None:
            return _refuse(404, "Unknown campaign or wrong token.")
        if len(request.body) > MAX_BODY_BYTES:
            return _refuse(413, "The report is too large.")
        if json_depth_exceeds(request.body):
            return _refuse(400, too_deep_message())
        try:
            return view(request, campaign)
        except ProviderError as error:
            logger.warning("Refused a report for campaign %s: %s", campaign.pk, error)
            return _refuse(400, error.message)

    wrapper.__name__ = view.__name__
    return wrapper


@_guarded
def paycall_steps_report(request, campaign: Campaign):
    report = PaycallClient.parse_callback(None, request.body)
    call, changed = ingest_steps_report(campaign, report)
    if changed:
        complete_if_settled(campaign)
    return JsonResponse({"status": "ok", "matched": call is not None, "duplicate": not changed})


@_guarded
def status_callback(request, campaign: Campaign):
    secret = (campaign.account.credentials or {}).get("callback_secret", "")
    event = parse_status_callback(request.body, request.headers, secret)
    cdr, created = ingest_status_callback(campaign, event)
    if created:
        complete_if_settled(campaign)
    return JsonResponse(
        {"status": "ok", "matched": bool(cdr and cdr.call_id), "duplicate": not created}
    )
