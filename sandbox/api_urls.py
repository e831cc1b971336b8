"""REST API URLs of the sandbox app (mounted under /api/ by dialer_site.urls)."""

urlpatterns: list = []
