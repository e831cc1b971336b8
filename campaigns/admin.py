"""Campaigns in the Django admin. Provider credentials are never shown or edited here:
they are write-only, through the provider account pages and API."""

from django.contrib import admin

from .models import ProviderAccount


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "base_url", "api_version", "last_test_ok", "last_tested_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    exclude = ("credentials",)
    readonly_fields = ("credential_summary", "last_tested_at", "last_test_ok", "last_test_message")

    @admin.display(description="credentials")
    def credential_summary(self, account):
        return ", ".join(
            f"{name}: {'set' if present else 'not set'}"
            for name, present in account.credential_status().items()
        )
