"""The sandbox's registry, fault knobs, ledger and simulated CDRs, in the Django admin.

Viewers may read everything here; only Admins change it (dialer_site.roles).
"""

from django.contrib import admin

from .models import (
    CalleeScript,
    IovoxLink,
    LedgerCall,
    PaycallCampaign,
    PaycallRecording,
    PhononFlow,
    ReceivedRequest,
    SandboxAccount,
)


class PhononFlowInline(admin.TabularInline):
    model = PhononFlow
    extra = 0


class IovoxLinkInline(admin.TabularInline):
    model = IovoxLink
    extra = 0


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "username", "calls_per_minute", "latency_ms")
    list_filter = ("provider",)
    inlines = [PhononFlowInline, IovoxLinkInline]
    fieldsets = (
        (None, {"fields": ("provider", "name", "username", "secret", "ip_whitelist")}),
        (
            "Phonon",
            {
                "fields": (
                    "private_key_pem",
                    "encryption_scheme",
                    "valid_until",
                    "balance_calls",
                    "gateway_valid",
                    "gateway_failing",
                    "did_mapped",
                    "mask_available",
                )
            },
        ),
        ("Callbacks", {"fields": ("callback_url", "callback_secret")}),
        ("iovox", {"fields": ("calls_per_minute",)}),
        (
            "Fault knobs",
            {
                "fields": (
                    "error_rates",
                    "latency_ms",
                    "timeout_rate",
                    "timeout_seconds",
                    "drop_rate",
                )
            },
        ),
        ("Simulated callees", {"fields": ("seed", "answer_rate", "busy_rate", "no_answer_rate")}),
    )


@admin.register(PaycallCampaign)
class PaycallCampaignAdmin(admin.ModelAdmin):
    list_display = ("unique_id", "account", "kind", "start_at", "started_at", "created_at")
    list_filter = ("kind", "account")
    search_fields = ("unique_id",)


@admin.register(PaycallRecording)
class PaycallRecordingAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "size", "content_type", "uploaded_at")


@admin.register(ReceivedRequest)
class ReceivedRequestAdmin(admin.ModelAdmin):
    list_display = ("request_id", "account", "endpoint", "call_count", "received_at")
    list_filter = ("endpoint", "account")
    readonly_fields = [f.name for f in ReceivedRequest._meta.fields]


@admin.register(LedgerCall)
class LedgerCallAdmin(admin.ModelAdmin):
    list_display = (
        "call_id",
        "account",
        "number",
        "state",
        "hangup_cause",
        "duration",
        "billsec",
        "accepted_at",
        "callback_status",
    )
    list_filter = ("state", "hangup_cause", "account")
    search_fields = ("call_id", "number", "client_identifier", "campaign_unique_id")
    readonly_fields = [f.name for f in LedgerCall._meta.fields]


@admin.register(CalleeScript)
class CalleeScriptAdmin(admin.ModelAdmin):
    list_display = ("number", "hangup_cause", "keys", "talk_seconds")
