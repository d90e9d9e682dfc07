"""Committees API: /api/v1/committees/, /meetings/, /partner-units/, /resources/, /services/,
/activities/.

Every queryset comes from committees.selectors, so an object outside the caller's communities
answers 404 like a missing one, and a related id outside scope is refused as a field error.
Writes go through committees.services; their ValidationError and PermissionDenied become 400
and 403. Lists are ordered here: the selectors' aggregate annotations make Django drop the
models' Meta.ordering.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import ScopedIdFilter, service_errors
from grids.models import GridNode, ServicePoint
from grids.selectors import service_point_list_for
from residents.models import Resident
from residents.selectors import resident_list_for
from tickets.models import Ticket

from . import selectors, services
from .models import (
    Activity,
    Charter,
    Committee,
    CommitteeKind,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartnerUnit,
    Resource,
    ServiceItem,
    ServiceMode,
    Theme,
    VolunteerTeam,
)

User = get_user_model()

# The related objects a caller may pick, by field name: the selectors that scope the lists.
SCOPES = {
    "community": lambda user: selectors.community_list_for(user=user),
    "committee": lambda user: selectors.committee_list_for(user=user, active=None),
    "partner": lambda user: selectors.partner_list_for(user=user),
    "team": lambda user: selectors.team_list_for(user=user),
    "service_point": lambda user: service_point_list_for(user=user),
    "resident": lambda user: resident_list_for(user=user),
    "user": lambda user: User.objects.filter(is_active=True),
}


class ScopedChoicesMixin:
    """Narrow the related fields named in SCOPES to what the requesting user may see, when they
    are submitted (a scope costs queries); unsubmitted ones keep an empty queryset."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        submitted = getattr(self, "initial_data", None) or {}
        if request is None:
            return
        for name in SCOPES.keys() & self.fields.keys() & set(submitted):
            field = self.fields[name]
            if isinstance(field, serializers.PrimaryKeyRelatedField):
                field.queryset = SCOPES[name](request.user)


def _community_filter(field_name: str = "community") -> ScopedIdFilter:
    return ScopedIdFilter(
        field_name=field_name, help_text=_("A community id: only what belongs to it."),
        queryset=lambda request: selectors.community_list_for(user=request.user))


def _nodes_of(community: GridNode):
    return GridNode.objects.filter(tree_id=community.tree_id, lft__gte=community.lft,
                                   lft__lt=community.rght, active=True)


# --- Committees -----------------------------------------------------------------------------


class CommitteeMemberSerializer(serializers.ModelSerializer):
    """A member as others see them: no phone numbers."""

    name = serializers.CharField(source="display_name", read_only=True)
    position_display = serializers.CharField(source="get_position_display", read_only=True)
    organisation_kind_display = serializers.CharField(source="get_organisation_kind_display",
                                                      read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "position", "position_display", "organisation_kind",
                  "organisation_kind_display", "organisation", "starts_on", "ends_on"]
        read_only_fields = fields


class CharterBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Charter
        fields = ["id", "version", "adopted_on"]


class CommitteeSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    last_joint_meeting = serializers.DateField(read_only=True, allow_null=True)
    next_joint_meeting_due = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)
    members = CommitteeMemberSerializer(source="current_members", many=True, read_only=True)
    charter = serializers.SerializerMethodField()

    class Meta:
        model = Committee
        fields = ["id", "community", "community_name", "kind", "kind_display", "name",
                  "description", "active", "cadence_months", "cadence_missed_since",
                  "last_joint_meeting", "next_joint_meeting_due", "member_count", "members",
                  "charter"]
        read_only_fields = fields

    def get_next_joint_meeting_due(self, committee: Committee) -> dt.date:
        return selectors.next_joint_meeting_due(committee, committee.last_joint_meeting)

    @extend_schema_field(CharterBriefSerializer(allow_null=True))
    def get_charter(self, committee: Committee) -> dict | None:
        charters = committee.charters_by_adoption
        return CharterBriefSerializer(charters[0]).data if charters else None


class MemberAddSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False,
                                              allow_null=True, default=None)
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none(), required=False,
                                                  allow_null=True, default=None)

    class Meta:
        model = Member
        fields = ["user", "resident", "contact_name", "contact_phone", "position",
                  "organisation_kind", "organisation", "starts_on", "ends_on"]
        validators: list = []


