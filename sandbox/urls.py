"""The provider emulators (mounted at /sandbox/ by dialer_site.urls).

Each emulator lives under /sandbox/<provider>, followed by exactly the provider's own
path, so an account's base URL is the only difference from production.
"""

from django.urls import path

from .emulators import iovox, paycall, phonon

app_name = "sandbox"

PAYCALL = "paycall/v2/calls/"

urlpatterns = [
    path(f"{PAYCALL}upload", paycall.upload, name="paycall-upload"),
    path(f"{PAYCALL}dialer", paycall.dialer, name="paycall-dialer"),
    path(f"{PAYCALL}simple_dialer", paycall.simple_dialer, name="paycall-simple-dialer"),
    path(
        f"{PAYCALL}upload_phones/<str:unique_id>",
        paycall.upload_phones,
        name="paycall-upload-phones",
    ),
    path(
        f"{PAYCALL}start_campaign/<str:unique_id>",
        paycall.start_campaign,
        name="paycall-start-campaign",
    ),
    path(
        f"{PAYCALL}cdr_by_campaign/<str:unique_id>",
        paycall.cdr_by_campaign,
        name="paycall-cdr-by-campaign",
    ),
    path(
        f"{PAYCALL}cdr_by_number/<str:unique_id>/<str:phone_number>",
        paycall.cdr_by_number,
        name="paycall-cdr-by-number",
    ),
    path("phonon/kairos-apis/outbounddialer/create", phonon.create, name="phonon-create"),
    path(
        "phonon/kairos-apis/enc/outbound/create",
        phonon.create_encrypted,
        name="phonon-enc-create",
    ),
    path("iovox/Calling", iovox.calling, name="iovox-calling"),
]
