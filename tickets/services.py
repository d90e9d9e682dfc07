"""Writes with rules for tickets: creation with routing and deadlines, and every transition."""

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from gridportal.uploads import check_photo
from grids import geometry
from grids.models import Assignment, GridNode, NodeKind
from grids.selectors import routing_roles, sees_everything
from residents.models import Building, Dwelling, Resident

from . import calendar, whistles
from .models import (
    Category,
    Channel,
    Clock,
    DeadlineUnit,
    Department,
    EvaluationPolicy,
    EventKind,
    Satisfaction,
    SLAPolicy,
    Status,
    Ticket,
    TicketEvent,
    TicketPhoto,
    UnsatisfiedTo,
    Whistle,
)
from .signals import ticket_event_recorded
from .workflow import (
    ANYONE,
    OWNER,
    RATABLE,
    RESIDENT,
    RETURN_REASONS,
    SUPERVISOR,
    SYSTEM,
    TRANSITIONS,
)

# The tickets' capabilities (gridportal.permissions holds who has them where; the selectors
# say how a ticket is placed for each).
READ = "tickets.read"
SEE_REPORTER_CONTACT = "tickets.see_reporter_contact"
CREATE = "tickets.create"
ACT = "tickets.act"
SUPERVISE = "tickets.supervise"
READ_DASHBOARD = "tickets.read_dashboard"
IMPORT_WORK_ORDERS = "tickets.import_work_orders"
SHORT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class TransitionConflict(ValidationError):
    """The ticket is no longer in a status that allows the action (someone else acted first)."""


# --- Routing and deadlines ------------------------------------------------------------------


def location_node(*, node: GridNode | None, building: Building | None,
                  dwelling: Dwelling | None) -> GridNode:
    if dwelling is not None:
        return dwelling.building.node
    if building is not None:
        return building.node
    if node is None:
        raise ValidationError({"node": _("Say where: a dwelling, a building or a grid.")})
    return node


def _has_role(node: GridNode, roles: set) -> bool:
    return Assignment.objects.current().filter(node=node, role__in=roles,
                                               user__is_active=True).exists()


def _staffed(chain: list[GridNode], roles: frozenset[str]) -> set[int]:
    """The nodes of `chain` where an active user holds one of `roles` (one query)."""
    return set(Assignment.objects.current().filter(
        node__in=chain, role__in=roles, user__is_active=True).values_list("node_id", flat=True))


def route(*, location: GridNode, category: Category,
          staffing_roles: frozenset[str] | None = None) -> GridNode:
    """The owner of a new ticket: the lowest active node covering the location that is staffed
    (someone holds a role the routing settings count: by default a grid head or a worker),
    unless the category routes to a role at a given kind of node (e.g. the hub's property
    staff). `staffing_roles` spares a caller routing many tickets the settings' query."""
    chain = list(location.get_ancestors(ascending=True, include_self=True))
    if category.route_to_kind and category.route_to_role:
        for node in chain:
            if node.kind == category.route_to_kind and _has_role(node, {category.route_to_role}):
                return node
    roles = routing_roles() if staffing_roles is None else staffing_roles
    staffed = _staffed(chain, roles) if roles else set()
    for node in chain:
        if node.active and node.pk in staffed:
            return node
    for node in chain:  # nobody works below: the community center takes it
        if node.kind in (NodeKind.COMMUNITY, NodeKind.STREET):
            return node
    return chain[-1]


DEFAULT_POLICY = {"accept_hours": 24, "contact_hours": 48, "resolve_amount": 7,
                  "resolve_unit": DeadlineUnit.WORKING_DAYS, "warn_percent": 75,
                  "grace_hours": 24}
# Routine tickets wait over weekends and holidays; the urgent classes do not.
DEFAULT_CLOCK: dict[str, str] = {Whistle.ROUTINE: Clock.WORKING}


def policy_for(*, whistle: str, node_kind: str,
               known: dict[tuple[str, str], SLAPolicy] | None = None) -> SLAPolicy:
    """The deadline policy of a whistle class at a kind of node, or the defaults while it has
    no row. `known` (from `sla_policies`) spares a caller handling many tickets the query."""
    if known is not None:
        policy = known.get((whistle, node_kind))
    else:
        policy = SLAPolicy.objects.filter(whistle=whistle, node_kind=node_kind).first()
    return policy or SLAPolicy(whistle=whistle, node_kind=node_kind, **DEFAULT_POLICY,
                               clock=DEFAULT_CLOCK.get(whistle, Clock.WALL))


