"""The three lists: residents' micro-wishes matched with the community's services and partner
units' resources, and the records of partner units, resources and services kept by staff."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from committees import selectors, services
from committees.models import MatchStatus, PartnerKind, ServiceMode
from grids.models import ServicePoint
from tickets import services as ticket_services
from tickets.models import Category, Channel

from .factories import PartnerUnitFactory, ResourceFactory, ServiceItemFactory, wish_category

pytestmark = pytest.mark.django_db


def _need(community, *, node=None, category=None, title="微心愿：老人想要一台收音机"):
    return ticket_services.ticket_create(
        actor=community.admin, channel=Channel.WECHAT_GROUP,
        category=category or wish_category(), title=title, description=title,
        node=node or community.g5a)


@pytest.fixture
def offers(community):
    service = ServiceItemFactory(community=community.community, name="上门理发")
    partner = PartnerUnitFactory(community=community.community, name="世纪城购物中心")
    resource = ResourceFactory(partner=partner, name="微心愿物资")
    return service, resource


def test_staff_match_a_wish_with_a_service_and_deliver_it(community, offers):
    service, _resource = offers
    need = _need(community)
    match = services.match_create(need=need, actor=community.center_staff, service=service,
                                  note="已告知居民")
    assert match.status == MatchStatus.MATCHED and match.offer == service
    assert [m.pk for m in selectors.need_list_for(user=community.worker_a).get(
        pk=need.pk).live_matches] == [match.pk]
    delivered = services.match_set_status(match=match, actor=community.center_staff,
                                          status=MatchStatus.DELIVERED)
    assert delivered.delivered_at is not None
    with pytest.raises(ValidationError) as error:
        services.match_set_status(match=match, actor=community.center_staff,
                                  status=MatchStatus.CANCELLED)
    assert "status" in error.value.message_dict


def test_only_open_wishes_are_matched(community, offers):
    service, _resource = offers
    repair = Category.objects.create(code="repair_test", name="设施报修")
    with pytest.raises(ValidationError) as error:
        services.match_create(need=_need(community, category=repair, title="楼道灯不亮"),
                              actor=community.center_staff, service=service)
    assert "need" in error.value.message_dict
    closed = _need(community)
    ticket_services.ticket_transition(ticket=closed, actor=community.admin, action="reject",
                                      note="重复诉求")
    with pytest.raises(ValidationError) as error:
        services.match_create(need=closed, actor=community.center_staff, service=service)
    assert "need" in error.value.message_dict


def test_a_wish_has_one_live_match_and_a_cancelled_one_can_be_replaced(community, offers):
    service, resource = offers
    need = _need(community)
    first = services.match_create(need=need, actor=community.center_staff, service=service)
    with pytest.raises(ValidationError) as error:
        services.match_create(need=need, actor=community.center_staff, resource=resource)
    assert "need" in error.value.message_dict
    services.match_set_status(match=first, actor=community.center_staff,
                              status=MatchStatus.CANCELLED)
    second = services.match_create(need=need, actor=community.center_staff, resource=resource)
    assert second.offer == resource
    assert need.matches.exclude(status=MatchStatus.CANCELLED).get() == second


def test_an_offer_must_be_of_the_needs_community(community, offers):
    service, _resource = offers
    other_need = _need(community, node=community.g4x)
    with pytest.raises(ValidationError) as error:
        services.match_create(need=other_need, actor=community.admin, service=service)
    assert "need" in error.value.message_dict


def test_a_match_needs_exactly_one_offer_and_a_manager(community, offers):
    service, resource = offers
    need = _need(community)
    with pytest.raises(ValidationError):
        services.match_create(need=need, actor=community.center_staff, service=service,
                              resource=resource)
    with pytest.raises(PermissionDenied):
        services.match_create(need=need, actor=community.worker_a, service=service)
    match = services.match_create(need=need, actor=community.center_staff, service=service)
    with pytest.raises(PermissionDenied):
        services.match_set_status(match=match, actor=community.worker_a,
                                  status=MatchStatus.DELIVERED)


def test_staff_keep_partner_units_resources_and_services(community):
    partner = services.partner_save(actor=community.center_staff, community=community.community,
                                    name="世纪城派出所", kind=PartnerKind.POLICE,
                                    contact_name="杨警官", contact_phone="0871-67162110")
    resource = services.resource_save(actor=community.center_staff, partner=partner,
                                      name="反诈讲座", capacity="每季度一次")
    item = services.service_item_save(actor=community.center_staff,
                                      community=community.community, name="居住证明开具",
                                      mode=ServiceMode.WALK_IN, hours="每日 8:30-20:00")
    assert selectors.partner_list_for(user=community.worker_a).get().resource_count == 1
    assert resource.partner == partner and item.community == community.community
    updated = services.partner_save(actor=community.center_staff,
                                    community=community.community, partner=partner,
                                    contact_name="李警官")
    assert updated.contact_name == "李警官"


def test_grid_worker_cannot_keep_the_lists(community):
    partner = PartnerUnitFactory(community=community.community)
    with pytest.raises(PermissionDenied):
        services.partner_save(actor=community.worker_a, community=community.community,
                              name="世纪城小学")
    with pytest.raises(PermissionDenied):
        services.resource_save(actor=community.worker_a, partner=partner, name="操场开放")
    with pytest.raises(PermissionDenied):
        services.service_item_save(actor=community.worker_a, community=community.community,
                                   name="医保登记")


def test_staff_of_one_community_cannot_keep_another_communitys_lists(community):
    with pytest.raises(PermissionDenied):
        services.partner_save(actor=community.center_staff, community=community.other,
                              name="六合小学")


def test_a_name_used_twice_in_a_community_is_refused_on_the_name(community):
    partner = services.partner_save(actor=community.center_staff, community=community.community,
                                    name="世纪城小学", kind=PartnerKind.SCHOOL)
    with pytest.raises(ValidationError) as error:
        services.partner_save(actor=community.center_staff, community=community.community,
                              name="世纪城小学")
    assert "name" in error.value.message_dict
    services.service_item_save(actor=community.center_staff, community=community.community,
                               name="医保登记")
    with pytest.raises(ValidationError) as error:
        services.service_item_save(actor=community.center_staff,
                                   community=community.community, name="医保登记")
    assert "name" in error.value.message_dict
    # The same name in another community is another unit.
    assert services.partner_save(actor=community.admin, community=community.other,
                                 name="世纪城小学").pk != partner.pk


def test_a_service_point_of_another_community_is_refused(community):
    point = ServicePoint.objects.create(node=community.g4x, name="六合民生驿站")
    with pytest.raises(ValidationError) as error:
        services.service_item_save(actor=community.admin, community=community.community,
                                   name="长者助餐", service_point=point)
    assert "service_point" in error.value.message_dict


def test_lists_are_seen_only_in_their_community(community):
    PartnerUnitFactory(community=community.community, name="世纪城小学")
    PartnerUnitFactory(community=community.other, name="六合小学")
    ServiceItemFactory(community=community.community, name="医保登记")
    ServiceItemFactory(community=community.other, name="六合助餐")
    worker = community.worker_a
    assert [p.name for p in selectors.partner_list_for(user=worker)] == ["世纪城小学"]
    assert [s.name for s in selectors.service_list_for(user=worker)] == ["医保登记"]
    assert selectors.partner_list_for(user=community.admin).count() == 2
    assert selectors.service_list_for(user=community.admin).count() == 2


def test_staff_admin_lists_only_their_communitys_partner_units(community, login):
    PartnerUnitFactory(community=community.community, name="世纪城小学")
    PartnerUnitFactory(community=community.other, name="六合小学")
    staff = community.center_staff
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="committees", codename__in=["view_partnerunit"]))
    body = login(staff).get(reverse("admin:committees_partnerunit_changelist")).content.decode()
    assert "世纪城小学" in body and "六合小学" not in body


def test_a_resource_moves_only_for_someone_who_manages_both_communities(community):
    from tests.grids.factories import AssignmentFactory, UserFactory

    here = PartnerUnitFactory(community=community.community, name="世纪城小学")
    there = PartnerUnitFactory(community=community.other, name="六合中学")
    resource = services.resource_save(actor=community.center_staff, partner=here,
                                      name="操场开放")
    liuhe_staff = UserFactory(username="liuhe_staff")
    AssignmentFactory(user=liuhe_staff, node=community.other, role="center_staff")
    with pytest.raises(PermissionDenied):
        services.resource_save(actor=liuhe_staff, partner=there, resource=resource,
                               name="操场开放")
    resource.refresh_from_db()
    assert resource.partner == here


def test_the_match_form_offers_only_needs_not_yet_matched(community, offers, login):
    service, _resource = offers
    matched = _need(community, title="微心愿：已对接的收音机")
    waiting = _need(community, title="微心愿：等待对接的轮椅")
    cancelled = _need(community, title="微心愿：取消后再对接")
    services.match_create(need=matched, actor=community.center_staff, service=service)
    services.match_set_status(
        match=services.match_create(need=cancelled, actor=community.center_staff,
                                    service=service),
        actor=community.center_staff, status=MatchStatus.CANCELLED)
    response = login(community.center_staff).get(reverse("committees:three_lists"),
                                                 {"community": community.community.pk})
    offered = set(response.context["match_form"].fields["need"].queryset)
    assert offered == {waiting, cancelled}
    response = login(community.center_staff).post(reverse("committees:match_create"), {
        "community": community.community.pk, "need": matched.pk, "service": service.pk})
    assert response.status_code == 200 and "need" in response.context["match_form"].errors
