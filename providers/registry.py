"""Each kind of provider account and what it offers, behind one interface.

A campaign, the Preview tab, the compile API and `flow_compile` ask this module for
the provider of an account kind and call its `build_calls`: one builder per
provider, so what a person previews is what is sent.
"""

from collections.abc import Callable
from dataclasses import dataclass

from providers.base import OutboundRequest, ProviderClient
from providers.building import Contact, SendSettings
from providers.iovox import builder as iovox
from providers.iovox.client import IovoxClient
from providers.paycall import dialer as paycall
from providers.paycall.client import PaycallClient
from providers.phonon import builder as phonon
from providers.phonon.client import PhononClient, PhononEncryptedClient

BuildCalls = Callable[[dict, list[Contact], SendSettings], OutboundRequest]


@dataclass(frozen=True)
class Provider:
    """One kind of provider account.

    - ``build_calls``: the request that places a batch of calls, one contact each
      where ``calls_per_request`` is 1;
    - ``recognises_repeats``: the provider answers a repeated request with "I have
      it already", so a request in doubt may be sent again (exactly-once rule 3);
    - ``target_label``: what the provider calls the flow a campaign runs there, when
      the flow lives at the provider (empty: the whole IVR is sent).
    """

    kind: str
    client: type[ProviderClient]
    build_calls: BuildCalls
    calls_per_request: int = 1
    recognises_repeats: bool = False
    target_label: str = ""


PROVIDERS: dict[str, Provider] = {
    provider.kind: provider
    for provider in (
        Provider("paycall", PaycallClient, paycall.build_calls, recognises_repeats=True),
        Provider(
            "phonon",
            PhononClient,
            phonon.build_calls,
            calls_per_request=phonon.MAX_CALLS_PER_REQUEST,
            recognises_repeats=True,
            target_label="flow-id",
        ),
        Provider(
            "phonon_encrypted",
            PhononEncryptedClient,
            phonon.build_calls,
            calls_per_request=phonon.MAX_CALLS_PER_REQUEST,
            recognises_repeats=True,
            target_label="flow-id",
        ),
        Provider("iovox", IovoxClient, iovox.build_calls, target_label="Link ID"),
    )
}


def provider_for(kind: str) -> Provider:
    return PROVIDERS[kind]


def get_client(account, **kwargs) -> ProviderClient:
    return PROVIDERS[account.kind].client(account, **kwargs)
