"""REST API URLs of campaigns (included by campaigns/api_urls.py, under /api/)."""

from rest_framework.routers import SimpleRouter

from .campaign_api import CampaignViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = router.urls