def sla_policies() -> dict[tuple[str, str], SLAPolicy]:
    """Every deadline policy row, keyed by (whistle, node kind): a small table, read once."""
    return {(policy.whistle, policy.node_kind): policy for policy in SLAPolicy.objects.all()}


def hours_after(policy: SLAPolicy, start: dt.datetime, hours: float) -> dt.datetime:
    """`hours` after `start` on the policy's clock: wall-clock or working hours."""
    if policy.clock == Clock.WORKING:
        return calendar.add_working_hours(start, hours)
    return start + dt.timedelta(hours=hours)


def share_of_window(policy: SLAPolicy, start: dt.datetime, due: dt.datetime,
                    percent: float) -> dt.datetime:
    """The moment `percent` of the window from `start` to `due` has passed on the policy's
    clock (the early warning)."""
    if policy.clock == Clock.WORKING:
        return calendar.add_working_time(
            start, calendar.working_time_between(start, due) * percent / 100)
    return start + (due - start) * percent / 100


def _resolve_due(start: dt.datetime, policy: SLAPolicy) -> dt.datetime:
    if policy.resolve_unit == DeadlineUnit.HOURS:
        return hours_after(policy, start, policy.resolve_amount)
    return calendar.add_working_days(timezone.localtime(start), policy.resolve_amount)


def stage_deadlines(policy: SLAPolicy,
                    start: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Accept, first-contact and resolution deadlines of a stage starting at `start`."""
    return (hours_after(policy, start, policy.accept_hours),
            hours_after(policy, start, policy.contact_hours), _resolve_due(start, policy))


def _start_stage(ticket: Ticket, now: dt.datetime) -> None:
    """Deadlines for the current owner, counted from now (a new stage after routing or
    escalation)."""
    policy = policy_for(whistle=ticket.whistle, node_kind=ticket.owner.kind)
    ticket.stage_started_at = now
    ticket.accept_due_at, ticket.contact_due_at, ticket.resolve_due_at = stage_deadlines(
        policy, now)


# --- Creation -------------------------------------------------------------------------------


def _new_reference(now: dt.datetime) -> str:
    return f"T{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(6))


def request_digest(payload: dict[str, Any]) -> str:
    """A fingerprint of a submission, to tell a retry from a different request with the same
    idempotency key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyMismatch(ValidationError):
    """The idempotency key was used before with a different request body."""


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    channel: str,
    category: Category,
    title: str,
    description: str,
    whistle: str = Whistle.ROUTINE,
    node: GridNode | None = None,
    building: Building | None = None,
    dwelling: Dwelling | None = None,
    address: str = "",
    resident: Resident | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_number: str = "",
    idempotency_key: str = "",
    payload_for_digest: dict[str, Any] | None = None,
    owner: GridNode | None = None,
    resolve_by: dt.datetime | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    crs: str = geometry.WGS84,
    intake: dict[str, Any] | None = None,
) -> Ticket:
    """Create a ticket owned by the node `route` picks (or `owner`, when someone with the right
    decided it, such as a committee meeting), with its deadlines and a first event. `resolve_by`
    replaces the policy's resolution deadline.

    A point (`latitude`, `longitude` in `crs`: wgs84, gcj02 or bd09) with no dwelling, building
    or grid places the ticket in the lowest grid whose boundary contains it; a point outside
    every boundary goes to the community the actor works in, with a note. The ticket keeps its
    point in WGS-84: the building's when it has one, otherwise the point given.

    With an idempotency key, a retry of the same request returns the first ticket; the same key
    with a different request raises IdempotencyMismatch.

    `intake` is kept in the first event's data (what an outside system sent with the request,
    for staff: its attributes, a photo's address).
    """
    digest = request_digest(payload_for_digest or {}) if idempotency_key else ""
    if idempotency_key:
        earlier = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.idempotency_digest != digest:
                raise IdempotencyMismatch(_("This request key was already used for a "
                                            "different report."))
            return earlier
    location, located, point = _where(actor=actor, node=node, building=building,
                                      dwelling=dwelling,
                                      point=_wgs84_point(latitude, longitude, crs))
    now = timezone.now()
    ticket = Ticket(
        reference=_new_reference(now), tracking_token=secrets.token_urlsafe(32),
        short_code=new_short_code(), channel=channel, whistle=whistle, category=category,
        title=title, description=description, node=location,
        building=dwelling.building if dwelling else building, dwelling=dwelling,
        address=address, latitude=point[0] if point else None,
        longitude=point[1] if point else None, resident=resident, reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        owner=owner if owner is not None else route(location=location, category=category),
        external_number=external_number, idempotency_key=idempotency_key,
        idempotency_digest=digest, created_by=actor, stage_started_at=now,
    )
    _start_stage(ticket, now)
    if resolve_by is not None:
        if resolve_by <= now:
            raise ValidationError({"resolve_by": _("The deadline must be in the future.")})
        ticket.resolve_due_at = resolve_by
    _schedule(ticket)
    # The idempotency key's uniqueness is the database's to decide (below), not a form error.
    ticket.full_clean(exclude=["owner", "node", "category", "idempotency_key"])
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        earlier = (Ticket.objects.filter(idempotency_key=idempotency_key).first()
                   if idempotency_key else None)
        if earlier is None:
            raise
        # A concurrent retry won the race: answer as for a retry.
        if earlier.idempotency_digest != digest:
            raise IdempotencyMismatch(_("This request key was already used for a "
                                        "different report.")) from None
        return earlier
    details = _created_details(ticket, channel, located)
    if intake:
        details["data"] = {**intake, **details["data"]}
    event = TicketEvent.objects.create(ticket=ticket, kind=EventKind.CREATED, actor=actor,
                                       to_status=Status.NEW, public=True, **details)
    _event_recorded(event)
    return ticket


