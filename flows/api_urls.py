"""REST API URLs of the flows app (mounted under /api/ by dialer_site.urls)."""

from rest_framework.routers import SimpleRouter

from dialer_site.converters import ID_REGEX

from .api import FlowVariableViewSet, FlowViewSet, RecordingViewSet

router = SimpleRouter()
router.register("flows", FlowViewSet, basename="flow")
router.register(
    rf"flows/(?P<flow_pk>{ID_REGEX})/variables", FlowVariableViewSet, basename="flow-variable"
)
router.register("recordings", RecordingViewSet, basename="recording")

urlpatterns = router.urls