class CommitteeFilter(filters.FilterSet):
    community = _community_filter()
    kind = filters.ChoiceFilter(choices=CommitteeKind.choices)

    class Meta:
        model = Committee
        fields = ["community", "kind", "active"]


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    """The five committees of the caller's communities, with current members and charter."""

    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilter

    def get_queryset(self):
        current = Member.objects.filter(selectors.current_members_q()).select_related(
            "user", "resident").order_by("position", "starts_on", "pk")
        charters = Charter.objects.only("pk", "committee_id", "version", "adopted_on").order_by(
            "-adopted_on", "-version")
        committees = selectors.committee_list_for(user=self.request.user, active=None)
        return committees.order_by("community_id", "kind", "name", "pk").prefetch_related(
            Prefetch("members", queryset=current, to_attr="current_members"),
            Prefetch("charters", queryset=charters, to_attr="charters_by_adoption"))

    @extend_schema(request=MemberAddSerializer, responses={201: CommitteeMemberSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        committee = selectors.committee_get_for(user=request.user, pk=pk)
        payload = MemberAddSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        member = service_errors(lambda: services.member_add(
            committee=committee, actor=request.user, **payload.validated_data))
        return Response(CommitteeMemberSerializer(member).data, status=status.HTTP_201_CREATED)


# --- Meetings -------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    community = serializers.IntegerField(source="committee.community_id", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision_count = serializers.IntegerField(read_only=True)
    open_decision_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "committee", "committee_name", "community", "kind", "kind_display",
                  "title", "held_on", "starts_at", "place", "status", "status_display",
                  "decision_count", "open_decision_count"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()


class AttendanceRowSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.CharField()
    position_display = serializers.CharField()
    present = serializers.BooleanField(allow_null=True, help_text=_("null: not recorded yet"))


class DecisionTicketSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "reference", "status", "status_display", "owner", "owner_name",
                  "resolve_due_at", "closed_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    ticket = DecisionTicketSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "position", "text", "owner", "owner_name", "due_on", "ticket",
                  "created_at"]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    # Plain strings here: the choice sets are described once, on Meeting.
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    agenda = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "minutes", "guests", "agenda", "attendance",
                  "decisions"]
        read_only_fields = fields

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, meeting: Meeting) -> list:
        return AgendaItemSerializer(meeting.agenda_items.all(), many=True).data

    @extend_schema_field(AttendanceRowSerializer(many=True))
    def get_attendance(self, meeting: Meeting) -> list:
        rows = [{"member": member.pk, "name": member.display_name, "position": member.position,
                 "position_display": member.get_position_display(), "present": present}
                for member, present in selectors.attendance_rows(meeting)]
        return AttendanceRowSerializer(rows, many=True).data

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, meeting: Meeting) -> list:
        return DecisionSerializer(selectors.decisions_of(meeting), many=True).data


@extend_schema_serializer(component_name="Meeting")  # the request body: "MeetingRequest"
class MeetingScheduleSerializer(ScopedChoicesMixin, serializers.Serializer):
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.none())
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.JOINT)
    title = serializers.CharField(max_length=120)
    held_on = serializers.DateField()
    starts_at = serializers.TimeField(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    agenda = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                   default=list)


class MeetingRecordSerializer(serializers.Serializer):
    minutes = serializers.CharField()
    present = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None,
        help_text=_("Ids of the members present; every other serving member is absent."))
    guests = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=120, required=False)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    held_on = serializers.DateField(required=False)


class AttendanceMarkSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none())
    present = serializers.BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        committee = self.context.get("committee")
        if committee is not None:
            self.fields["member"].queryset = committee.members.all()


class DecisionAddSerializer(serializers.Serializer):
    text = serializers.CharField()
    owner = serializers.PrimaryKeyRelatedField(
        queryset=GridNode.objects.none(), required=False, allow_null=True, default=None,
        help_text=_("A node of the committee's community that carries the decision out."))
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    make_ticket = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        community = self.context.get("community")
        if community is not None:
            self.fields["owner"].queryset = _nodes_of(community)


