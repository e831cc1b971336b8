"""Everything each call provider means, one package a provider.

    providers/
      base.py        the shared HTTP transport, OutboundRequest, results and errors
      building.py    what every builder takes: Contact, SendSettings, CompileError
      registry.py    one Provider per account kind: its client and its builder
      callbacks.py   the signed status callback (Phonon and iovox calls)
      hangup_causes.py
      preview.py     the compile preview of the API and `flow_compile`
      paycall/       dialer and simple dialer builders, client, CDR CSV
      phonon/        create-request builder, encrypted envelope, client
      iovox/         initiateCall XML builder, client

Builders are pure (definition + contacts + settings -> OutboundRequest); clients own
all I/O and speak in the same typed results (base.SendResult, base.CallOutcome),
raising base.ProviderError for answers about the whole request.
"""

from providers.base import (
    CallOutcome,
    OutboundRequest,
    ProviderClient,
    ProviderError,
    SendResult,
    UnsupportedOperation,
)
from providers.registry import Provider, get_client, provider_for

__all__ = [
    "CallOutcome",
    "OutboundRequest",
    "Provider",
    "ProviderClient",
    "ProviderError",
    "SendResult",
    "UnsupportedOperation",
    "get_client",
    "provider_for",
]
