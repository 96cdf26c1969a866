"""The audit trail in the back office: read-only for everyone, superusers included
(append-only; on PostgreSQL a trigger refuses UPDATE and DELETE as well)."""

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry

if admin.site.is_registered(AuditEntry):  # django-auditlog registers its own, deletable one
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "event", "actor_email", "attempted_email", "round_id", "object_repr", "path"]
    list_filter = ["event", "action"]
    search_fields = ["actor_email", "attempted_email", "object_repr", "path"]
    date_hierarchy = "timestamp"
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
