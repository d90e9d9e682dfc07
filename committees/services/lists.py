"""Needs matched with services and resources, and the records behind the three lists:
partner units, their resources, the community's services."""


from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import GridNode
from tickets.models import Ticket
from tickets.workflow import OPEN

from ..models import (
    Match,
    MatchStatus,
    PartnerUnit,
    Resource,
    ServiceItem,
)
from .common import require_manager, save_record, within_community

# --- Needs matched with services and resources ------------------------------------------------


@transaction.atomic
def match_create(*, need: Ticket, actor: User, service: ServiceItem | None = None,
                 resource: Resource | None = None, note: str = "") -> Match:
    """Pair an open need (a micro-wish ticket) with a service or a partner unit's resource of the
    need's community."""
    offers = [offer for offer in (service, resource) if offer is not None]
    if len(offers) != 1:
        raise ValidationError({"service": _("Choose one service or one resource.")})
    community_id = (service.community_id if service is not None
                    else offers[0].partner.community_id)  # type: ignore[union-attr]
    require_manager(actor, community_id)
    need = Ticket.objects.select_for_update(of=("self",)).select_related(
        "category", "node").get(pk=need.pk)
    if not need.category.is_wish:
        raise ValidationError({"need": _("Only residents' needs and micro-wishes are matched.")})
    if need.status not in OPEN:
        raise ValidationError({"need": _("This need is already closed.")})
    community = GridNode.objects.get(pk=community_id)
    if not within_community(need.node, community):
        raise ValidationError({"need": _("This need is from another community.")})
    if need.matches.exclude(status=MatchStatus.CANCELLED).exists():
        raise ValidationError({"need": _("This need is already matched; cancel that match "
                                         "first.")})
    if (service and not service.active) or (resource and not resource.available):
        raise ValidationError({"service": _("That offer is not available now.")})
    return Match.objects.create(need=need, service=service, resource=resource,
                                note=note.strip()[:200], matched_by=actor)


@transaction.atomic
def match_set_status(*, match: Match, actor: User, status: str) -> Match:
    match = Match.objects.select_for_update(of=("self",)).select_related(
        "service", "resource__partner").get(pk=match.pk)
    offer = match.service or match.resource
    offer_community = (offer.community_id if isinstance(offer, ServiceItem)
                       else offer.partner.community_id)  # type: ignore[union-attr]
    require_manager(actor, offer_community)
    if match.status != MatchStatus.MATCHED or status not in (MatchStatus.DELIVERED,
                                                             MatchStatus.CANCELLED):
        raise ValidationError({"status": _("Only a live match can be delivered or "
                                           "cancelled.")})
    match.status = status
    match.delivered_at = timezone.now() if status == MatchStatus.DELIVERED else None
    match.save(update_fields=["status", "delivered_at"])
    return match


@transaction.atomic
def partner_save(*, actor: User, community: GridNode, partner: PartnerUnit | None = None,
                 **fields) -> PartnerUnit:
    """Create (no `partner`) or update a partner unit of `community`."""
    partner = partner or PartnerUnit(community=community)
    if partner.pk and partner.community_id != community.pk:
        raise ValidationError({"community": _("A partner unit cannot move to another "
                                              "community.")})
    return save_record(partner, actor=actor, community_id=community.pk, fields=fields,
                        exclude=["community"])


@transaction.atomic
def resource_save(*, actor: User, partner: PartnerUnit, resource: Resource | None = None,
                  **fields) -> Resource:
    resource = resource or Resource(partner=partner)
    if resource.pk and resource.partner_id != partner.pk:
        require_manager(actor, resource.partner.community_id)  # taken from there, too
    resource.partner = partner
    return save_record(resource, actor=actor, community_id=partner.community_id,
                        fields=fields, exclude=["partner"])


@transaction.atomic
def service_item_save(*, actor: User, community: GridNode, item: ServiceItem | None = None,
                      **fields) -> ServiceItem:
    item = item or ServiceItem(community=community)
    if item.pk and item.community_id != community.pk:
        raise ValidationError({"community": _("A service cannot move to another community.")})
    point = fields.get("service_point")
    if point is not None and not within_community(point.node, community):
        raise ValidationError({"service_point": _("That service point is in another "
                                                  "community.")})
    return save_record(item, actor=actor, community_id=community.pk, fields=fields,
                        exclude=["community", "service_point"])