# --- Placing a ticket by its point ----------------------------------------------------------

LOCATED_INSIDE = "inside"  # the lowest grid whose boundary contains the point
LOCATED_OUTSIDE = "outside"  # no boundary contains it: the community


def _created_details(ticket: Ticket, channel: str, located: str) -> dict[str, Any]:
    """The creation event's data and note: who owns it, and how a point placed it."""
    data = {"owner": ticket.owner.name, "channel": channel}
    note = ""
    if located:
        data["located"] = located
        if located == LOCATED_OUTSIDE:
            note = _("The place lies within no grid's boundary; the community assigns it.")
    return {"data": data, "note": note}


def _where(*, actor: User | None, node: GridNode | None, building: Building | None,
           dwelling: Dwelling | None, point: tuple[Decimal, Decimal] | None,
           ) -> tuple[GridNode, str, tuple[Decimal, Decimal] | None]:
    """The location grid, how a point placed it ("" when it did not), and the ticket's point
    (the building's, when it has one)."""
    located = ""
    if node is None and building is None and dwelling is None and point is not None:
        location, located = _place_by_point(point, actor)
    else:
        location = location_node(node=node, building=building, dwelling=dwelling)
    if actor is not None and not permissions.has(actor, CREATE, location) and not (
            located == LOCATED_OUTSIDE
            and _communities_of(actor).filter(pk=location.pk).exists()):
        raise PermissionDenied(_("That place is outside your area."))
    place = dwelling.building if dwelling is not None else building
    if place is not None and place.latitude is not None and place.longitude is not None:
        point = (place.latitude, place.longitude)
    return location, located, point


def _wgs84_point(latitude: Any, longitude: Any, crs: str) -> tuple[Decimal, Decimal] | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise ValidationError({missing: _("Give both the latitude and the longitude.")})
    lat, lon = geometry.check_point(lat=latitude, lon=longitude)
    lat, lon = geometry.to_wgs84(lat=lat, lon=lon, crs=crs)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def _place_by_point(point: tuple[Decimal, Decimal],
                    actor: User | None) -> tuple[GridNode, str]:
    """The lowest grid whose boundary contains the point; failing a grid, the community whose
    boundary contains it, or else the actor's community ("outside": no grid)."""
    chain = geometry.locate(float(point[1]), float(point[0]))
    if chain and chain[0].kind in (NodeKind.GRID4, NodeKind.GRID5):
        return chain[0], LOCATED_INSIDE
    community = next((node for node in chain if node.kind == NodeKind.COMMUNITY), None)
    return community or _actors_community(actor), LOCATED_OUTSIDE


