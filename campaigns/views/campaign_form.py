"""The campaign form's helpers: who of the chosen list would be left out, the field
naming the flow at the chosen account's provider, and "Call my number" (a test call
before launch) with its polled result.

Thin views, as in campaigns.views.campaigns; partials of create.html.
"""

from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from campaigns.forms import CampaignForm
from campaigns.left_out import count_left_out
from campaigns.models import Campaign, Cdr
from campaigns.services import CampaignInvalid, create_test_call
from flows.models import FlowVersion
from phonelists.models import PhoneList

VIEW = "campaigns.view_campaign"
ADD = "campaigns.add_campaign"
RUN = "campaigns.run_campaign"
TEMPLATE = "campaigns/campaigns/create.html"
# One test call per person this often: each one rings a real phone and costs money.
TEST_CALL_INTERVAL_SECONDS = 10
# htmx stops polling on 286: the test call will not change by itself any more.
STOP_POLLING = 286


@permission_required(ADD, raise_exception=True)
@require_safe
def left_out_counts(request):
    """Counts for the chosen list (and flow): to call, and left out by reason."""
    phone_list = _by_pk(PhoneList.objects.filter(status="done"), request.GET.get("phone_list"))
    version = _by_pk(FlowVersion.objects.all(), request.GET.get("flow_version"))
    left_out = None
    if phone_list is not None:
        left_out = count_left_out(phone_list, version.definition if version else None)
    context = {"left_out": left_out, "phone_list": phone_list, "flow_chosen": version is not None}
    return render(request, f"{TEMPLATE}#left-out", context)


@permission_required(ADD, raise_exception=True)
@require_safe
def provider_fields(request):
    """The field naming the flow at the chosen account's provider: its flows as a
    select when the account keeps some, else typed by hand."""
    form = CampaignForm(initial=request.GET.dict())
    return render(request, f"{TEMPLATE}#provider-fields", {"form": form})


@permission_required(RUN, raise_exception=True)
@require_POST
def test_call(request):
    """Send the chosen flow version to one number, through the chosen account with
    the form's settings, as a real one-number campaign flagged as a test call."""
    form = CampaignForm(request.POST, for_test_call=True)
    if not form.is_valid():
        return render(request, f"{TEMPLATE}#test-call", {"form": form}, status=422)
    # cache.add is atomic: of two quick clicks only the first gets through.
    if not cache.add(f"test-call:{request.user.pk}", True, TEST_CALL_INTERVAL_SECONDS):
        # 422, not 429: the pages' htmx swaps only 2xx, 409 and 422 answers in.
        refused = gettext("One test call every %(seconds)d seconds: wait a moment.") % {
            "seconds": TEST_CALL_INTERVAL_SECONDS
        }
        return render(request, f"{TEMPLATE}#test-call", {"refused": refused}, status=422)
    assert form.campaign_settings is not None, "set by a valid form"
    form.campaign_settings.public_base_url = request.build_absolute_uri("/")
    try:
        campaign = create_test_call(
            settings=form.campaign_settings,
            number=form.test_call_number,
            variables=form.test_call_values,
            created_by=request.user,
        )
    except CampaignInvalid as invalid:
        for name, problems in invalid.errors.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return render(request, f"{TEMPLATE}#test-call", {"form": form}, status=422)
    return render(request, f"{TEMPLATE}#test-call", _result_context(campaign))


@permission_required(VIEW, raise_exception=True)
@require_safe
def test_call_result(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, is_test_call=True)
    context = _result_context(campaign)
    response = render(request, f"{TEMPLATE}#test-call", context)
    if not context["polling"]:
        response.status_code = STOP_POLLING
    return response


def _result_context(campaign: Campaign) -> dict:
    call = campaign.calls.first()
    cdr = Cdr.objects.filter(call=call).first() if call else None
    return {
        "test_campaign": campaign,
        "test_call": call,
        "cdr": cdr,
        # A campaign is final once its call has its record, or has failed for good.
        "polling": not campaign.is_final,
    }


def _by_pk(queryset, raw):
    if not raw or not str(raw).isdigit():
        return None
    return queryset.filter(pk=int(raw)).first()
