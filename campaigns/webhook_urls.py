"""Provider-facing webhook URLs, mounted at the root prefix /webhooks/ (outside the
login-protected pages): /webhooks/campaigns/<key>/<token>/paycall and .../status."""

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
]