class MeetingFilter(filters.FilterSet):
    community = _community_filter("committee__community")
    committee = ScopedIdFilter(
        queryset=lambda request: selectors.committee_list_for(user=request.user, active=None))
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    status = filters.ChoiceFilter(choices=MeetingStatus.choices)
    year = filters.NumberFilter(field_name="held_on", lookup_expr="year")

    class Meta:
        model = Meeting
        fields = ["community", "committee", "kind", "status", "year"]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Joint meetings and one-issue deliberations: agenda, attendance, decisions as tickets."""

    filterset_class = MeetingFilter

    def get_queryset(self):
        return selectors.meeting_list_for(user=self.request.user).order_by("-held_on", "-pk")

    def get_object(self):
        return selectors.meeting_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def _detail(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        meeting = selectors.meeting_get_for(user=self.request.user, pk=meeting.pk)
        return Response(MeetingDetailSerializer(meeting).data, status=code)

    @extend_schema(request=MeetingScheduleSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request, *args, **kwargs):
        payload = MeetingScheduleSerializer(data=request.data,
                                            context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        meeting = service_errors(lambda: services.meeting_schedule(
            actor=request.user, **payload.validated_data))
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingRecordSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        meeting = self.get_object()
        payload = MeetingRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        meeting = service_errors(lambda: services.meeting_record(
            meeting=meeting, actor=request.user, **payload.validated_data))
        return self._detail(meeting)

    @extend_schema(request=AttendanceMarkSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        meeting = self.get_object()
        payload = AttendanceMarkSerializer(data=request.data,
                                           context={"committee": meeting.committee})
        payload.is_valid(raise_exception=True)
        service_errors(lambda: services.attendance_mark(
            meeting=meeting, actor=request.user, **payload.validated_data))
        return self._detail(meeting)

    @extend_schema(request=DecisionAddSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        meeting = self.get_object()
        payload = DecisionAddSerializer(data=request.data,
                                        context={"community": meeting.committee.community})
        payload.is_valid(raise_exception=True)
        decision = service_errors(lambda: services.decision_add(
            meeting=meeting, actor=request.user, **payload.validated_data))
        decision = selectors.decisions_of(meeting).get(pk=decision.pk)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# --- Partner units and the lists ------------------------------------------------------------


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A list kept by the community's staff: created and changed through one service; nothing
    is deleted (set `active` or `available` to false instead)."""

    def save_record(self, data: dict, instance=None):
        raise NotImplementedError

    def perform_create(self, serializer):
        record = service_errors(lambda: self.save_record(dict(serializer.validated_data)))
        serializer.instance = self.get_queryset().get(pk=record.pk)

    def perform_update(self, serializer):
        instance = serializer.instance
        record = service_errors(lambda: self.save_record(dict(serializer.validated_data),
                                                         instance))
        serializer.instance = self.get_queryset().get(pk=record.pk)


class ResourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "description", "capacity", "available", "public"]
        read_only_fields = fields


class PartnerUnitSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    resource_count = serializers.IntegerField(read_only=True)
    resources = ResourceBriefSerializer(many=True, read_only=True)

    class Meta:
        model = PartnerUnit
        fields = ["id", "community", "community_name", "name", "kind", "kind_display",
                  "party_committee_member", "contact_name", "contact_phone", "address",
                  "joined_on", "active", "notes", "resource_count", "resources"]
        validators: list = []  # the service checks uniqueness within its transaction


class PartnerUnitFilter(filters.FilterSet):
    community = _community_filter()

    class Meta:
        model = PartnerUnit
        fields = ["community", "kind", "active", "party_committee_member"]


class PartnerUnitViewSet(RecordViewSet):
    """Partner units (大党委, 共建单位) with the resources they offer."""

    serializer_class = PartnerUnitSerializer
    filterset_class = PartnerUnitFilter

    def get_queryset(self):
        partners = selectors.partner_list_for(user=self.request.user, active=None)
        return partners.order_by("community_id", "name", "pk").prefetch_related("resources")

    def save_record(self, data: dict, instance=None):
        community = data.pop("community", None) or instance.community
        return services.partner_save(actor=self.request.user, community=community,
                                     partner=instance, **data)


class ResourceSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=PartnerUnit.objects.none())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    community = serializers.IntegerField(source="partner.community_id", read_only=True)

    class Meta:
        model = Resource
        fields = ["id", "partner", "partner_name", "community", "name", "description",
                  "capacity", "available", "public"]


class ResourceFilter(filters.FilterSet):
    community = _community_filter("partner__community")
    partner = ScopedIdFilter(
        queryset=lambda request: selectors.partner_list_for(user=request.user, active=None))

    class Meta:
        model = Resource
        fields = ["community", "partner", "available", "public"]