def _communities_of(actor: User | None) -> QuerySet[GridNode]:
    """The active communities the actor works in (at, above or below their posts); every
    community for an administrator or a resident reporting."""
    communities = GridNode.objects.filter(kind=NodeKind.COMMUNITY, active=True)
    if actor is None or sees_everything(actor):
        return communities
    posts = GridNode.objects.filter(
        pk__in=Assignment.objects.current().filter(user_id=actor.pk).values("node_id"))
    around = Q(pk__in=[])
    for post in posts:
        around |= Q(tree_id=post.tree_id, lft__lte=post.lft, rght__gte=post.rght)
        around |= Q(tree_id=post.tree_id, lft__gt=post.lft, rght__lt=post.rght)
    return communities.filter(around)


def _actors_community(actor: User | None) -> GridNode:
    """The community a point outside every boundary goes to: the one the actor works in, or
    the only community there is."""
    found = list(_communities_of(actor)[:2])
    if len(found) != 1:
        raise ValidationError({"latitude": _(
            "The place lies within no grid's boundary, and no single community can take it: "
            "choose the grid.")})
    return found[0]


# --- The public self-report page ----------------------------------------------------------

# Self-report keys live in their own namespace, apart from keys an API client sends.
SELF_REPORT_KEY_PREFIX = "public:"


def _digest_payload(fields: dict[str, Any], photos: Sequence[UploadedFile]) -> dict[str, Any]:
    payload = {name: getattr(value, "pk", value) for name, value in fields.items()}
    payload["photos"] = [[photo.name, photo.size] for photo in photos]
    return payload


@transaction.atomic
def ticket_self_report(*, key: str, node: GridNode | None, category: Category, title: str,
                       description: str, address: str, reporter_name: str, reporter_phone: str,
                       photos: Iterable[UploadedFile] = (), latitude: float | None = None,
                       longitude: float | None = None, crs: str = geometry.WGS84) -> Ticket:
    """A self-report as a ticket routed from its grid (or, with no grid, from the point picked
    on the map: see `ticket_create`); its photos are kept for staff only.

    Raises services.IdempotencyMismatch when the key was used for a different report.
    """
    photos = list(photos)
    fields: dict[str, Any] = {
        "reporter_name": reporter_name, "reporter_phone": reporter_phone, "node": node,
        "address": address, "category": category, "title": title, "description": description}
    if latitude is not None or longitude is not None:
        fields.update(latitude=latitude, longitude=longitude, crs=crs)
    ticket = ticket_create(
        actor=None, channel=Channel.SELF_REPORT, idempotency_key=SELF_REPORT_KEY_PREFIX + key,
        payload_for_digest=_digest_payload(fields, photos), **fields)
    if photos:
        # The same key and the same body: a retry brings the same photos; keep them once.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not locked.photos.exists():
            created = _created_event(locked)
            for photo in photos:
                TicketPhoto.objects.create(ticket=locked, image=photo, public=False,
                                           event=created)
    return ticket


# --- The resident's rating on the tracking page ---------------------------------------------


MAX_RATING_COMMENT = 500


def evaluation_policy() -> EvaluationPolicy:
    """The rating policy row edited in admin, or the defaults while there is none."""
    return EvaluationPolicy.objects.order_by("pk").first() or EvaluationPolicy()


def rating_deadline(ticket: Ticket, policy: EvaluationPolicy | None = None
                    ) -> dt.datetime | None:
    """The last moment the resident may rate the ticket (None before its resolution)."""
    resolved = ticket.resolved_at or ticket.replied_at
    if resolved is None:
        return None
    policy = policy or evaluation_policy()
    return resolved + dt.timedelta(days=policy.rating_days)


