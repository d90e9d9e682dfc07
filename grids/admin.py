from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin, TreeRelatedFieldListFilter

from gridportal import permissions

from . import services
from .models import Assignment, GridNode, OpeningHours, RoutingRole, ServicePoint
from .selectors import READ_TREE, scope_queryset, visible_nodes

# The deepest level the admin stylesheet indents (static/css/admin-tree.css); deeper nodes line
# up with it.
DEEPEST_INDENTED_LEVEL = 9


def level_class(level: int) -> str:
    """The CSS class that indents a node of `level` (a class, not a style attribute: the
    Content-Security-Policy allows no inline styles)."""
    return f"mptt-level-{min(level, DEEPEST_INDENTED_LEVEL)}"


class TreeIndentMedia:
    """Admin pages that show nodes indented by level load the stylesheet with the classes."""

    class Media:
        css = {"all": ["css/admin-tree.css"]}


class ScopedAdminMixin:
    """Changelists and forms see only the acting user's subtrees (admins see all): the rows
    where the user holds `capability` (gridportal.permissions), placed by `scope_field`."""

    scope_field = "node"
    capability = READ_TREE
    target: permissions.Target | None = None  # instead of `scope_field`, where it is not a path

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.target is not None:
            scoped = permissions.scope_queryset(queryset, request.user, self.capability,
                                                self.target)
            return queryset.filter(pk__in=scoped.values("pk"))
        return scope_queryset(queryset, user=request.user, capability=self.capability,
                              node_field=self.scope_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is GridNode:
            kwargs["queryset"] = visible_nodes(request.user, self.capability)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedTreeFilter(TreeRelatedFieldListFilter):
    """The sidebar's tree filter, offering only the nodes the user may see (django-mptt's lists
    every node of every tree); a node outside scope, or no node at all, is a bad lookup."""

    def queryset(self, request, queryset):
        if self.lookup_val:
            try:
                node = visible_nodes(request.user).get(pk=self.lookup_val)
            except (GridNode.DoesNotExist, ValueError, TypeError):
                raise IncorrectLookupParameters(_("That node is not available.")) from None
            self.used_parameters.pop(self.changed_lookup_kwarg, None)
            return queryset.filter(**{f"{self.field_path}__tree_id": node.tree_id,
                                      f"{self.field_path}__lft__gte": node.lft,
                                      f"{self.field_path}__lft__lt": node.rght},
                                   **self.used_parameters)
        return super().queryset(request, queryset)

    def field_choices(self, field, request, model_admin):
        # django-mptt's template writes the third item into the link's tag as it is: a class
        # here, where django-mptt puts a style attribute.
        nodes = visible_nodes(request.user).order_by("tree_id", "lft").only("pk", "name", "level")
        return [(node.pk, node.name, format_html(' class="{}"', level_class(node.level)))
                for node in nodes]


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
class GridNodeAdmin(TreeIndentMedia, ScopedAdminMixin, DraggableMPTTAdmin):
    scope_field = ""
    list_display = ["tree_actions", "indented_title", "kind", "code", "active"]
    list_display_links = ["indented_title"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code"]
    inlines = [AssignmentInline, ServicePointInline]
    fields = ["parent", "kind", "name", "code", "coverage", "boundary", "latitude", "longitude",
              "active"]
    mptt_level_indent = 16

    def indented_title(self, item):
        return format_html('<div class="{}">{}</div>', level_class(item.level), item)

    indented_title.short_description = DraggableMPTTAdmin.indented_title.short_description

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
class ServicePointAdmin(TreeIndentMedia, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "node", "address", "active"]
    list_filter = ["kind", "active", ("node", ScopedTreeFilter)]
    search_fields = ["name", "address", "node__name"]
    list_select_related = ["node"]
    inlines = [OpeningHoursInline]


@admin.register(Assignment)
class AssignmentAdmin(TreeIndentMedia, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "node", "starts_on", "ends_on"]
    list_filter = ["role", ("node", ScopedTreeFilter), "ends_on"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "node__name",
                     "node__code"]
    autocomplete_fields = ["user"]
    list_select_related = ["node", "user"]
    date_hierarchy = "starts_on"


@admin.register(RoutingRole)
class RoutingRoleAdmin(admin.ModelAdmin):
    """Routing settings: which roles make a grid staffed, so that it keeps its tickets."""

    list_display = ["role", "staffs_node"]
    list_editable = ["staffs_node"]
