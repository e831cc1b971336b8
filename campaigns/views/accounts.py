"""Provider account pages (Admin role only): list, create, edit, delete, test; and
one read-only page for campaign managers, with the account's callback address.

Credentials are write-only: the pages show which are stored, never their values.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required, user_passes_test
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.callback_urls import account_status_callback_url
from campaigns.models import ProviderAccount
from campaigns.views.account_forms import ProviderAccountForm
from dialer_site.exception_handlers import in_use_message
from dialer_site.htmx import redirect_after_post
from dialer_site.throttling import ConnectionTestThrottle, throttle
from providers import ProviderError, get_client
from providers.base import connection_failure_words

VIEW = "campaigns.view_provideraccount"
ADD = "campaigns.add_provideraccount"
CHANGE = "campaigns.change_provideraccount"
DELETE = "campaigns.delete_provideraccount"
# Managers paste the callback address into the provider's console, so they see it
# (not the credentials, which only Admins may view).
RUN = "campaigns.run_campaign"
FORM_TEMPLATE = "campaigns/accounts/form.html"
CONFIRM_DELETE_TEMPLATE = "campaigns/accounts/confirm_delete.html"


def callback_context(account: ProviderAccount) -> dict:
    """What the callback-address partial shows: the address, and whether a secret is
    stored (a yes or no, never the secret)."""
    return {
        "account": account,
        "callback_url": account_status_callback_url(account),
        "callback_secret_stored": bool((account.credentials or {}).get("callback_secret")),
    }


@permission_required(VIEW, raise_exception=True)
def account_list(request):
    accounts = [
        (account, account_status_callback_url(account)) for account in ProviderAccount.objects.all()
    ]
    return render(request, "campaigns/accounts/list.html", {"accounts": accounts})


def _may_see_callback_address(user) -> bool:
    if user.has_perm(VIEW) or user.has_perm(RUN):
        return True
    raise PermissionDenied


@user_passes_test(_may_see_callback_address)
@require_http_methods(["GET", "HEAD"])
def account_detail(request, pk: int):
    account = get_object_or_404(ProviderAccount, pk=pk)
    return render(request, "campaigns/accounts/detail.html", callback_context(account))


def _edit(request, account: ProviderAccount | None):
    form = ProviderAccountForm(request.POST or None, instance=account)
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Saved {saved.name}. Its credentials are stored encrypted.")
            return redirect_after_post(request, reverse("campaigns:account-list"))
        if request.htmx:
            return render(request, f"{FORM_TEMPLATE}#account-form", {"form": form}, status=422)
        return render(request, FORM_TEMPLATE, _form_context(form, account), status=422)
    return render(request, FORM_TEMPLATE, _form_context(form, account))


def _form_context(form, account: ProviderAccount | None) -> dict:
    context = callback_context(account) if account is not None else {"account": None}
    return {**context, "form": form}


@permission_required(ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def account_create(request):
    return _edit(request, None)


@permission_required(CHANGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    return _edit(request, get_object_or_404(ProviderAccount, pk=pk))


@permission_required(DELETE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def account_delete(request, pk: int):
    account = get_object_or_404(ProviderAccount, pk=pk)
    if request.method == "POST":
        name = account.name
        try:
            account.delete()
        except ProtectedError as error:
            messages.error(request, in_use_message(error))
            return render(request, CONFIRM_DELETE_TEMPLATE, {"account": account}, status=409)
        messages.success(request, f"Deleted the provider account {name}.")
        return redirect("campaigns:account-list")
    return render(request, CONFIRM_DELETE_TEMPLATE, {"account": account})


def run_connection_test(account: ProviderAccount) -> tuple[bool, str]:
    """One harmless request to the provider; the answer in plain words, also stored."""
    missing = account.missing_credentials()
    if missing:
        ok, message = False, f"Not tested: first store {', '.join(missing)}."
    else:
        client = get_client(account)
        try:
            report = client.test_connection()
            ok, message = report.ok, report.message
        except ProviderError as error:
            ok, message = False, connection_failure_words(client.provider_name, error, {})
        finally:
            client.close()
    account.record_test(ok=ok, message=message)
    return ok, message


@permission_required(CHANGE, raise_exception=True)
@require_POST
@throttle(ConnectionTestThrottle)
def account_test(request, pk: int):
    account = get_object_or_404(ProviderAccount, pk=pk)
    run_connection_test(account)
    return render(request, "campaigns/accounts/list.html#test-result", {"account": account})