def rating_refusal(ticket: Ticket, now: dt.datetime) -> str:
    """Why the resident may not rate the ticket now, in words for the resident ("" if they
    may)."""
    if ticket.rated_at is not None:
        return _("This report has already been rated. Each report can be rated once.")
    if ticket.status not in RATABLE:
        if ticket.status in (Status.CLOSED, Status.MERGED, Status.REJECTED):
            return _("This report is closed, so it can no longer be rated.")
        return _("You can rate this report once it has been dealt with.")
    until = rating_deadline(ticket)
    if until is not None and now > until:
        return _("The time to rate this report ended on %(date)s.") % {
            "date": timezone.localtime(until).strftime("%Y-%m-%d")}
    return ""


def ticket_rate(*, ticket: Ticket, satisfaction: str, comment: str = "") -> Ticket:
    """The resident rates the outcome from the tracking page (no login). Raises
    ValidationError naming `satisfaction` (or `comment`) when the rating is refused; a refused
    rating changes nothing."""
    comment = (comment or "").strip()
    refusal = rating_refusal(ticket, timezone.now())
    if refusal:
        raise ValidationError({"satisfaction": refusal})
    if len(comment) > MAX_RATING_COMMENT:
        raise ValidationError({"comment": _("Keep the comment to %(count)s characters.") % {
            "count": MAX_RATING_COMMENT}})
    try:
        return ticket_transition(ticket=ticket, actor=None, action="rate", note=comment,
                                 satisfaction=satisfaction, comment=comment)
    except TransitionConflict:  # rated or changed meanwhile: say why, as above
        fresh = Ticket.objects.get(pk=ticket.pk)
        raise ValidationError({"satisfaction": rating_refusal(fresh, timezone.now()) or _(
            "This report has changed. Reload the page.")}) from None


# --- Rights ---------------------------------------------------------------------------------


def ticket_rights(user: User, ticket: Ticket) -> tuple[bool, bool]:
    """Whether the user acts for the ticket's owner, and whether they supervise it: the one rule
    behind both a transition's check and a page's buttons, read from the permission matrix.

    Owner side (`tickets.act`): a working role at the owning node or above it, property staff for
    what is routed or assigned to them, a department's liaison once the ticket is whistled to
    that department. Supervisor (`tickets.supervise`): a head, center staff or the street's
    dispatcher above the owning node (at it or above, for a department's ticket, which has left
    the tree).
    """
    return permissions.has(user, ACT, ticket), permissions.has(user, SUPERVISE, ticket)


def _require_right(actor: User | None, who: str, ticket: Ticket) -> None:
    if who == RESIDENT:
        if actor is not None:
            raise PermissionDenied(_("Only the resident rates the outcome, on the tracking "
                                     "page."))
        return
    if who == SYSTEM:
        if actor is not None:
            raise PermissionDenied(_("Only the deadline sweep does this."))
        return
    if actor is None or sees_everything(actor) or who == ANYONE:
        return
    owner, supervisor = ticket_rights(actor, ticket)
    if not {OWNER: owner, SUPERVISOR: supervisor}.get(who, False):
        raise PermissionDenied(_("You may not do this with this ticket."))


# --- Transitions ----------------------------------------------------------------------------


@transaction.atomic
def ticket_transition(*, ticket: Ticket, actor: User | None, action: str, note: str = "",
                      **params: Any) -> Ticket:
    """Run `action` on the ticket under a row lock: check the table and the actor's right, apply
    it, write a timeline event, and enqueue notifications after the commit."""
    if action == "escalate" and params.get("department") is not None:
        action = "whistle"  # escalating to a named department is a whistle, never a climb
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("Unknown action.")})
    ticket = (Ticket.objects.select_for_update(of=("self",))
              .select_related("owner", "department").get(pk=ticket.pk))
    if ticket.status not in transition.sources:
        raise TransitionConflict(
            _("This ticket is now %(status)s, so it cannot be done any more. Reload the ticket.")
            % {"status": ticket.get_status_display()}, code="conflict")
    _require_right(actor, transition.who, ticket)
    note = (note or "").strip()
    photos = list(params.pop("photos", None) or [])
    if transition.needs_note and not note:
        raise ValidationError({"note": _("Write a note for this step.")})
    now = timezone.now()
    before = ticket.status
    data = HANDLERS.get(action, _no_extra)(ticket, actor, now, note=note, **params) or {}
    if transition.target is not None:
        ticket.status = transition.target
    if "to" in data:  # evaluate and rate: the target depends on the answer
        ticket.status = data["to"]
    _schedule(ticket)
    ticket.save()
    event = TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.TRANSITION if ticket.status != before else
        (EventKind.REPLY if transition.public else EventKind.COMMENT if action == "comment"
         else EventKind.PROGRESS),
        action=action, from_status=before, to_status=ticket.status, actor=actor, note=note,
        public=transition.public, data={k: v for k, v in data.items() if k != "to"})
    for photo in photos:
        check_photo(photo)
        TicketPhoto.objects.create(ticket=ticket, event=event, image=photo,
                                   public=transition.public)
    _event_recorded(event)
    return ticket


