from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from simple_history.admin import SimpleHistoryAdmin

from gridportal import permissions
from grids.admin import ScopedAdminMixin

from . import crypto, idnumbers, selectors, services
from .models import (
    Building,
    Dwelling,
    ExportLog,
    Household,
    IdCheckLog,
    IdRevealLog,
    Membership,
    Premises,
    Resident,
    TransferRequest,
    Visit,
    VisitPhoto,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log kept for the record: nobody adds, changes or deletes its rows here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Building)
class BuildingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    capability = selectors.READ_ADDRESSES
    list_display = ["__str__", "node", "floors", "entrances", "address"]
    list_filter = ["estate"]
    search_fields = ["estate", "name", "address"]
    list_select_related = ["node"]

    def save_model(self, request, obj, form, change):
        if change and "node" in form.changed_data:
            # The residents of the building follow it to its new grid.
            new_node = obj.node
            obj.node = Building.objects.get(pk=obj.pk).node
            services.building_move(actor=request.user, building=obj, node=new_node)
        super().save_model(request, obj, form, change)


class PremisesInline(admin.TabularInline):
    model = Premises
    extra = 0


class DwellingAdminForm(forms.ModelForm):
    class Meta:
        model = Dwelling
        fields = ["building", "entrance", "floor", "number", "use", "area"]

    def clean(self):
        cleaned = super().clean()
        building = cleaned.get("building")
        if building and cleaned.get("entrance") is not None and cleaned.get("floor") is not None:
            try:
                services.check_dwelling_place(building, cleaned["entrance"], cleaned["floor"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return cleaned


@admin.register(Dwelling)
class DwellingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = DwellingAdminForm
    scope_field = "building__node"
    capability = selectors.READ_ADDRESSES
    list_display = ["__str__", "use", "floor", "area"]
    list_filter = ["use"]
    search_fields = ["building__estate", "building__name", "number"]
    list_select_related = ["building"]
    autocomplete_fields = ["building"]
    inlines = [PremisesInline]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in
                  ("entrance", "floor", "number", "use", "area")}
        if change:
            services.dwelling_update(actor=request.user, dwelling=obj, **fields)
        else:
            saved = services.dwelling_create(actor=request.user,
                                             building=form.cleaned_data["building"], **fields)
            obj.pk = saved.pk


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["resident"]
    fields = ["resident", "relation", "joined_on", "left_on"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "dwelling__building__node"
    capability = selectors.READ_NAMES
    list_display = ["__str__", "head", "number", "active"]
    list_filter = ["active"]
    search_fields = ["number", "dwelling__building__estate", "dwelling__building__name",
                     "dwelling__number", "head__name"]
    list_select_related = ["dwelling__building", "head"]
    autocomplete_fields = ["dwelling", "head"]
    inlines = [MembershipInline]


class ResidentAdminForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("ID number"), required=False, max_length=24,
        help_text=_("18 characters. Leave empty to keep the current number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Resident
        fields = ["node", "name", "id_number", *services.RESIDENT_FIELDS[1:]]

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        if self.instance.pk is None and not number:
            self.add_error("id_number", _("Enter the ID number."))
        elif number:
            # Only administrators change residents here (they see the whole registry), so a
            # duplicate is simply named.
            try:
                digest = crypto.lookup_hash(idnumbers.parse(number).value)
            except ValidationError as error:
                self.add_error("id_number", error.messages)
            else:
                if Resident.objects.filter(id_number_hash=digest).exclude(
                        pk=self.instance.pk).exists():
                    self.add_error("id_number", _(
                        "A resident with this ID number is already registered."))
        return cleaned


@admin.register(Resident)
class ResidentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Searches by name only: a search box puts its words in the URL, and phone numbers are
    searched on the registry page (by POST)."""

    form = ResidentAdminForm
    capability = selectors.READ_NAMES
    list_display = ["name", "id_number_masked", "gender", "birth_date", "residence_type", "node"]
    list_filter = ["residence_type", "gender", "party_member", "concern"]
    search_fields = ["name"]
    history_list_display = ["name", "residence_type"]
    # Fields shown to a non-administrator only where they hold the capability at the resident.
    GUARDED = {"phone": selectors.SEE_PHONE, "id_number_masked": selectors.SEE_ID,
               "gender": selectors.SEE_ID, "birth_date": selectors.SEE_ID,
               "party_member": selectors.SEE_TAGS, "dual_report": selectors.SEE_TAGS,
               "disabled": selectors.SEE_TAGS, "veteran": selectors.SEE_TAGS,
               "low_income": selectors.SEE_TAGS, "living_alone": selectors.SEE_TAGS,
               "concern": selectors.SEE_CONCERN, "concern_level": selectors.SEE_CONCERN,
               "concern_reason": selectors.SEE_CONCERN_REASON, "notes": selectors.WRITE}

    def has_add_permission(self, request):
        # The registry is kept on its pages, where registering checks numbers without telling
        # anybody about people outside their area; here, administrators only.
        return permissions.is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if permissions.is_admin(request.user):
            return fields
        return [name for name in fields if name != "id_number" and (
            name not in self.GUARDED
            or (obj is not None and permissions.has(request.user, self.GUARDED[name], obj)))]
    list_select_related = ["node"]
    readonly_fields = ["id_number_masked", "gender", "birth_date"]
    history_list_display = ["name", "phone", "residence_type"]

    def get_list_display(self, request):
        if permissions.is_admin(request.user):
            return self.list_display
        return ["name", "residence_type", "node"]

    def get_list_filter(self, request):
        # A filter by a field is an oracle wherever the field is hidden: administrators only.
        if permissions.is_admin(request.user):
            return self.list_filter
        return ["residence_type"]

    @method_decorator(sensitive_post_parameters("id_number"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.RESIDENT_FIELDS
                  if name in form.cleaned_data}
        id_number = form.cleaned_data.get("id_number") or None
        if change:
            saved = services.resident_update(actor=request.user, resident=obj,
                                             id_number=id_number, **fields)
        else:
            saved = services.resident_create(actor=request.user, node=form.cleaned_data["node"],
                                             id_number=id_number or "", **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["uploaded_at"]
    readonly_fields = ["uploaded_at"]


@admin.register(Visit)
class VisitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    capability = selectors.READ_VISITS
    target = selectors.VISIT
    list_display = ["__str__", "household", "visitor", "follow_up_needed"]
    list_filter = ["purpose", "follow_up_needed", "visited_on"]
    list_select_related = ["household__dwelling__building", "visitor"]
    autocomplete_fields = ["household"]
    inlines = [VisitPhotoInline]


@admin.register(IdRevealLog)
class IdRevealLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "resident__node"
    capability = selectors.READ_EXPORT_LOG
    list_display = ["revealed_at", "user", "resident", "reason"]
    list_select_related = ["user", "resident"]
    date_hierarchy = "revealed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportLog)
class ExportLogAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Exports of personal data, for the center's administrator (residents.read_export_log)."""

    capability = selectors.READ_EXPORT_LOG
    target = selectors.EXPORT_LOG
    list_display = ["exported_at", "user", "format", "filters", "row_count", "full_id_numbers"]
    list_select_related = ["user"]
    date_hierarchy = "exported_at"


@admin.register(IdCheckLog)
class IdCheckLogAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """ID number checks against the whole registry (registering, correcting, searching)."""

    capability = selectors.READ_EXPORT_LOG
    target = permissions.Target("ID number check", nodes=("user__assignments__node",))
    list_display = ["checked_at", "user", "purpose", "outcome"]
    list_filter = ["purpose", "outcome"]
    list_select_related = ["user"]
    exclude = ["id_number_hash"]
    date_hierarchy = "checked_at"


@admin.register(TransferRequest)
class TransferRequestAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Transfer requests, for the record: they are decided on the center's page."""

    capability = selectors.HANDLE_TRANSFERS
    target = selectors.TRANSFER
    list_display = ["requested_at", "name_given", "to_node", "requested_by", "status",
                    "decided_at"]
    list_filter = ["status"]
    list_select_related = ["to_node", "requested_by"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Where the person is registered is for those who may read them there.
        if obj is not None and not permissions.has(request.user, selectors.READ_NAMES,
                                                   obj.resident):
            fields = [name for name in fields if name != "resident"]
        return fields
