"""Models of the campaigns app, one module per resource, re-exported here."""

from .accounts import ProviderAccount
from .campaigns import Call, Campaign, CampaignEvent, Cdr, DispatchBatch  # noqa: F401

__all__ = ["ProviderAccount"]
