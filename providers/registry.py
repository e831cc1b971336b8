"""The client class for each kind of provider account."""

from providers.base import ProviderClient
from providers.iovox.client import IovoxClient
from providers.paycall.client import PaycallClient
from providers.phonon.client import PhononClient, PhononEncryptedClient

CLIENTS: dict[str, type[ProviderClient]] = {
    "paycall": PaycallClient,
    "phonon": PhononClient,
    "phonon_encrypted": PhononEncryptedClient,
    "iovox": IovoxClient,
}


def get_client(account, **kwargs) -> ProviderClient:
    return CLIENTS[account.kind](account, **kwargs)
