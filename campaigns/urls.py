"""Page URLs of the campaigns app (mounted at /campaigns/ by dialer_site.urls)."""

from django.urls import include, path

from .views import accounts

app_name = "campaigns"
urlpatterns: list = [
    path("", include("campaigns.campaign_urls")),
    path("accounts/", accounts.account_list, name="account-list"),
    path("accounts/new/", accounts.account_create, name="account-create"),
    path("accounts/<id:pk>/", accounts.account_detail, name="account-detail"),
    path("accounts/<id:pk>/edit/", accounts.account_edit, name="account-edit"),
    path("accounts/<id:pk>/delete/", accounts.account_delete, name="account-delete"),
    path("accounts/<id:pk>/test/", accounts.account_test, name="account-test"),
]
