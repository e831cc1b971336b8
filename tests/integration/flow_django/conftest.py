"""Fixtures of the flow_django integration tests: uploads go to a temporary folder."""

import pytest
from rest_framework.test import APIClient

from flows.definition import save_definition
from flows.models import Flow
from tests.unit.flow_django.support import two_step_definition


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The role fixtures create users; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def flow(designer):
    return save_definition(
        flow=Flow(name="Reminder", draft_revision=0),
        definition=two_step_definition(),
        user=designer,
    )


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def designer_api(designer):
    return api_client_for(designer)


@pytest.fixture
def viewer_api(viewer):
    return api_client_for(viewer)


@pytest.fixture
def anonymous_api():
    return APIClient()
