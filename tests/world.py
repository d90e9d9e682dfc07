"""A small but complete world: one object of every kind a page or an API operation names by id,
in the community of tests/conftest.py (street > community > hubs > grids) with its registry.

The page walker (tests/routes.py) and the schema fuzzer (tests/api/test_schema_fuzz.py) fill
path parameters from it. Objects are made through the services where writes have rules, at
fixed dates in the past, so the world is the same whatever day the suite runs.
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token

from committees import services as committee_services
from committees.models import ActivityPhoto, Member, Position, Volunteer
from residents import services as registry_services
from residents.models import Membership, TransferRequest, VisitPhoto, VisitPurpose
from tests.committees.factories import (
    ActivityFactory,
    CommitteeFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
    VolunteerTeamFactory,
    wish_category,
)
from tests.grids.factories import ServicePointFactory
from tests.tickets.factories import make_ticket
from tickets import services as ticket_services

HELD_ON = dt.date(2026, 3, 20)
PLANNED_ON = dt.date(2099, 6, 1)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "#2f6f4f").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class World:
    """`community` and `registry` are the conftest fixtures; the rest is made here."""

    def __init__(self, community, registry):
        self.community, self.registry = community, registry
        staff, worker = community.center_staff, community.worker_a
        self.service_point = ServicePointFactory(node=community.community, name="世纪城服务站")
        self.membership = Membership.objects.filter(resident=registry.head_a).first()

        # Registry: a visit with a photo, by the grid worker of G5A.
        self.visit = registry_services.visit_create(
            actor=worker, household=registry.household_a, purpose=VisitPurpose.ROUTINE,
            notes="老人身体好", visited_on=dt.date(2026, 3, 1))
        self.visit_photo = VisitPhoto.objects.create(visit=self.visit, image=png("visit.png"))
        # A grid asked to register the tenant of G5B into G5A's household: a transfer request.
        self.transfer = TransferRequest.objects.create(
            resident=registry.tenant_b, to_node=community.g5a,
            to_household=registry.household_a, name_given="王芳", requested_by=worker)

        # Tickets: one in each of G5A and G5B, one accepted with a photo, one micro-wish need.
        self.ticket = make_ticket(node=community.g5a, title="楼道灯不亮", reporter_name="张秀兰",
                                  reporter_phone="13712345678")
        ticket_services.ticket_transition(ticket=self.ticket, actor=worker, action="accept")
        self.ticket_photo = ticket_services.ticket_photo_add(ticket=self.ticket, actor=worker,
                                                              photo=png("ticket.png"))
        self.other_ticket = make_ticket(node=community.g5b, title="垃圾未清运")
        self.need = make_ticket(node=community.g5a, category=wish_category(),
                                title="希望楼下装个扶手")

        # Committees: members, a charter with its file, a held meeting with a decision, a
        # planned one.
        self.committee = CommitteeFactory(community=community.community, name="物业服务委员会")
        self.member = committee_services.member_add(
            committee=self.committee, actor=staff, position=Position.DIRECTOR,
            starts_on=dt.date(2025, 1, 1), resident=registry.head_a)
        self.contact_member = committee_services.member_add(
            committee=self.committee, actor=staff, position=Position.MEMBER,
            starts_on=dt.date(2025, 1, 1), contact_name="赵警官")
        self.charter = committee_services.charter_adopt(
            committee=self.committee, actor=staff, adopted_on=dt.date(2025, 1, 1),
            text="委员会章程", file=SimpleUploadedFile("charter.pdf", b"%PDF-1.4\n%%EOF\n",
                                                  content_type="application/pdf"))
        meeting = committee_services.meeting_schedule(
            committee=self.committee, actor=staff, title="一季度联席会议", held_on=HELD_ON,
            agenda=["路灯维修"])
        self.meeting = committee_services.meeting_record(
            meeting=meeting, actor=staff, minutes="议定：修复路灯。", present=[self.member.pk])
        self.decision = committee_services.decision_add(
            meeting=self.meeting, actor=staff, text="修复枫丹1栋路灯", owner=community.g5a,
            due_on=dt.date(2026, 4, 30))
        self.planned_meeting = committee_services.meeting_schedule(
            committee=self.committee, actor=staff, title="临时议事会", held_on=PLANNED_ON)

        # The three lists, a match, an activity with a photo, a volunteer team.
        self.partner = PartnerUnitFactory(community=community.community, name="云南电网")
        self.resource = ResourceFactory(partner=self.partner, name="免费电工服务")
        self.service_item = ServiceItemFactory(community=community.community, name="医保登记")
        self.match = committee_services.match_create(need=self.need, actor=staff,
                                                     service=self.service_item)
        self.activity = ActivityFactory(community=community.community, committee=self.committee,
                                        held_on=dt.date(2026, 3, 5), title="反诈宣传进小区")
        self.activity_photo = ActivityPhoto.objects.create(activity=self.activity,
                                                           image=png("activity.png"))
        self.team = VolunteerTeamFactory(community=community.community, name="红色先锋队")
        self.volunteer = Volunteer.objects.create(team=self.team, resident=registry.tenant_b,
                                                  joined_on=dt.date(2026, 1, 1))

        # API tokens of the three roles the fuzzer plays.
        self.tokens = {user.username: Token.objects.create(user=user).key
                       for user in (worker, staff, community.admin)}

    @property
    def members(self) -> list[Member]:
        return [self.member, self.contact_member]
