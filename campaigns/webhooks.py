"""Provider-facing endpoints: Paycall's steps report (return_address) and the signed
status callback of every other provider's calls. No login: the secret token in the URL
(the campaign's, or the provider account's for its one callback address), compared in
constant time, is the authentication (plus the signature of status callbacks, checked
by providers.callbacks).

Phonon and iovox are told where to report in their own consoles, once per account, so
the account's address is the one they use: each report is routed to its campaign by
the call's own id. A report on no call we know is answered 200 (matched: false), or
the provider would retry it for ever.
"""

import functools
import logging
import secrets

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns.cdrs_ingest import ingest_status_callback, ingest_steps_report
from campaigns.models import Campaign, ProviderAccount
from campaigns.tasks import complete_if_settled
from dialer_site.jsonlimits import json_depth_exceeds, too_deep_message
from providers import ProviderError
from providers.callbacks import parse_status_callback
from providers.paycall.client import PaycallClient

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
# Compared against when the campaign does not exist, so timing tells nothing.
_DUMMY_TOKEN = secrets.token_urlsafe(32)


def _if_token_matches(receiver, expected: str | None, token: str):
    """The receiver when the token is its secret; compared even when there is no
    receiver, so that timing tells nothing."""
    if not secrets.compare_digest((expected or _DUMMY_TOKEN).encode(), token.encode()):
        return None
    return receiver


def _campaign(key: str, token: str) -> Campaign | None:
    campaign = Campaign.objects.select_related("account").filter(key=key).first()
    return _if_token_matches(campaign, campaign.webhook_token if campaign else None, token)


def _account(pk: int, token: str) -> ProviderAccount | None:
    account = ProviderAccount.objects.filter(pk=pk).first()
    return _if_token_matches(account, account.callback_token if account else None, token)


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": "error", "error": message}, status=status)


def _guarded(find, unknown: str):
    """A report endpoint: no login or CSRF (the token in the URL authenticates), POST
    only, the receiver found by `find` from the URL's parts, then the body's limits."""

    def decorate(view):
        @login_not_required
        @csrf_exempt
        @require_POST
        @functools.wraps(view)
        def wrapper(request, **url_parts):
            receiver = find(**url_parts)
            if receiver is None:
                return _refuse(404, unknown)
            if len(request.body) > MAX_BODY_BYTES:
                return _refuse(413, "The report is too large.")
            if json_depth_exceeds(request.body):
                return _refuse(400, too_deep_message())
            try:
                return view(request, receiver)
            except ProviderError as error:
                logger.warning("Refused a report for %r: %s", receiver, error)
                return _refuse(400, error.message)

        return wrapper

    return decorate


_campaign_report = _guarded(_campaign, "Unknown campaign or wrong token.")
_account_report = _guarded(_account, "Unknown account or wrong token.")


def _callback_secret(account: ProviderAccount) -> str:
    return (account.credentials or {}).get("callback_secret", "")


@_campaign_report
def paycall_steps_report(request, campaign: Campaign):
    report = PaycallClient.parse_callback(None, request.body)
    call, changed = ingest_steps_report(campaign, report)
    if changed:
        complete_if_settled(campaign)
    return JsonResponse({"status": "ok", "matched": call is not None, "duplicate": not changed})


@_campaign_report
def status_callback(request, campaign: Campaign):
    event = parse_status_callback(request.body, request.headers, _callback_secret(campaign.account))
    cdr, created = ingest_status_callback(event, campaign=campaign)
    if created:
        complete_if_settled(campaign)
    return JsonResponse(
        {"status": "ok", "matched": bool(cdr and cdr.call_id), "duplicate": not created}
    )


@_account_report
def account_status_callback(request, account: ProviderAccount):
    event = parse_status_callback(request.body, request.headers, _callback_secret(account))
    cdr, created = ingest_status_callback(event, account=account)
    if cdr is None:
        logger.warning(
            "Account %s: a %s report on call %r (%r, number %s) matches no call of its "
            "campaigns; answered 200 so that it is not sent again.",
            account.pk,
            event.provider,
            event.call_id,
            event.client_identifier,
            event.number,
        )
        return JsonResponse({"status": "ok", "matched": False, "duplicate": False})
    if created:
        complete_if_settled(cdr.campaign)
    return JsonResponse({"status": "ok", "matched": True, "duplicate": not created})
