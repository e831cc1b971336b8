"""Each kind of provider account and what it offers, behind one interface.

A campaign, the Preview tab, the compile API and `flow_compile` ask this module for
the provider of an account kind and call its `build_calls`: one builder per
provider, so what a person previews is what is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from providers.base import OutboundRequest, ProviderClient
from providers.building import Contact, SendSettings
from providers.iovox import builder as iovox
from providers.iovox import client as iovox_client
from providers.iovox.client import IovoxClient
from providers.paycall import dialer as paycall
from providers.paycall.client import PaycallClient
from providers.phonon import builder as phonon
from providers.phonon import client as phonon_client
from providers.phonon.client import PhononClient, PhononEncryptedClient

if TYPE_CHECKING:
    from campaigns.models import ProviderAccount

BuildCalls = Callable[[dict, list[Contact], SendSettings], OutboundRequest]


def no_target_problems(credentials: dict, target: str) -> list[str]:
    """Paycall is sent the whole IVR: there is no flow at the provider to name."""
    return []


@dataclass(frozen=True)
class Provider:
    """One kind of provider account.

    - ``build_calls``: the request that places a batch of calls, one contact each
      where ``calls_per_request`` is 1;
    - ``production_base_url``: the documented address; an account's base URL
      replaces only this part, so a sandbox account exercises the very same paths;
    - ``credential_fields``: the secrets an account of this kind needs;
    - ``repeat_answers``: the error names with which the provider says it has this
      very request already, so a request in doubt may be sent again (exactly-once
      rule 3); none: a call in doubt is never sent again;
    - ``target_problems``: what is wrong with the flow a campaign names at the
      provider (Phonon's flow-id, iovox's Link ID), given the account's credentials.
    """

    kind: str
    client: type[ProviderClient]
    build_calls: BuildCalls
    production_base_url: str
    credential_fields: tuple[str, ...]
    calls_per_request: int = 1
    repeat_answers: frozenset[str] = frozenset()
    target_problems: Callable[[dict, str], list[str]] = no_target_problems

    @property
    def recognises_repeats(self) -> bool:
        return bool(self.repeat_answers)


PHONON_PLAIN = Provider(
    "phonon",
    PhononClient,
    phonon.build_calls,
    production_base_url="https://central.phonon.in",
    credential_fields=("security_ids",),
    calls_per_request=phonon.MAX_CALLS_PER_REQUEST,
    repeat_answers=frozenset({"CHECKSUM_REPEATED"}),
    target_problems=phonon_client.flow_id_problems,
)
# The encrypted API is the same requests in an envelope, at its own address.
PROVIDERS: dict[str, Provider] = {
    provider.kind: provider
    for provider in (
        Provider(
            "paycall",
            PaycallClient,
            paycall.build_calls,
            production_base_url="http://api.dialer.co.il",
            credential_fields=("username", "password"),
            repeat_answers=frozenset({"DUPLICATE_UNIQUE_ID"}),
        ),
        PHONON_PLAIN,
        replace(
            PHONON_PLAIN,
            kind="phonon_encrypted",
            client=PhononEncryptedClient,
            production_base_url="https://central.phonon.io",
            credential_fields=("security_ids", "public_key_pem"),
        ),
        Provider(
            "iovox",
            IovoxClient,
            iovox.build_calls,
            production_base_url="https://api.iovox.com:444",
            credential_fields=("username", "secure_key"),
            target_problems=iovox_client.link_id_problems,
        ),
    )
}


def provider_for(kind: str) -> Provider:
    return PROVIDERS[kind]


def get_client(account: ProviderAccount, **kwargs: Any) -> ProviderClient:
    return PROVIDERS[account.kind].client(account, **kwargs)
