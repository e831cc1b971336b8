import pytest

from providers.phonon.encryption import generate_key_pair


@pytest.fixture(scope="session")
def rsa_2048():
    return generate_key_pair(2048)


@pytest.fixture(scope="session")
def rsa_4096():
    return generate_key_pair(4096)