@transaction.atomic
def ticket_photo_add(*, ticket: Ticket, actor: User | None, photo, public: bool = False
                     ) -> TicketPhoto:
    """A photo taken at intake (not shown to the public unless a resolving step shares it),
    shown on the timeline with the ticket's first line."""
    check_photo(photo)
    return TicketPhoto.objects.create(ticket=ticket, image=photo, public=public,
                                      event=_created_event(ticket))


def _created_event(ticket: Ticket) -> TicketEvent | None:
    return ticket.events.filter(kind=EventKind.CREATED).order_by("pk").first()


def allowed_actions(*, ticket: Ticket, user: User) -> list[str]:
    """The actions the user may run on the ticket now (for the buttons of a page)."""
    owner, supervisor = (True, True) if sees_everything(user) else ticket_rights(user, ticket)
    rights = {OWNER: owner, SUPERVISOR: supervisor, ANYONE: True, SYSTEM: False,
              RESIDENT: False}
    names = [name for name, transition in TRANSITIONS.items()
             if ticket.status in transition.sources and rights[transition.who]]
    if "escalate" in names and (ticket.department_id or ticket.owner.parent_id is None):
        names.remove("escalate")  # nowhere above: only a whistle leaves the top of the tree
    if "whistle" in names and not whistles.whistle_departments(actor=user, ticket=ticket):
        names.remove("whistle")
    return names


def _no_extra(ticket, actor, now, **params) -> dict:
    return {}


def _accept(ticket, actor, now, **params) -> dict:
    ticket.accepted_at = now
    if ticket.assignee_id is None and actor is not None:
        ticket.assignee = actor
    return {"on_time": bool(ticket.accept_due_at and now <= ticket.accept_due_at)}


def _contact(ticket, actor, now, **params) -> dict:
    ticket.contacted_at = ticket.contacted_at or now
    return {}


def _hold(ticket, actor, now, **params) -> dict:
    ticket.paused_at = now
    return {}


def _resume(ticket, actor, now, **params) -> dict:
    """The deadline clock stopped while the ticket waited for the resident."""
    started = ticket.paused_at or now
    paused = now - started
    # On a working clock only the working time of the pause moves a deadline: a ticket held
    # from Friday evening to Monday morning gains the hours of those two working days' ends,
    # not the weekend.
    policy = policy_for(whistle=ticket.whistle, node_kind=ticket.owner.kind)
    working = calendar.working_time_between(started, now)
    for name in ("accept_due_at", "contact_due_at", "resolve_due_at"):
        due = getattr(ticket, name)
        if not due:
            continue
        by_working_time = policy.clock == Clock.WORKING or (
            name == "resolve_due_at" and policy.resolve_unit == DeadlineUnit.WORKING_DAYS)
        setattr(ticket, name, calendar.add_working_time(due, working) if by_working_time
                else due + paused)
    ticket.paused_at = None
    return {"paused_seconds": int(paused.total_seconds())}


def _resolve(ticket, actor, now, **params) -> dict:
    ticket.resolved_at = now
    return {"on_time": bool(ticket.resolve_due_at and now <= ticket.resolve_due_at)}


def _reply(ticket, actor, now, **params) -> dict:
    ticket.replied_at = now
    return {}


def _evaluate(ticket, actor, now, satisfaction: str = "", **params) -> dict:
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose the resident's evaluation.")})
    ticket.satisfaction = satisfaction
    if satisfaction == Satisfaction.UNSATISFIED:  # unsatisfied reopens the work
        ticket.resolved_at = None
        return {"to": Status.IN_PROGRESS, "satisfaction": satisfaction}
    ticket.closed_at = now
    return {"to": Status.CLOSED, "satisfaction": satisfaction}


