from django.contrib import admin
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gridportal import permissions
from grids.admin import ScopedAdminMixin

from . import selectors
from .models import (
    CalendarDay,
    Category,
    Department,
    EvaluationPolicy,
    HolidayArrangement,
    NodeWebhook,
    SLAPolicy,
    Ticket,
    TicketEvent,
    WhistleRule,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "route_to_kind", "route_to_role", "is_wish", "internal",
                    "active", "position"]
    list_editable = ["position", "active"]
    list_filter = ["internal", "active"]
    search_fields = ["name", "code"]


@admin.register(EvaluationPolicy)
class EvaluationPolicyAdmin(admin.ModelAdmin):
    """One row: the days a resident has to rate, and where an unsatisfied rating goes."""

    list_display = ["__str__", "rating_days", "unsatisfied_to"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not EvaluationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active"]
    filter_horizontal = ["liaisons", "categories"]
    search_fields = ["name", "code"]


@admin.register(WhistleRule)
class WhistleRuleAdmin(admin.ModelAdmin):
    """Who may whistle to a department (吹哨): the street by default; a community once its
    street adds a rule for it (to every department, or one)."""

    list_display = ["node_kind", "node", "department", "active"]
    list_editable = ["active"]
    list_filter = ["node_kind", "active"]
    list_select_related = ["node", "department"]
    autocomplete_fields = ["department"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["whistle", "node_kind", "accept_hours", "contact_hours", "resolve_amount",
                    "resolve_unit", "warn_percent", "grace_hours", "clock"]
    list_filter = ["whistle", "node_kind", "clock"]
    list_editable = ["accept_hours", "contact_hours", "resolve_amount", "resolve_unit",
                     "warn_percent", "grace_hours", "clock"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ["date", "kind", "name"]


@admin.register(HolidayArrangement)
class HolidayArrangementAdmin(admin.ModelAdmin):
    """A year's notice and its days: once entered, deadlines in that year follow them (see
    tickets.calendar)."""

    list_display = ["year", "notice", "url"]
    search_fields = ["notice"]
    inlines = [CalendarDayInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "arrangement"]
    list_filter = [YearFilter, "kind"]
    list_select_related = ["arrangement"]
    search_fields = ["name", "arrangement__notice"]
    date_hierarchy = "date"
    autocomplete_fields = ["arrangement"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")


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
