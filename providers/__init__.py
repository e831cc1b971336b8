"""HTTP clients of the call providers, one module per provider behind one interface.

`get_client(account)` returns the client for a ProviderAccount; every client speaks
in the same typed results (base.SendResult, base.CallOutcome, cdrs.Cdr) and raises
base.ProviderError for answers about the whole request.
"""

from providers.base import (
    CallOutcome,
    ProviderClient,
    ProviderError,
    SendResult,
    UnsupportedOperation,
)
from providers.registry import get_client

__all__ = [
    "CallOutcome",
    "ProviderClient",
    "ProviderError",
    "SendResult",
    "UnsupportedOperation",
    "get_client",
]