def _rate(ticket, actor, now, satisfaction: str = "", comment: str = "", **params) -> dict:
    """The resident's rating: once, within the policy's days after the resolution. Satisfied
    or basically satisfied closes the ticket; unsatisfied reopens the work at the owner, or
    sends it to the node above, as the policy says."""
    refusal = rating_refusal(ticket, now)
    if refusal:
        raise ValidationError({"satisfaction": refusal})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose satisfied, basically satisfied or "
                                                 "unsatisfied.")})
    ticket.satisfaction = satisfaction
    ticket.rated_at = now
    ticket.rating_comment = comment
    data: dict[str, Any] = {"satisfaction": satisfaction, "by": "resident"}
    if satisfaction != Satisfaction.UNSATISFIED:
        ticket.closed_at = now
        return {**data, "to": Status.CLOSED}
    ticket.resolved_at = None
    parent = ticket.owner.parent
    if (evaluation_policy().unsatisfied_to == UnsatisfiedTo.SUPERVISOR
            and ticket.department_id is None and parent is not None):
        previous = ticket.owner.name
        ticket.owner = parent
        ticket.assignee = None
        _start_stage(ticket, now)
        return {**data, "to": Status.NEW, "from_owner": previous, "to_owner": parent.name}
    return {**data, "to": Status.IN_PROGRESS}


def _follow_up(ticket, actor, now, **params) -> dict:
    ticket.status = Status.FOLLOW_UP
    return {}


def _close_unevaluated(ticket, actor, now, **params) -> dict:
    ticket.closed_at = now
    return {}


def _return(ticket, actor, now, reason: str = "", **params) -> dict:
    if reason not in RETURN_REASONS:
        raise ValidationError({"reason": _("Choose why the ticket is returned.")})
    return {"reason": reason, "returned_by": ticket.owner.name}


def _uphold_return(ticket, actor, now, target: GridNode | None = None, **params) -> dict:
    if target is None:
        raise ValidationError({"target": _("Choose where the ticket goes instead.")})
    ticket.returns_upheld += 1
    previous = ticket.owner.name
    ticket.owner = target
    ticket.assignee = None
    _start_stage(ticket, now)
    return {"from_owner": previous, "to_owner": target.name}


def _reject_return(ticket, actor, now, **params) -> dict:
    ticket.returns_rejected += 1  # counts against the returning grid
    return {"owner": ticket.owner.name}


def _request_extension(ticket, actor, now, until: dt.datetime | None = None, **params) -> dict:
    if until is None or (ticket.resolve_due_at and until <= ticket.resolve_due_at):
        raise ValidationError({"until": _("Ask for a date after the current deadline.")})
    ticket.extension_requested_until = until
    return {"until": until.isoformat()}


def _approve_extension(ticket, actor, now, **params) -> dict:
    if ticket.extension_requested_until is None:
        raise ValidationError({"action": _("No extension has been requested.")})
    ticket.resolve_due_at = ticket.extension_requested_until
    ticket.extension_requested_until = None
    ticket.extensions += 1
    return {"until": ticket.resolve_due_at.isoformat()}


def _refuse_extension(ticket, actor, now, **params) -> dict:
    if ticket.extension_requested_until is None:
        raise ValidationError({"action": _("No extension has been requested.")})
    ticket.extension_requested_until = None
    return {}


def _escalate(ticket, actor, now, **params) -> dict:
    """Up one node of the tree (上报); a department is named with a whistle instead."""
    if ticket.department_id is not None or ticket.owner.parent_id is None:
        raise ValidationError({"department": _(
            "There is no node above to escalate to: whistle the ticket to a department.")})
    previous = ticket.owner.name
    ticket.owner = ticket.owner.parent
    _new_stage(ticket, now)
    return {"from_owner": previous, "to_owner": ticket.owner.name}


