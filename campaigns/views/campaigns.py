"""Campaign pages: the list, the checked creation form, the campaign page with live
progress, charts and the CDR table, the CSV export, and one page per contact.

Thin views: they read input, call one function from services/analytics/cdr_table and
render. Partials come from the same templates (django-template-partials).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigns import analytics, charts
from campaigns.callback_urls import account_status_callback_url, steps_report_url
from campaigns.cdr_table import page, parse_filters
from campaigns.exports import export_response
from campaigns.forms import CampaignForm
from campaigns.lifecycle import TransitionError
from campaigns.models import Call, Campaign, Cdr
from campaigns.models.campaigns import CampaignState, DispatchMode, Outcome
from campaigns.outbound import call_request_text
from campaigns.services import (
    CampaignInvalid,
    cancel_campaign,
    create_campaign,
    pause_campaign,
    resume_campaign,
    start_campaign,
)
from dialer_site.htmx import redirect_after_post
from providers.hangup_causes import HANGUP_CAUSES

VIEW = "campaigns.view_campaign"
ADD = "campaigns.add_campaign"
RUN = "campaigns.run_campaign"
EXPORT = "campaigns.export_cdrs"
LIST_PAGE_SIZE = 50
ACTIONS = {
    "start": (start_campaign, _("Start"), _("Campaign started.")),
    "pause": (pause_campaign, _("Pause"), _("Campaign paused.")),
    "resume": (resume_campaign, _("Resume"), _("Campaign resumed.")),
    "cancel": (cancel_campaign, _("Cancel"), _("Campaign cancelled.")),
}
AVAILABLE_ACTIONS = {
    CampaignState.DRAFT: ("start", "cancel"),
    CampaignState.SCHEDULED: ("pause", "cancel"),
    CampaignState.RUNNING: ("pause", "cancel"),
    CampaignState.PAUSED: ("resume", "cancel"),
}
# Seconds between the campaign page's polls: often while calls go out, seldom while
# scheduled or paused (results of placed calls still arrive), and for a finished
# campaign only while such results may still come. A draft changes only when someone
# starts it, whose own page then reloads; otherwise the last answer stops the polling.
POLL_SECONDS = {
    CampaignState.RUNNING: 2,
    CampaignState.SCHEDULED: 10,
    CampaignState.PAUSED: 10,
}
FINISHED_POLL_SECONDS = 30
RESULTS_CHANGED = "campaign-results-changed"


@permission_required(VIEW, raise_exception=True)
@require_safe
def campaign_list(request):
    # Test calls from the campaign form are reachable from there, not listed here.
    campaigns = Campaign.objects.filter(is_test_call=False).select_related(
        "account", "flow_version__flow"
    )
    state = request.GET.get("state", "")
    if state in CampaignState.values:
        campaigns = campaigns.filter(state=state)
    return render(
        request,
        "campaigns/campaigns/list.html",
        {
            "campaigns": campaigns[:LIST_PAGE_SIZE],
            "states": CampaignState.choices,
            "state": state,
            "can_add": request.user.has_perm(ADD),
        },
    )


@permission_required(ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.campaign_settings.public_base_url = request.build_absolute_uri("/")
        try:
            campaign = create_campaign(settings=form.campaign_settings, created_by=request.user)
        except CampaignInvalid as invalid:
            for name, problems in invalid.errors.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, f"Campaign {campaign.name} created as a draft.")
            return redirect_after_post(
                request, reverse("campaigns:campaign-detail", args=[campaign.pk])
            )
    status = 422 if request.method == "POST" else 200
    template = "campaigns/campaigns/create.html"
    if request.htmx:
        template += "#campaign-form"
    return render(request, template, {"form": form}, status=status)


def _table_context(request, campaign: Campaign) -> dict:
    """What the CDR table needs, and nothing more: it must stay fast on a million rows."""
    filters, errors = parse_filters(request.GET)
    rows, next_cursor = page(campaign, filters)
    return {
        "campaign": campaign,
        "filters": filters,
        "filter_errors": errors,
        "rows": rows,
        "next_cursor": next_cursor,
    }


def _actions(request, campaign: Campaign) -> list[tuple[str, str]]:
    if not request.user.has_perm(RUN):
        return []
    return [(name, ACTIONS[name][1]) for name in AVAILABLE_ACTIONS.get(campaign.state, ())]


def poll_seconds(progress: analytics.Progress) -> int | None:
    """How long until the page asks again; None: never, nothing will change by itself."""
    if progress.state in POLL_SECONDS:
        return POLL_SECONDS[CampaignState(progress.state)]
    if progress.state == CampaignState.DRAFT or not progress.awaiting_results:
        return None
    return FINISHED_POLL_SECONDS


def _live_context(request, campaign: Campaign) -> dict:
    """What the progress card, the header badge and the actions need."""
    progress = analytics.progress(campaign)
    return {
        "campaign": campaign,
        "progress": progress,
        "actions": _actions(request, campaign),
        "poll_seconds": poll_seconds(progress),
        "rate_window": analytics.RATE_WINDOW_MINUTES,
    }


def _detail_context(request, campaign: Campaign) -> dict:
    return {
        **_table_context(request, campaign),
        **_live_context(request, campaign),
        "outcomes": Outcome.choices,
        "hangup_causes": sorted(HANGUP_CAUSES),
    }


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.select_related("account", "flow_version__flow", "created_by"), pk=pk
    )


@permission_required(VIEW, raise_exception=True)
@require_safe
def campaign_detail(request, pk: int):
    campaign = _campaign(pk)
    context = _detail_context(request, campaign)
    context["events"] = campaign.events.select_related("actor")
    # Only the address this campaign's provider is given: Paycall's return_address
    # travels in each request; Phonon and iovox report to their account's one address.
    if campaign.mode == DispatchMode.PAYCALL_SIMPLE:
        # The simple dialer's document has no return_address: its CDR file is fetched.
        context["webhooks"] = {}
    elif campaign.is_paycall:
        context["webhooks"] = {_("Paycall return_address"): steps_report_url(campaign)}
    else:
        context["webhooks"] = {
            _("Status callback address of the account"): account_status_callback_url(
                campaign.account
            )
        }
    context["is_paycall"] = campaign.is_paycall
    return render(request, "campaigns/campaigns/detail.html", context)


@permission_required(VIEW, raise_exception=True)
@require_safe
def campaign_progress(request, pk: int):
    """The poll: the versions the page last saw come back as query parameters, and the
    answer carries only what changed (see the comment atop detail.html). Charts and
    call records are not in it: they fetch themselves on the HX-Trigger event."""
    campaign = _campaign(pk)
    context = _live_context(request, campaign)
    progress = context["progress"]
    seen = request.GET
    context["figures_changed"] = seen.get("figures") != progress.figures_version
    context["events"] = (
        campaign.events.select_related("actor")
        if seen.get("events") != progress.events_version
        else None
    )
    response = render(request, "campaigns/campaigns/_live_update.html", context)
    if seen.get("results") != progress.results_version:
        response["HX-Trigger"] = RESULTS_CHANGED
    if context["poll_seconds"] is None:
        # htmx stops polling on 286: the campaign will not change by itself any more.
        response.status_code = 286
    return response


@permission_required(VIEW, raise_exception=True)
@require_safe
def campaign_charts(request, pk: int):
    campaign = _campaign(pk)
    unit, buckets = analytics.calls_over_time(campaign)
    context = {
        "campaign": campaign,
        "outcomes_svg": charts.outcomes_chart(analytics.outcome_counts(campaign)),
        "time_svg": charts.time_chart(unit, buckets),
        "funnel_svg": charts.funnel_chart(analytics.key_funnel(campaign)),
    }
    return render(request, "campaigns/campaigns/charts.html", context)


@permission_required(VIEW, raise_exception=True)
@require_safe
def cdr_table(request, pk: int):
    campaign = _campaign(pk)
    context = _table_context(request, campaign)
    status = 422 if context["filter_errors"] else 200
    return render(request, "campaigns/campaigns/detail.html#cdr-table", context, status=status)


@permission_required((VIEW, EXPORT), raise_exception=True)
@require_safe
def cdr_export(request, pk: int, fmt: str = "csv"):
    campaign = _campaign(pk)
    filters, errors = parse_filters(request.GET)
    if errors:
        return HttpResponse(
            "\n".join(f"{k}: {v}" for k, v in errors.items()), status=422, content_type="text/plain"
        )
    return export_response(campaign, filters, fmt)


@permission_required(RUN, raise_exception=True)
@require_POST
def campaign_action(request, pk: int, action: str):
    campaign = _campaign(pk)
    if action not in ACTIONS:
        return HttpResponse("Unknown action.", status=404)
    function, _label, done = ACTIONS[action]
    reason = request.POST.get("reason", "").strip()[:500]
    try:
        function(campaign=campaign, actor=request.user, reason=reason)
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect_after_post(request, reverse("campaigns:campaign-detail", args=[campaign.pk]))


@permission_required(VIEW, raise_exception=True)
@require_safe
def call_detail(request, pk: int, call_pk: int):
    campaign = _campaign(pk)
    call = get_object_or_404(Call.objects.select_related("batch"), campaign=campaign, pk=call_pk)
    cdr = Cdr.objects.filter(call=call).first()
    payload = answer = None
    if call.batch is not None:
        payload = call_request_text(call.batch.payload, call)
        answer = json.dumps(call.batch.answer, indent=2, ensure_ascii=False)
        if not call.provider_ref:
            # Batched calls keep their provider id in the batch's answer.
            refs = dict(tuple(pair) for pair in call.batch.answer.get("accepted") or [])
            call.provider_ref = refs.get(call.idempotency_key, "")
    return render(
        request,
        "campaigns/campaigns/call.html",
        {
            "campaign": campaign,
            "call": call,
            "cdr": cdr,
            "payload": payload,
            "answer": answer,
            "steps_report": json.dumps(call.steps_report, indent=2, ensure_ascii=False)
            if call.steps_report
            else "",
            "cdr_steps": json.dumps(cdr.steps, indent=2, ensure_ascii=False)
            if cdr and cdr.steps
            else "",
        },
    )
