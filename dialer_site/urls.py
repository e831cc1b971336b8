from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .converters import IdConverter

# `<id:pk>`: ids and other whole numbers in paths, bounded so that a huge one is a 404.
# Registered before the apps' URL modules below are included, which use it.
register_converter(IdConverter, "id")

api_urlpatterns = [
    path("", include("flows.api_urls")),
    path("", include("phonelists.api_urls")),
    path("", include("campaigns.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline, so the
    # Content-Security-Policy (script-src 'self') lets it run. There is no Redoc page:
    # Redoc needs inline styles and a font server, which the policy (and offline use)
    # rule out.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]

handler404 = "dialer_site.exception_handlers.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include((api_urlpatterns, "api"))),
    path("flows/", include("flows.urls")),
    path("phonelists/", include("phonelists.urls")),
    path("campaigns/", include("campaigns.urls")),
    # Provider callbacks: each URL carries the campaign's secret token.
    path("webhooks/", include("campaigns.webhook_urls")),
]

if settings.SANDBOX_ENABLED:
    # Provider emulators: an account whose base URL points here talks to them
    # exactly as it would to the provider.
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

if settings.DEBUG:
    # Uploaded media in development only; production serves MEDIA_ROOT from the
    # web server (README, "Production").
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
