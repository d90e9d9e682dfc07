from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin, TreeRelatedFieldListFilter

from . import services
from .models import Assignment, GridNode, OpeningHours, ServicePoint
from .selectors import scope_queryset, visible_nodes


class ScopedAdminMixin:
    """Changelists and forms see only the acting user's subtrees (admins see all)."""

    scope_field = "node"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), user=request.user,
                              node_field=self.scope_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is GridNode:
            kwargs["queryset"] = visible_nodes(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "starts_on", "ends_on"]


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0
    fields = ["name", "kind", "address", "active"]
    show_change_link = True


@admin.register(GridNode)
class GridNodeAdmin(ScopedAdminMixin, DraggableMPTTAdmin):
    scope_field = ""
    list_display = ["tree_actions", "indented_title", "kind", "code", "active"]
    list_display_links = ["indented_title"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code"]
    inlines = [AssignmentInline, ServicePointInline]
    fields = ["parent", "kind", "name", "code", "boundary", "latitude", "longitude", "active"]
    mptt_level_indent = 16

    def get_actions(self, request):
        # Deleting goes one node at a time through the service, which refuses non-empty nodes.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.NODE_FIELDS
                  if name in form.cleaned_data}
        if not change:
            created = services.node_create(actor=request.user, parent=obj.parent, **fields)
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        if "parent" in form.changed_data and obj.parent is not None:
            services.node_move(actor=request.user, node=obj, target=obj.parent,
                               position="last-child")
        services.node_update(actor=request.user, node=obj, **fields)
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.node_delete(actor=request.user, node=obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), level=messages.ERROR)
            return redirect("admin:grids_gridnode_change", object_id)

    def _move_node(self, request):
        """Drag-and-drop moves go through `services.node_move` (locked, validated)."""
        queryset = self.get_queryset(request)
        try:
            cut_item = queryset.get(pk=request.POST.get("cut_item"))
            pasted_on = queryset.get(pk=request.POST.get("pasted_on"))
        except (GridNode.DoesNotExist, TypeError, ValueError):
            self.message_user(request, _("Those nodes are not available."), level=messages.ERROR)
            return HttpResponse("FAIL, invalid objects.")
        try:
            services.node_move(actor=request.user, node=cut_item, target=pasted_on,
                               position=request.POST.get("position", ""))
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, level=messages.ERROR)
            return HttpResponse("FAIL, invalid move.")
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=[cut_item], action_flag=CHANGE,
            change_message=f"moved {request.POST.get('position')} {pasted_on.code}",
            single_object=True,
        )
        self.message_user(request, _("%s has been moved.") % cut_item)
        return HttpResponse("OK, moved.")


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(ServicePoint)
class ServicePointAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "node", "address", "active"]
    list_filter = ["kind", "active", ("node", TreeRelatedFieldListFilter)]
    search_fields = ["name", "address", "node__name"]
    list_select_related = ["node"]
    inlines = [OpeningHoursInline]


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "node", "starts_on", "ends_on"]
    list_filter = ["role", ("node", TreeRelatedFieldListFilter), "ends_on"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "node__name",
                     "node__code"]
    autocomplete_fields = ["user"]
    list_select_related = ["node", "user"]
    date_hierarchy = "starts_on"
