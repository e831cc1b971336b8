"""Provider account pages (Admin role only): list, create, edit, delete, test.

Credentials are write-only: the pages show which are stored, never their values.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

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
FORM_TEMPLATE = "campaigns/accounts/form.html"
CONFIRM_DELETE_TEMPLATE = "campaigns/accounts/confirm_delete.html"


@permission_required(VIEW, raise_exception=True)
def account_list(request):
    accounts = ProviderAccount.objects.all()
    return render(request, "campaigns/accounts/list.html", {"accounts": accounts})


def _edit(request, account: ProviderAccount | None):
    form = ProviderAccountForm(request.POST or None, instance=account)
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Saved {saved.name}. Its credentials are stored encrypted.")
            return redirect_after_post(request, reverse("campaigns:account-list"))
        if request.htmx:
            return render(request, f"{FORM_TEMPLATE}#account-form", {"form": form}, status=422)
        return render(request, FORM_TEMPLATE, {"form": form, "account": account}, status=422)
    return render(request, FORM_TEMPLATE, {"form": form, "account": account})


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