class ResourceViewSet(RecordViewSet):
    """The resource list: what partner units offer the community."""

    serializer_class = ResourceSerializer
    filterset_class = ResourceFilter

    def get_queryset(self):
        return selectors.resource_list_for(user=self.request.user)

    def save_record(self, data: dict, instance=None):
        partner = data.pop("partner", None) or instance.partner
        if instance is not None and partner.pk != instance.partner_id and not \
                selectors.can_manage(self.request.user, instance.partner.community_id):
            raise DjangoPermissionDenied(_("Only the community's staff can change these "
                                           "records."))
        return services.resource_save(actor=self.request.user, partner=partner,
                                      resource=instance, **data)


class ServiceItemSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)
    service_point = serializers.PrimaryKeyRelatedField(
        queryset=ServicePoint.objects.none(), required=False,
        allow_null=True)
    service_point_name = serializers.CharField(source="service_point.name", read_only=True,
                                               default=None)

    class Meta:
        model = ServiceItem
        fields = ["id", "community", "community_name", "name", "description", "mode",
                  "mode_display", "service_point", "service_point_name", "place", "hours",
                  "phone", "active", "position"]
        validators: list = []


class ServiceItemFilter(filters.FilterSet):
    community = _community_filter()
    mode = filters.ChoiceFilter(choices=ServiceMode.choices)

    class Meta:
        model = ServiceItem
        fields = ["community", "mode", "active"]


class ServiceItemViewSet(RecordViewSet):
    """The service list: what the community offers, where and when."""

    serializer_class = ServiceItemSerializer
    filterset_class = ServiceItemFilter

    def get_queryset(self):
        return selectors.service_list_for(user=self.request.user)

    def save_record(self, data: dict, instance=None):
        community = data.pop("community", None) or instance.community
        return services.service_item_save(actor=self.request.user, community=community,
                                          item=instance, **data)


# --- Activities -----------------------------------------------------------------------------


class ActivitySerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    theme_display = serializers.CharField(source="get_theme_display", read_only=True)
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.none(),
                                                   required=False, allow_null=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True,
                                           default=None)
    partner = serializers.PrimaryKeyRelatedField(queryset=PartnerUnit.objects.none(),
                                                 required=False, allow_null=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)
    team = serializers.PrimaryKeyRelatedField(
        queryset=VolunteerTeam.objects.none(), required=False,
        allow_null=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "community", "community_name", "title", "theme", "theme_display",
                  "held_on", "place", "participants", "description", "committee",
                  "committee_name", "partner", "partner_name", "team", "team_name",
                  "photo_count", "created_at"]
        read_only_fields = ["created_at"]


class YearTotalSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()


class ThemeTotalSerializer(serializers.Serializer):
    theme = serializers.ChoiceField(choices=Theme.choices)
    theme_display = serializers.CharField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()


class ActivityTotalsSerializer(serializers.Serializer):
    by_year = YearTotalSerializer(many=True)
    by_theme = ThemeTotalSerializer(many=True)


class ActivityFilter(filters.FilterSet):
    community = _community_filter()
    theme = filters.ChoiceFilter(choices=Theme.choices)
    year = filters.NumberFilter(field_name="held_on", lookup_expr="year")

    class Meta:
        model = Activity
        fields = ["community", "theme", "year"]


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Activities and campaigns, and their totals by year and by theme."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter

    def get_queryset(self):
        return selectors.activity_list_for(user=self.request.user).order_by("-held_on", "-pk")

    def perform_create(self, serializer):
        activity = service_errors(lambda: services.activity_record(
            actor=self.request.user, **serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=activity.pk)

    @extend_schema(responses=ActivityTotalsSerializer, filters=True)
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        activities = self.filter_queryset(self.get_queryset())
        # Totals count each activity once, whatever its photos: a plain queryset of the ids.
        plain = Activity.objects.filter(pk__in=activities.values("pk"))
        themes = dict(Theme.choices)
        by_theme = [{**row, "theme_display": themes.get(row["theme"], row["theme"])}
                    for row in selectors.activity_theme_totals(plain)]
        data = {"by_year": selectors.activity_totals(plain), "by_theme": by_theme}
        return Response(ActivityTotalsSerializer(data).data)


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("committees", CommitteeViewSet, basename="committee")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("partner-units", PartnerUnitViewSet, basename="partner-unit")
    router.register("resources", ResourceViewSet, basename="resource")
    router.register("services", ServiceItemViewSet, basename="service-item")
    router.register("activities", ActivityViewSet, basename="activity")
