from django.contrib import admin

from gridportal import permissions
from grids.admin import ScopedAdminMixin

from . import selectors
from .models import Category, Department, NodeWebhook, SLAPolicy, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "route_to_kind", "route_to_role", "is_wish", "active",
                     "position"]
    list_editable = ["position", "active"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active"]
    filter_horizontal = ["liaisons", "categories"]
    search_fields = ["name", "code"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["whistle", "node_kind", "accept_hours", "contact_hours", "resolve_amount",
                    "resolve_unit", "warn_percent", "grace_hours"]
    list_filter = ["whistle", "node_kind"]
    list_editable = ["accept_hours", "contact_hours", "resolve_amount", "resolve_unit",
                     "warn_percent", "grace_hours"]


@admin.register(NodeWebhook)
class NodeWebhookAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["node", "active"]
    list_select_related = ["node"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "action", "from_status", "to_status", "actor", "note",
              "public"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets for the record; every change of status goes through the ticket pages, where the
    transition table applies."""

    list_display = ["reference", "title", "status", "whistle", "channel", "owner",
                    "created_at"]
    list_filter = ["status", "whistle", "channel", "category"]
    search_fields = ["reference", "title", "external_number"]
    list_select_related = ["owner", "category"]
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]
    readonly_fields = [field.name for field in Ticket._meta.fields
                       if field.name not in ("title", "description", "category")]
    exclude = ["tracking_token", "idempotency_key", "idempotency_digest"]

    def get_queryset(self, request):
        return selectors.ticket_list_for(user=request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not permissions.has(request.user, selectors.SEE_REPORTER_CONTACT,
                                                   obj):
            hidden = {"reporter_name", "reporter_phone", "resident"}
            fields = [name for name in fields if name not in hidden]
        return fields

    def has_add_permission(self, request):
        return False
