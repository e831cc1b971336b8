"""Read-only admin views: lists and contacts change only through the import."""

from django.contrib import admin

from .models import DoNotCall, PhoneList


@admin.register(PhoneList)
class PhoneListAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "total", "imported", "rejected", "created_by", "created_at")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = [field.name for field in PhoneList._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ("number", "source", "reason", "created_at")
    list_filter = ("source",)
    search_fields = ("number",)
