"""/api/v1/committees/ and /api/v1/meetings/: committees with their members and charter;
meetings with agenda, attendance and decisions (recorded through the services)."""

import datetime as dt

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import ScopedIdFilter, YearFilter, service_errors
from grids.models import GridNode
from grids.phones import PhoneSerializerField
from residents.models import Resident
from tickets.models import Ticket

from .. import selectors, services
from ..models import (
    Charter,
    Committee,
    CommitteeArea,
    CommitteeKind,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
)
from .common import ScopedChoicesMixin, User, community_filter, nodes_of

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


class CommitteeAreaSerializer(serializers.ModelSerializer):
    nodes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CommitteeArea
        fields = ["id", "name", "size", "nodes"]


class CommitteeSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    last_joint_meeting = serializers.DateField(read_only=True, allow_null=True)
    next_joint_meeting_due = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)
    members = CommitteeMemberSerializer(source="current_members", many=True, read_only=True)
    charter = serializers.SerializerMethodField()
    areas = CommitteeAreaSerializer(many=True, read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "community", "community_name", "kind", "kind_display", "name",
                  "description", "active", "cadence_months", "cadence_missed_since",
                  "last_joint_meeting", "next_joint_meeting_due", "member_count", "members",
                  "charter", "areas"]
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
    contact_phone = PhoneSerializerField(required=False, allow_blank=True)

    class Meta:
        model = Member
        fields = ["user", "resident", "contact_name", "contact_phone", "position",
                  "organisation_kind", "organisation", "starts_on", "ends_on"]
        # The model's default would let a missing position through to the service, which
        # takes it as a required argument: the caller names the position.
        extra_kwargs = {"position": {"required": True}}
        validators: list = []


class CommitteeFilter(filters.FilterSet):
    community = community_filter()
    kind = filters.ChoiceFilter(choices=CommitteeKind.choices)

    class Meta:
        model = Committee
        fields = ["community", "kind", "active"]


class TermEndSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none())
    ends_on = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        committee = self.context.get("committee")
        if committee is not None:
            self.fields["member"].queryset = committee.members.all()


class CommitteeCreateSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())

    class Meta:
        model = Committee
        fields = ["community", "kind", "name", "description", "cadence_months",
                  "remind_days_before"]
        validators: list = []  # the service checks the name within its transaction


class CommitteeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The five committees of the caller's communities, with current members and charter; the
    community's staff set up new ones."""

    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilter
    capabilities = {"*": selectors.READ, "create": selectors.MANAGE,
                    "members": selectors.MANAGE, "end_term": selectors.MANAGE}

    @extend_schema(request=CommitteeCreateSerializer, responses={201: CommitteeSerializer})
    def create(self, request, *args, **kwargs):
        payload = CommitteeCreateSerializer(data=request.data,
                                            context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        committee = service_errors(lambda: services.committee_create(
            actor=request.user, **payload.validated_data))
        committee = self.get_queryset().get(pk=committee.pk)
        return Response(CommitteeSerializer(committee).data, status=status.HTTP_201_CREATED)

    def get_queryset(self):
        current = Member.objects.filter(selectors.current_members_q()).select_related(
            "user", "resident").order_by("position", "starts_on", "pk")
        charters = Charter.objects.only("pk", "committee_id", "version", "adopted_on").order_by(
            "-adopted_on", "-version")
        committees = selectors.committee_list_for(user=self.request.user, active=None)
        return committees.order_by("community_id", "kind", "name", "pk").prefetch_related(
            Prefetch("members", queryset=current, to_attr="current_members"),
            Prefetch("charters", queryset=charters, to_attr="charters_by_adoption"),
            Prefetch("areas", queryset=CommitteeArea.objects.order_by("size", "pk")
                     .prefetch_related("nodes")))

    @extend_schema(request=MemberAddSerializer, responses={201: CommitteeMemberSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        committee = selectors.committee_get_for(user=request.user, pk=pk)
        payload = MemberAddSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        member = service_errors(lambda: services.member_add(
            committee=committee, actor=request.user, **payload.validated_data))
        return Response(CommitteeMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TermEndSerializer, responses=CommitteeMemberSerializer)
    @action(detail=True, methods=["post"], url_path="end-term")
    def end_term(self, request, pk=None):
        """End a member's term on a date (the member stays on record as a past member)."""
        committee = selectors.committee_get_for(user=request.user, pk=pk)
        payload = TermEndSerializer(data=request.data, context={"committee": committee})
        payload.is_valid(raise_exception=True)
        member = service_errors(lambda: services.member_end_term(
            actor=request.user, **payload.validated_data))
        return Response(CommitteeMemberSerializer(member).data)


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
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True)
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
            self.fields["owner"].queryset = nodes_of(community)


class MeetingFilter(filters.FilterSet):
    community = community_filter("committee__community")
    committee = ScopedIdFilter(
        queryset=lambda request: selectors.committee_list_for(user=request.user, active=None))
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    status = filters.ChoiceFilter(choices=MeetingStatus.choices)
    year = YearFilter(field_name="held_on")

    class Meta:
        model = Meeting
        fields = ["community", "committee", "kind", "status", "year"]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Joint meetings and one-issue deliberations: agenda, attendance, decisions as tickets.
    Scheduling and recording are for the community's staff and the committee's director and
    deputies (checked by the services)."""

    filterset_class = MeetingFilter
    capabilities = {"*": selectors.READ}

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

    @extend_schema(request=None, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a planned meeting."""
        meeting = self.get_object()
        meeting = service_errors(lambda: services.meeting_cancel(meeting=meeting,
                                                                 actor=request.user))
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


