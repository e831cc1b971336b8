"""Shared fixtures: one signed-in client per role, and the roles' users."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread

from dialer_site.roles import ADMIN, CAMPAIGN_MANAGER, DESIGNER, VIEWER, assign_role


class OneRequestAtATime(ThreadedWSGIServer):
    """The tests' live server, answering one request at a time.

    Its threads share the test's in-memory SQLite connection (pytest-django hands it to
    them). A page that sends two requests at once, such as the campaign page refreshing
    its charts and call records on one htmx trigger, had two threads use it at once, and
    the suite hung. The response is read out inside the lock, streaming ones included.
    No request the live server answers may itself call the live server (none does: the
    sandbox's reports are sent by tasks, never inside the request that placed a call).
    """

    lock = threading.Lock()

    def set_app(self, application):
        def one_at_a_time(environ, start_response):
            with self.lock:
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


# pytest-django starts its session-wide live server from this class.
LiveServerThread.server_class = OneRequestAtATime

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """PBKDF2 is slow on purpose; tests create hundreds of users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clear_throttle_counts():
    """Request throttles count in the cache: each test starts with nothing counted."""
    cache.clear()


@pytest.fixture
def live_server(live_server, settings):
    """pytest-django's live server, as this site for the test: its sandbox is the one
    origin besides public addresses that accounts and callbacks may call
    (providers.outbound)."""
    settings.SITE_URL = live_server.url
    settings.SANDBOX_ENABLED = True
    return live_server


def make_user(username: str, role: str | None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role:
        assign_role(user, role)
    return user


@pytest.fixture
def viewer(db):
    return make_user("viv", VIEWER)


@pytest.fixture
def designer(db):
    return make_user("dana", DESIGNER)


@pytest.fixture
def manager(db):
    return make_user("max", CAMPAIGN_MANAGER)


@pytest.fixture
def admin_user(db):
    return make_user("ada", ADMIN)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer):
    return client_for(viewer)


@pytest.fixture
def designer_client(designer):
    return client_for(designer)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


@pytest.fixture
def admin_client_role(admin_user):
    return client_for(admin_user)
