"""Provider-facing webhook URLs, mounted at the root prefix /webhooks/ (outside the
login-protected pages): /webhooks/campaigns/<key>/<token>/paycall and .../status per
campaign, and /webhooks/accounts/<pk>/<token>/status, a provider account's one
callback address (campaigns.callback_urls writes them out)."""

from django.urls import path

from . import webhooks

app_name = "webhooks"

urlpatterns = [
    path(
        "campaigns/<str:key>/<str:token>/paycall",
        webhooks.paycall_steps_report,
        name="paycall-steps",
    ),
    path("campaigns/<str:key>/<str:token>/status", webhooks.status_callback, name="status"),
    path(
        "accounts/<int:pk>/<str:token>/status",
        webhooks.account_status_callback,
        name="account-status",
    ),
]
