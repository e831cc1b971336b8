"""The client class for each kind of provider account."""

from .base import ProviderClient
from .iovox import IovoxClient
from .paycall import PaycallClient
from .phonon import PhononClient, PhononEncryptedClient

CLIENTS: dict[str, type[ProviderClient]] = {
    "paycall": PaycallClient,
    "phonon": PhononClient,
    "phonon_encrypted": PhononEncryptedClient,
    "iovox": IovoxClient,
}


def get_client(account, **kwargs) -> ProviderClient:
    return CLIENTS[account.kind](account, **kwargs)