def _whistle(ticket, actor, now, department: Department | None = None, **params) -> dict:
    """To a department at once (吹哨报到), from the lowest node on the ticket's way up where the
    actor works and the whistle rules allow that department. The whistling node owns the
    ticket from then on (it supervises the department's work); the department is kept among
    those summoned."""
    if department is None or not department.active:
        raise ValidationError({"department": _("Choose the department to whistle.")})
    if department.pk == ticket.department_id:
        raise ValidationError({"department": _("The ticket is already with %(department)s.")
                               % {"department": department.name}})
    origin = whistles.whistle_origin(actor=actor, ticket=ticket, department=department)
    if origin is None:
        raise ValidationError({"department": _(
            "You may not whistle to %(department)s from here: whistling to a department is for "
            "the street, and for a community the street allows. Escalate the ticket instead.")
            % {"department": department.name}})
    previous = ticket.department.name if ticket.department_id else ticket.owner.name
    if ticket.department_id is None:
        ticket.owner = origin
    ticket.department = department
    ticket.summoned_departments.add(department)
    _new_stage(ticket, now)
    return {"from_owner": previous, "to_owner": department.name, "department": department.name,
            "origin": origin.name}


def _new_stage(ticket: Ticket, now: dt.datetime) -> None:
    ticket.assignee = None
    ticket.escalation_level += 1
    ticket.paused_at = None
    _start_stage(ticket, now)


def _works_around(user: User, node: GridNode) -> bool:
    """A current assignment at the node, above it or below it."""
    covering = Q(node__lft__lte=node.lft, node__rght__gte=node.rght)
    below = Q(node__lft__gte=node.lft, node__lft__lt=node.rght)
    return Assignment.objects.current().filter(
        covering | below, user=user, node__tree_id=node.tree_id, node__active=True).exists()


def _assign(ticket, actor, now, assignee: User | None = None, **params) -> dict:
    if assignee is None or not _works_around(assignee, ticket.owner):
        raise ValidationError({"assignee": _("Choose someone who works at this node.")})
    ticket.assignee = assignee
    return {"assignee": assignee.get_username()}


def _merge(ticket, actor, now, into: Ticket | None = None, **params) -> dict:
    if into is None or into.pk == ticket.pk or not into.is_open:
        raise ValidationError({"into": _("Choose an open ticket to merge into.")})
    ticket.merged_into = into
    ticket.closed_at = now
    return {"into": into.reference}


def _reject(ticket, actor, now, **params) -> dict:
    ticket.closed_at = now
    return {}


HANDLERS = {
    "accept": _accept, "contact": _contact, "hold": _hold, "resume": _resume,
    "resolve": _resolve, "reply": _reply, "evaluate": _evaluate, "follow_up": _follow_up,
    "close_unevaluated": _close_unevaluated, "return": _return,
    "uphold_return": _uphold_return, "reject_return": _reject_return,
    "request_extension": _request_extension, "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension, "escalate": _escalate, "auto_escalate": _escalate,
    "rate": _rate, "whistle": _whistle,
    "assign": _assign, "merge": _merge, "reject": _reject,
}


# --- Notifications --------------------------------------------------------------------------


def _schedule(ticket: Ticket) -> None:
    from .sweep import schedule  # the sweep module builds on this one

    schedule(ticket)


def _event_recorded(event: TicketEvent) -> None:
    """Tell the listeners of `ticket_event_recorded` (inside the step's transaction), and queue
    the event's notices after the commit, only when somebody is to be told (most steps tell
    nobody: queueing them all once kept a worker 20 minutes behind)."""
    from .tasks import notify_task, tells_someone

    ticket_event_recorded.send(sender=TicketEvent, event=event)

    if tells_someone(event):
        transaction.on_commit(lambda: notify_task.delay(event.pk))


def remind_on_commit(reminder_id: int, *, escalated: bool = False,
                     recipients: list[int] | None = None) -> None:
    """Deliver the reminder after the commit (to `recipients` when given: the people of a
    ticket that is being escalated away from them)."""
    from .tasks import deliver_reminder_task

    transaction.on_commit(lambda: deliver_reminder_task.delay(
        reminder_id, escalated=escalated, recipients=recipients))


def remind_batch_on_commit(reminder_ids: list[int]) -> None:
    """Deliver a sweep batch's reminders after the commit, with one task."""
    from .tasks import deliver_reminders_task

    transaction.on_commit(lambda: deliver_reminders_task.delay(reminder_ids))
