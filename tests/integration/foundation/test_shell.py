import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/?next=/")


def test_sign_in_shows_the_shell_with_role(client, viewer):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "viv", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Main"' in page and "Viewer" in page
    assert "htmx-2.min.js" in page and 'hx-headers=\'{"x-csrftoken": "' in page
    assert "responseHandling" in page
    # No template comment or tag leaks into the page as text.
    assert "{#" not in page and "{%" not in page


def test_wrong_password_says_so_beside_the_form(client, viewer):
    response = client.post(reverse("login"), {"username": "viv", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_hebrew_switches_the_page_to_right_to_left(viewer_client):
    viewer_client.post(reverse("set_language"), {"language": "he", "next": "/"})
    page = viewer_client.get("/").content.decode()
    assert '<html lang="he" dir="rtl">' in page


def test_admin_sees_the_admin_link_and_others_do_not(admin_client_role, viewer_client):
    assert 'href="/admin/"' in admin_client_role.get("/").content.decode()
    assert 'href="/admin/"' not in viewer_client.get("/").content.decode()


def test_password_change(viewer_client, viewer):
    from tests.conftest import PASSWORD

    response = viewer_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long pass 77",
            "new_password2": "a new long pass 77",
        },
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.check_password("a new long pass 77")


def test_logout_is_a_post(viewer_client):
    assert viewer_client.post(reverse("logout")).status_code == 302
    assert viewer_client.get("/").status_code == 302


def test_openapi_schema_and_offline_swagger(viewer_client):
    schema = viewer_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Dialer Studio API"
    docs = viewer_client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs and "cdn" not in docs.lower()


def test_api_refuses_anonymous_callers(client):
    assert client.get("/api/schema/").status_code in (401, 403)
