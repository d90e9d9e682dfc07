"""Committees in the admin, for the record. Changelists and choices are scoped by community
through the selectors (admins see all); people, residents, tickets and nodes are picked by id so
the pages stay fast whatever the size of the registry."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridportal.forms import add_service_errors
from grids.models import GridNode
from grids.selectors import visible_nodes

from . import selectors, services
from .models import (
    Activity,
    ActivityPhoto,
    AgendaItem,
    Attendance,
    Charter,
    Committee,
    CommitteeArea,
    CommitteeReminder,
    Decision,
    Match,
    Meeting,
    Member,
    PartnerUnit,
    Resource,
    ServiceHours,
    ServiceItem,
    Volunteer,
    VolunteerTeam,
)


class CommunityScopedAdmin(admin.ModelAdmin):
    """Rows of the communities the acting user works in (`selectors.community_ids_for`)."""

    community_field = "community"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = selectors.community_ids_for(request.user)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.community_field}_id__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is GridNode:
            kwargs["queryset"] = (selectors.community_list_for(user=request.user)
                                  if db_field.name == "community"
                                  else visible_nodes(request.user))
        elif db_field.related_model is Committee:
            kwargs["queryset"] = selectors.committee_list_for(user=request.user, active=None)
        elif db_field.related_model is PartnerUnit:
            kwargs["queryset"] = selectors.partner_list_for(user=request.user, active=None)
        elif db_field.related_model is VolunteerTeam:
            kwargs["queryset"] = selectors.team_list_for(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Committees -----------------------------------------------------------------------------


class CommitteeAreaInline(admin.TabularInline):
    model = CommitteeArea
    extra = 0
    fields = ["name", "size", "nodes"]
    raw_id_fields = ["nodes"]


class CharterInline(admin.TabularInline):
    model = Charter
    extra = 0
    fields = ["version", "adopted_on", "file", "recorded_by"]
    readonly_fields = ["recorded_by"]
    show_change_link = True


class MemberForm(forms.ModelForm):
    """The admin keeps the rules of a term too: one director at a time, no overlapping terms
    for the same person."""

    class Meta:
        model = Member
        fields = ["committee", "position", "user", "resident", "contact_name", "contact_phone",
                  "organisation_kind", "organisation", "starts_on", "ends_on"]

    def clean(self):
        data = super().clean()
        committee = data.get("committee") or getattr(self.instance, "committee", None)
        if committee is not None and committee.pk and data.get("starts_on") and not self.errors:
            try:
                services.check_term(
                    committee=committee, position=data.get("position", ""),
                    starts_on=data["starts_on"], ends_on=data.get("ends_on"),
                    user=data.get("user"), resident=data.get("resident"),
                    contact_name=data.get("contact_name", ""), exclude_pk=self.instance.pk)
            except ValidationError as error:
                add_service_errors(self, error)
        return data


class MemberInline(admin.TabularInline):
    model = Member
    form = MemberForm
    extra = 0
    fields = ["position", "user", "resident", "contact_name", "contact_phone",
              "organisation_kind", "organisation", "starts_on", "ends_on"]
    raw_id_fields = ["user", "resident"]


@admin.register(Committee)
class CommitteeAdmin(CommunityScopedAdmin):
    list_display = ["name", "kind", "community", "cadence_months", "cadence_missed_since",
                    "active"]
    list_filter = ["kind", "active", ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description"]
    list_select_related = ["community"]
    readonly_fields = ["cadence_missed_since"]
    inlines = [CommitteeAreaInline, CharterInline, MemberInline]


@admin.register(Charter)
class CharterAdmin(CommunityScopedAdmin):
    community_field = "committee__community"
    list_display = ["committee", "version", "adopted_on", "recorded_by"]
    list_filter = ["committee__kind"]
    search_fields = ["committee__name", "text"]
    list_select_related = ["committee", "recorded_by"]
    raw_id_fields = ["recorded_by"]


@admin.register(Member)
class MemberAdmin(CommunityScopedAdmin):
    form = MemberForm
    community_field = "committee__community"
    list_display = ["__str__", "committee", "position", "organisation_kind", "organisation",
                    "starts_on", "ends_on"]
    list_filter = ["position", "organisation_kind", "committee__kind"]
    search_fields = ["contact_name", "organisation", "resident__name", "user__username",
                     "user__first_name", "user__last_name", "committee__name"]
    list_select_related = ["committee", "user", "resident"]
    raw_id_fields = ["user", "resident"]
    date_hierarchy = "starts_on"


# --- Meetings -------------------------------------------------------------------------------


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "title"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["member", "present", "note"]
    raw_id_fields = ["member"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = ["position", "text", "owner", "due_on", "ticket"]
    raw_id_fields = ["owner", "ticket"]
    readonly_fields = ["ticket"]  # a decision becomes a ticket through the meeting page


@admin.register(Meeting)
class MeetingAdmin(CommunityScopedAdmin):
    community_field = "committee__community"
    list_display = ["title", "committee", "kind", "status", "held_on", "place"]
    list_filter = ["kind", "status", "committee__kind"]
    search_fields = ["title", "minutes", "committee__name"]
    list_select_related = ["committee"]
    raw_id_fields = ["recorded_by"]
    date_hierarchy = "held_on"
    inlines = [AgendaItemInline, AttendanceInline, DecisionInline]


@admin.register(Decision)
class DecisionAdmin(CommunityScopedAdmin):
    community_field = "meeting__committee__community"
    list_display = ["__str__", "meeting", "owner", "due_on", "ticket", "ticket_status"]
    list_filter = ["meeting__committee__kind", "ticket__status"]
    search_fields = ["text", "meeting__title", "ticket__reference"]
    list_select_related = ["meeting", "owner", "ticket"]
    raw_id_fields = ["meeting", "owner", "ticket"]
    readonly_fields = ["ticket"]

    @admin.display(description=_("ticket status"), ordering="ticket__status")
    def ticket_status(self, obj):
        return obj.ticket.get_status_display() if obj.ticket else "-"


@admin.register(CommitteeReminder)
class CommitteeReminderAdmin(CommunityScopedAdmin):
    community_field = "committee__community"
    list_display = ["committee", "kind", "due_on", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["committee"]
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Partner units and the three lists ------------------------------------------------------


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["name", "capacity", "available", "public"]


@admin.register(PartnerUnit)
class PartnerUnitAdmin(CommunityScopedAdmin):
    list_display = ["name", "kind", "party_committee_member", "contact_name", "contact_phone",
                    "community", "active"]
    list_filter = ["kind", "party_committee_member", "active",
                   ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "contact_name", "address"]
    list_select_related = ["community"]
    inlines = [ResourceInline]


@admin.register(Resource)
class ResourceAdmin(CommunityScopedAdmin):
    community_field = "partner__community"
    list_display = ["name", "partner", "capacity", "available", "public"]
    list_filter = ["available", "public", "partner__kind"]
    search_fields = ["name", "description", "partner__name"]
    list_select_related = ["partner"]


@admin.register(ServiceItem)
class ServiceItemAdmin(CommunityScopedAdmin):
    list_display = ["name", "mode", "place", "hours", "service_point", "community", "active",
                    "position"]
    list_filter = ["mode", "active", ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description", "place"]
    list_select_related = ["community", "service_point"]
    raw_id_fields = ["service_point"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    """Matches for the record; they are made and closed on the lists pages, where the rules
    apply."""

    list_display = ["need", "service", "resource", "status", "matched_by", "matched_at",
                    "delivered_at"]
    list_filter = ["status"]
    search_fields = ["need__reference", "need__title", "service__name", "resource__name"]
    list_select_related = ["need", "service", "resource__partner", "matched_by"]
    raw_id_fields = ["need", "service", "resource", "matched_by"]
    readonly_fields = ["need", "service", "resource", "status", "matched_by", "delivered_at"]

    def get_queryset(self, request):
        # The changelist applies list_select_related only to a queryset that joins nothing yet;
        # the selector's joins come first, so what the list adds is joined here.
        return selectors.match_list_for(user=request.user).select_related(
            *self.list_select_related)

    def has_add_permission(self, request):
        return False


# --- Activities and volunteers --------------------------------------------------------------


class ActivityPhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    fields = ["image", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


@admin.register(Activity)
class ActivityAdmin(CommunityScopedAdmin):
    list_display = ["title", "theme", "held_on", "participants", "committee", "partner", "team",
                    "community"]
    list_filter = ["theme", ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "place", "description"]
    list_select_related = ["community", "committee", "partner", "team"]
    raw_id_fields = ["recorded_by"]
    date_hierarchy = "held_on"
    inlines = [ActivityPhotoInline]


class VolunteerInline(admin.TabularInline):
    model = Volunteer
    extra = 0
    fields = ["resident", "user", "party_member", "leader", "joined_on"]
    raw_id_fields = ["resident", "user"]


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(CommunityScopedAdmin):
    list_display = ["name", "community", "active"]
    list_filter = ["active", ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description"]
    list_select_related = ["community"]
    inlines = [VolunteerInline]


@admin.register(Volunteer)
class VolunteerAdmin(CommunityScopedAdmin):
    community_field = "team__community"
    list_display = ["__str__", "team", "party_member", "leader", "joined_on"]
    list_filter = ["party_member", "leader", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["resident__name", "user__username", "user__first_name", "user__last_name",
                     "team__name"]
    list_select_related = ["team", "resident", "user"]
    raw_id_fields = ["resident", "user"]


@admin.register(ServiceHours)
class ServiceHoursAdmin(CommunityScopedAdmin):
    community_field = "volunteer__team__community"
    list_display = ["volunteer", "served_on", "hours", "activity", "note"]
    list_filter = [("volunteer__team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["note", "volunteer__resident__name", "volunteer__user__username"]
    list_select_related = ["volunteer__team", "volunteer__resident", "volunteer__user",
                           "activity"]
    raw_id_fields = ["volunteer", "activity", "recorded_by"]
    date_hierarchy = "served_on"
