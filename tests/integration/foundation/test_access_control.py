"""Walks every URL pattern of the project: anonymous requests are refused, and a
Viewer cannot POST anywhere. New URLs are covered the day they are added."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Public on purpose, each with its reason; everything else must refuse strangers.
PUBLIC_URL_NAMES = {
    "login": "the sign-in page itself",
    "admin:login": "the Django admin's own sign-in page",
    "healthz": "load balancers probe it; it reveals only up/down",
}
# Provider-facing endpoints authenticate the way the providers do (Basic auth, IP
# whitelist, tokens in the URL) and are tested in their own suites.
PROVIDER_FACING_PREFIXES = ("sandbox/", "webhooks/")
# A Viewer may POST to these: they change only the Viewer's own session or password.
PERSONAL_URL_NAMES = {"logout", "admin:logout", "password_change", "set_language"}
# Static and media files are served by their own rules.
FILE_PREFIXES = ("static/", "media/")

SAMPLE_VALUES = {
    "int": "1",
    "pk": "1",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "slug": "sample",
    "str": "sample",
    "path": "sample.txt",
}


def iter_patterns(resolver=None, prefix="", namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name


def sample_path(route: str) -> str:
    """A concrete path for a route, with sample values in its parameters."""
    # Regex routes (admin, DRF routers): named groups first, then anchors.
    path = re.sub(r"\(\?P<\w+>(?:[^()]|\([^()]*\))*\)", "1", route)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "1"), path
    )


def project_routes():
    routes = []
    for route, name in iter_patterns():
        if route.startswith(PROVIDER_FACING_PREFIXES + FILE_PREFIXES):
            continue
        if name in PUBLIC_URL_NAMES:
            continue
        if "(?P<format>" in route or ".(?P<format>" in route:
            continue  # DRF's format-suffix twins of routes walked anyway
        routes.append((route, name))
    return routes


ROUTES = project_routes()


def test_the_walk_sees_the_whole_project():
    names = {name for _, name in ROUTES}
    assert {"home", "admin:index", "api:schema", "api:docs"} <= names


def refused(response) -> bool:
    if response.status_code in (401, 403, 405):
        return True
    if response.status_code == 302:
        return "login" in response.headers["Location"]
    return False


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[r for r, _ in ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_are_refused(client, route, name, method):
    response = getattr(client, method)(sample_path(route))
    assert refused(response), f"{method.upper()} {route} ({name}) answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "name"),
    [(r, n) for r, n in ROUTES if n not in PERSONAL_URL_NAMES],
    ids=[r for r, n in ROUTES if n not in PERSONAL_URL_NAMES],
)
def test_a_viewer_cannot_post_anywhere(viewer_client, route, name):
    response = viewer_client.post(sample_path(route), data={"name": "x"})
    assert response.status_code in (302, 403, 405), (
        f"POST {route} ({name}) by a Viewer answered {response.status_code}"
    )
    if response.status_code == 302:
        assert "login" in response.headers["Location"], f"POST {route} redirected a Viewer"


@pytest.mark.django_db
def test_public_pages_stay_public(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code == 200
