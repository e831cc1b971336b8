"""REST API URLs of the campaigns app (mounted under /api/ by dialer_site.urls)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views.accounts_api import ProviderAccountViewSet

router = SimpleRouter()
router.register("provider-accounts", ProviderAccountViewSet, basename="provider-account")

urlpatterns: list = [*router.urls, path("", include("campaigns.campaign_api_urls"))]
