"""Who may do what: the one permission matrix of the portal.

Every right is a *capability* (``"residents.see_phone"``) that the matrix below grants to roles,
each with a *scope*: where the grant holds. A grid worker reads residents in the subtrees of the
grids they work in; a volunteer reads only the tickets routed or assigned to them; a department's
liaison only the tickets whistled to that department. Administrators (superusers) hold every
capability everywhere. A few capabilities also need a Django permission granted to named people
in the admin (exporting personal data, revealing a full ID number).

Everything asks this module, in one of three ways, and all three are built from the same grants:

- ``has(user, code)`` / ``has(user, code, obj)``, the same as ``user.has_perm(...)`` through
  django-rules (every capability is a rules permission): may the user do this at all, and to
  this object?
- ``scope_q(user, code, target)``: the same rule as a database condition, for the selectors that
  narrow every list (an object outside it answers 404, as if it did not exist);
- ``annotate_rights(queryset, user, target, flag=code, ...)``: per-row flags computed in the
  database, for lists that show a field to some readers only (phone numbers, tags of concern).

A *target* says how a model reaches the tree (its node paths, its community) and, for the scopes
that are not about the tree (routed, own, department), how to express them; each app declares
its targets in its selectors and registers them here. ``capability_table()`` renders the matrix
for the README, and the test suite walks every route as every role against it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Model, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.views.defaults import permission_denied

from grids.models import Assignment, Role

ADMIN = "admin"  # the superusers' column of the matrix
NOTHING = Q(pk__in=[])


def _or(condition: Q, other: Q) -> Q:
    """`condition | other`, where NOTHING is only the starting point: it is left out rather than
    carried along as an empty IN in every condition built on it (each one costs a lookup to
    build and to compile for nothing)."""
    if condition is NOTHING:
        return other
    if other is NOTHING:
        return condition
    return condition | other


class Scope(enum.StrEnum):
    """Where a role's grant holds, relative to the nodes where the user holds that role."""

    SUBTREE = "subtree"  # in those nodes' subtrees
    ABOVE = "above"  # strictly below those nodes: what the user supervises
    COMMUNITY = "community"  # in the communities those nodes lie in or contain
    MANAGED = "managed"  # in the communities at or below those nodes
    ROUTED = "routed"  # tickets routed to the role there, or assigned to or reported by the user
    OWN = "own"  # what the user made themselves, in those subtrees
    DEPARTMENT = "department"  # tickets now with a department the user answers for
    SUMMONED = "summoned"  # tickets whistled to such a department, now or before


# How each scope reads in the README table and on the role pages.
SCOPE_MARKS = {
    Scope.SUBTREE: "✓", Scope.ABOVE: "below", Scope.COMMUNITY: "community",
    Scope.MANAGED: "managed", Scope.ROUTED: "routed", Scope.OWN: "own",
    Scope.DEPARTMENT: "department", Scope.SUMMONED: "department",
}
SCOPE_NOTES = {
    "✓": "in the subtrees of the nodes where the user holds the role",
    "below": "only below those nodes (what they supervise)",
    "community": "the communities those nodes lie in or contain",
    "managed": "communities at or below those nodes (the role held at a community or above)",
    "routed": "tickets routed to that role there, or assigned to or reported by the user",
    "own": "only what the user recorded themselves",
    "department": "tickets whistled to a department the user answers for (now or before, to "
                  "read; now, to act)",
}

# The matrix's columns, in the order of the README table.
ROLE_COLUMNS: tuple[str, ...] = (
    Role.HEAD, Role.WORKER, Role.VOLUNTEER, Role.PROPERTY_STAFF, Role.PARTY_INSTRUCTOR,
    Role.POLICE_OFFICER, Role.DEPARTMENT_LIAISON, Role.CENTER_STAFF, Role.DISPATCHER, ADMIN,
)
ROLE_TITLES = {
    Role.HEAD: "网格长 head", Role.WORKER: "网格员 worker", Role.VOLUNTEER: "志愿者 volunteer",
    Role.PROPERTY_STAFF: "物业 property", Role.PARTY_INSTRUCTOR: "党建指导员 party",
    Role.POLICE_OFFICER: "民警 police", Role.DEPARTMENT_LIAISON: "部门联络员 liaison",
    Role.CENTER_STAFF: "社区工作人员 center staff", Role.DISPATCHER: "街道调度 dispatcher",
    ADMIN: "管理员 admin",
}


@dataclass(frozen=True)
class Capability:
    code: str
    area: Any  # a lazy translation
    label: Any
    grants: Mapping[str, Scope]
    # A Django permission the user must also hold: granted to named people in the admin.
    model_perm: str = ""
    note: str = ""


S, A, C, M = Scope.SUBTREE, Scope.ABOVE, Scope.COMMUNITY, Scope.MANAGED
R, OWN, D, W = Scope.ROUTED, Scope.OWN, Scope.DEPARTMENT, Scope.SUMMONED
H, WK, V, P = Role.HEAD, Role.WORKER, Role.VOLUNTEER, Role.PROPERTY_STAFF
PI, PO, L = Role.PARTY_INSTRUCTOR, Role.POLICE_OFFICER, Role.DEPARTMENT_LIAISON
CS, DP = Role.CENTER_STAFF, Role.DISPATCHER

TREE_ROLES = (H, WK, V, P, PI, PO, CS, DP)  # every role that works in the tree
GRIDS, REGISTRY, TICKETS, COMMITTEES = (_("Grid tree"), _("Residents registry"), _("Tickets"),
                                        _("Committees and the three lists"))


def _all(scope: Scope, roles: Iterable[str]) -> dict[str, Scope]:
    return dict.fromkeys(roles, scope)


CAPABILITIES: dict[str, Capability] = {cap.code: cap for cap in (
    # --- Grid tree ---------------------------------------------------------------------------
    Capability("grids.read_tree", GRIDS, _("See the grid tree, its staff and service points"),
               _all(S, (*TREE_ROLES, L))),
    Capability("grids.manage_tree", GRIDS, _("Change the grid tree and assignments (admin)"),
               {CS: S}, note="also needs the admin permissions on nodes or assignments"),
    # --- Residents registry ----------------------------------------------------------------
    Capability("residents.read_addresses", REGISTRY,
               _("See buildings, dwellings, households and the house colour map"),
               _all(S, (H, WK, V, P, PI, PO, CS, DP))),
    Capability("residents.read_names", REGISTRY,
               _("See residents by name: the registry, household members"),
               _all(S, (H, WK, PI, PO, CS))),
    Capability("residents.see_phone", REGISTRY, _("See residents' phone numbers"),
               _all(S, (H, WK, PI, PO, CS))),
    Capability("residents.see_id_masked", REGISTRY, _("See masked ID numbers"),
               _all(S, (H, WK, PO, CS))),
    Capability("residents.reveal_id", REGISTRY, _("Reveal a full ID number (logged)"),
               _all(S, (H, WK, PO, CS)), model_perm="residents.reveal_id_number"),
    Capability("residents.see_tags", REGISTRY,
               _("See tags: party member, elderly, disabled, low income, living alone"),
               _all(S, (H, WK, PI, PO, CS))),
    Capability("residents.see_concern", REGISTRY, _("See who is a person of concern"),
               _all(S, (H, WK, PO, CS))),
    Capability("residents.see_concern_reason", REGISTRY,
               _("Read why a person is of concern"), _all(S, (H, PO, CS))),
    Capability("residents.write", REGISTRY,
               _("Register and edit residents, households and buildings"),
               _all(S, (H, WK, CS))),
    Capability("residents.import", REGISTRY, _("Import the registry from a spreadsheet"),
               _all(S, (H, WK, CS))),
    Capability("residents.export", REGISTRY, _("Export personal data (logged)"),
               _all(S, (H, WK, PO, CS)), model_perm="residents.export_residents"),
    Capability("residents.read_export_log", REGISTRY,
               _("See who exported personal data"), {CS: S}),
    Capability("residents.handle_transfers", REGISTRY,
               _("Handle requests to move a resident registered elsewhere"), {CS: S}),
    Capability("residents.read_visits", REGISTRY, _("Read home visits"),
               {**_all(S, (H, WK, PI, PO, CS)), V: OWN}),
    Capability("residents.log_visits", REGISTRY, _("Log home visits"),
               _all(S, (H, WK, V, PI, PO, CS))),
    # --- Tickets ---------------------------------------------------------------------------
    Capability("tickets.read", TICKETS, _("See tickets and their timelines"),
               {**_all(S, (H, WK, PI, PO, CS, DP)), V: R, P: R, L: W}),
    Capability("tickets.see_reporter_contact", TICKETS,
               _("See the reporter's phone number (given with the report, or the reporting "
                 "resident's)"),
               {**_all(S, (H, WK, PO, CS, DP)), L: W}),
    Capability("tickets.create", TICKETS, _("Enter a ticket or report a problem on patrol"),
               _all(S, TREE_ROLES)),
    Capability("tickets.act", TICKETS,
               _("Work a ticket: accept, progress, resolve, reply, escalate"),
               {**_all(S, (H, WK, CS, DP)), P: R, L: D}),
    Capability("tickets.supervise", TICKETS,
               _("Dispatch: decide returns, extensions, rejections; chase"),
               _all(A, (H, CS, DP))),
    Capability("tickets.read_dashboard", TICKETS, _("See the KPI dashboard and export it"),
               _all(S, (H, WK, CS, DP))),
    Capability("tickets.import_work_orders", TICKETS, _("Import 12345 work orders"),
               _all(S, (CS, DP))),
    # --- Committees and the three lists ----------------------------------------------------
    Capability("committees.read", COMMITTEES,
               _("See committees, meetings, partner units, the three lists and activities"),
               _all(C, TREE_ROLES)),
    Capability("committees.manage", COMMITTEES,
               _("Keep committees, meetings, partner units, the lists and activities"),
               _all(M, (H, CS)), note="a committee's director and deputies also record its "
                                      "meetings"),
    Capability("committees.moderate_board", COMMITTEES,
               _("Approve what the public board shows"), _all(M, (H, CS))),
)}


# --- Who holds what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """One current assignment: the role and the tree range of its node."""

    role: str
    node_id: int
    tree_id: int
    lft: int
    rght: int
    kind: str


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.pk)


# Within one request, a user's assignments and departments are read once (RequestCache).
_request_cache: ContextVar[dict | None] = ContextVar("gridportal_permissions_cache",
                                                     default=None)


def _cached(kind: str, user, load: Callable[[], Any]) -> Any:
    cache = _request_cache.get()
    if cache is None:
        return load()
    key = (kind, user.pk)
    if key not in cache:
        cache[key] = load()
    return cache[key]


class RequestCache:
    """Middleware: what this module reads about the requesting user is read once per request
    (a page asks several questions; each would otherwise cost a query)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            _request_cache.reset(token)


def holdings(user) -> list[Holding]:
    """The user's current assignments on active nodes (one indexed query)."""
    if not _active(user):
        return []

    def load() -> list[Holding]:
        rows = (Assignment.objects.current().filter(user_id=user.pk, node__active=True)
                .values_list("role", "node_id", "node__tree_id", "node__lft", "node__rght",
                             "node__kind"))
        return [Holding(*row) for row in rows]

    return _cached("holdings", user, load)


def department_ids(user) -> list[int]:
    """The departments the user answers for as a liaison (one query)."""
    if not _active(user):
        return []
    from tickets.models import Department  # the matrix sits below the apps it describes

    return _cached("departments", user, lambda: list(
        Department.objects.filter(liaisons=user.pk, active=True).values_list("pk", flat=True)))


def roles_with(code: str, *scopes: Scope) -> set[str]:
    """The roles granted `code` (with one of `scopes`, when given)."""
    grants = CAPABILITIES[code].grants
    return {role for role, scope in grants.items() if not scopes or scope in scopes}


def _model_perm_missing(user, capability: Capability) -> bool:
    return bool(capability.model_perm) and not user.has_perm(capability.model_perm)


def _granted_by(capability: Capability, holding: Holding) -> bool:
    """Whether this assignment grants the capability somewhere: a MANAGED grant only from a
    community or above (a grid head keeps no community's records)."""
    scope = capability.grants.get(holding.role)
    if scope is None or scope in (Scope.DEPARTMENT, Scope.SUMMONED):
        return False
    return scope != Scope.MANAGED or holding.kind in ("street", "community")


def _liaison_grant(capability: Capability) -> bool:
    return capability.grants.get(Role.DEPARTMENT_LIAISON) in (Scope.DEPARTMENT, Scope.SUMMONED)


def holds(user, code: str) -> bool:
    """Whether the user holds the capability anywhere (may open the page or the list): from the
    grants worked out once a request (a page asks several, its menus all); Django's model
    permission is asked only for this capability, as before."""
    capability = CAPABILITIES[code]
    if is_admin(user):
        return True
    if not _active(user):
        return False
    return code in _granted(user) and not _model_perm_missing(user, capability)


def held(user) -> frozenset[str]:
    """Every capability the user holds somewhere (for menus): two or three queries in all."""
    if is_admin(user):
        return frozenset(CAPABILITIES)
    if not _active(user):
        return frozenset()
    return frozenset(code for code in _granted(user)
                     if not _model_perm_missing(user, CAPABILITIES[code]))


def _granted(user) -> frozenset[str]:
    """The capabilities the user's roles grant somewhere, model permissions aside; asked by the
    menus and again by pages, so worked out once a request."""
    return _cached("granted", user, lambda: _grants(user))


def _grants(user) -> frozenset[str]:
    mine = holdings(user)
    liaison: bool | None = None
    codes = set()
    for code, capability in CAPABILITIES.items():
        granted = any(_granted_by(capability, holding) for holding in mine)
        if not granted and _liaison_grant(capability):
            if liaison is None:
                liaison = bool(department_ids(user))
            granted = liaison
        if granted:
            codes.add(code)
    return frozenset(codes)


def grant_ranges(user, code: str, *scopes: Scope) -> list[tuple[int, int, int]]:
    """The (tree_id, lft, rght) ranges where the user's roles grant `code` with one of `scopes`
    (SUBTREE when none is named), nested ranges dropped."""
    roles = roles_with(code, *(scopes or (Scope.SUBTREE,)))
    return merge_ranges((h.tree_id, h.lft, h.rght) for h in holdings(user) if h.role in roles)


def merge_ranges(ranges: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for tree_id, lft, rght in sorted(ranges):
        if merged and merged[-1][0] == tree_id and merged[-1][2] >= rght:
            continue  # inside the previous range
        merged.append((tree_id, lft, rght))
    return merged


# --- Targets: how a model reaches the tree -------------------------------------------------


def _prefix(path: str) -> str:
    return f"{path}__" if path else ""


def within_q(path: str, ranges: Iterable[tuple[int, int, int]], strictly: bool = False) -> Q:
    """`path` (from a model to a GridNode, "" for GridNode itself) lies in one of the ranges
    (strictly below the range's top node when `strictly`)."""
    prefix = _prefix(path)
    lower = "gt" if strictly else "gte"
    condition = NOTHING
    for tree_id, lft, rght in ranges:
        condition = _or(condition, Q(**{f"{prefix}tree_id": tree_id,
                                        f"{prefix}lft__{lower}": lft, f"{prefix}lft__lt": rght}))
    return condition


def around_q(path: str, ranges: Iterable[tuple[int, int, int]]) -> Q:
    """`path` (a community node) lies in one of the ranges or contains its top node."""
    prefix = _prefix(path)
    condition = NOTHING
    for tree_id, lft, rght in ranges:
        condition = _or(condition, Q(**{f"{prefix}tree_id": tree_id, f"{prefix}lft__gte": lft,
                                        f"{prefix}lft__lt": rght}))
        condition |= Q(**{f"{prefix}tree_id": tree_id, f"{prefix}lft__lte": lft,
                          f"{prefix}rght__gt": lft})
    return condition


@dataclass(frozen=True)
class Target:
    """How rows of one model are placed for the matrix.

    `nodes`: paths to the GridNodes that place a row (a ticket is placed both by its owner and by
    its location); a row lies in a range when any of them does. `community`: the path to its
    community node, for COMMUNITY and MANAGED grants. The callables express the scopes that are
    not ranges of the tree (each returns a Q on the model).
    """

    name: str
    nodes: tuple[str, ...] = ()
    community: str | None = None
    routed: Callable[[str, list, Any], Q] | None = None  # (role, ranges, user)
    own: Callable[[Any], Q] | None = None  # (user)
    department: Callable[[list[int], bool], Q] | None = None  # (department ids, ever)
    # Replaces the node paths for SUBTREE and ABOVE when placing is not a plain range.
    tree: Callable[[Scope, list], Q] | None = None  # (scope, ranges)

    def supports(self, scope: Scope) -> bool:
        placed = bool(self.nodes) or self.tree is not None
        available = {
            Scope.SUBTREE: placed, Scope.ABOVE: placed,
            Scope.COMMUNITY: self.community is not None, Scope.MANAGED: self.community is not None,
            Scope.ROUTED: self.routed is not None, Scope.OWN: self.own is not None,
            Scope.DEPARTMENT: self.department is not None,
            Scope.SUMMONED: self.department is not None,
        }
        return available[scope]

    def q(self, scope: Scope, ranges: list[tuple[int, int, int]], user, role: str = "") -> Q:
        if scope == Scope.ROUTED and self.routed is not None:
            return self.routed(role, ranges, user)
        if scope in (Scope.SUBTREE, Scope.ABOVE) and self.tree is not None:
            return self.tree(scope, ranges)
        if scope in (Scope.SUBTREE, Scope.ABOVE):
            condition = NOTHING
            for path in self.nodes:
                condition = _or(condition,
                                within_q(path, ranges, strictly=scope == Scope.ABOVE))
            return condition
        if scope == Scope.COMMUNITY:
            return around_q(self.community or "", ranges)
        if scope == Scope.MANAGED:
            return within_q(self.community or "", ranges)
        if scope == Scope.OWN and self.own is not None:
            subtree = NOTHING
            for path in self.nodes:
                subtree = _or(subtree, within_q(path, ranges))
            return subtree & self.own(user)
        raise ValueError(f"{self.name} has no {scope} scope")


_TARGETS: dict[tuple[type, str], Target] = {}


def register_target(model: type[Model], target: Target, *capabilities: str) -> None:
    """How `model` is placed, for every capability or only for those named."""
    for code in capabilities or ("",):
        _TARGETS[(model, code)] = target


def target_for(model: type[Model], code: str = "") -> Target:
    for klass in model.__mro__:
        for key in ((klass, code), (klass, "")):
            if key in _TARGETS:
                return _TARGETS[key]
    raise LookupError(f"no permission target is registered for {model.__name__}")


def scope_q(user, code: str, target: Target) -> Q | None:
    """The rows of `target`'s model on which the user holds `code`, as a condition (None: every
    row, for an administrator)."""
    if is_admin(user):
        return None
    if not _active(user):
        return NOTHING
    capability = CAPABILITIES[code]
    if _model_perm_missing(user, capability):
        return NOTHING
    by_scope: dict[tuple[Scope, str], list[tuple[int, int, int]]] = {}
    for holding in holdings(user):
        scope = capability.grants.get(holding.role)
        if scope is None or scope in (Scope.DEPARTMENT, Scope.SUMMONED):
            continue
        # ROUTED depends on the role (routing names one); the other scopes merge across roles.
        key = (scope, holding.role if scope == Scope.ROUTED else "")
        by_scope.setdefault(key, []).append((holding.tree_id, holding.lft, holding.rght))
    condition = NOTHING
    for (scope, role), ranges in by_scope.items():
        if target.supports(scope):
            condition = _or(condition, target.q(scope, merge_ranges(ranges), user, role))
    liaison_scope = capability.grants.get(Role.DEPARTMENT_LIAISON)
    if liaison_scope in (Scope.DEPARTMENT, Scope.SUMMONED) and target.department is not None:
        departments = department_ids(user)
        if departments:
            condition = _or(condition,
                            target.department(departments, liaison_scope == Scope.SUMMONED))
    return condition


def scope_queryset(queryset: QuerySet, user, code: str, target: Target | None = None
                   ) -> QuerySet:
    """`queryset` narrowed to the rows on which the user holds `code`."""
    condition = scope_q(user, code, target or target_for(queryset.model, code))
    if condition is None:
        return queryset
    if condition == NOTHING:
        return queryset.none()
    return queryset.filter(condition)


def annotate_rights(queryset: QuerySet, user, target: Target | None = None, *,
                    scoped_by: str = "", **flags: str) -> QuerySet:
    """Annotate each row with booleans named by `flags` (flag=capability code), computed in the
    database with the same conditions as `scope_q`. `scoped_by`: the capability `queryset` is
    already narrowed to (by `scope_queryset`); a flag with that very condition holds on every
    row, and is no expression for the database to evaluate (nor for Django to build)."""
    annotations: dict[str, Value | Case] = {}
    scope = (scope_q(user, scoped_by, target or target_for(queryset.model, scoped_by))
             if scoped_by else None)
    for flag, code in flags.items():
        condition = scope_q(user, code, target or target_for(queryset.model, code))
        if condition is None or (scope is not None and scope != NOTHING
                                 and condition == scope):
            annotations[flag] = Value(True, output_field=BooleanField())
        elif condition == NOTHING:
            annotations[flag] = Value(False, output_field=BooleanField())
        else:
            annotations[flag] = Case(When(condition, then=Value(True)), default=Value(False),
                                     output_field=BooleanField())
    return queryset.annotate(**annotations)


def allows(user, code: str, obj: Model, target: Target | None = None) -> bool:
    """Whether the user holds `code` on this object (one query, the same condition as lists);
    `target` when the capability places the model differently from its registered target."""
    condition = scope_q(user, code, target or target_for(type(obj), code))
    if condition is None:
        return True
    if condition == NOTHING:
        return False
    return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


# --- django-rules: every capability is a permission ----------------------------------------


def has(user, code: str, obj: Model | None = None) -> bool:
    """The rules permission `code` (for `obj`), asked of django-rules directly: the same
    predicate as `user.has_perm(code, obj)`, without loading the user's admin permissions."""
    if code not in CAPABILITIES:
        raise LookupError(code)
    return rules.has_perm(code, user, obj)



def _rule(code: str) -> rules.Predicate:
    def check(user, obj=None) -> bool:
        if obj is None:
            return holds(user, code)
        return allows(user, code, obj)

    return rules.predicate(check, name=code)


for _code in CAPABILITIES:
    rules.set_perm(_code, _rule(_code))


# --- Views ask the same question -----------------------------------------------------------


def requires(code: str) -> Callable:
    """A page for holders of `code`: anonymous visitors go to the login page, others without
    the capability get 403. The code is kept on the view for the role x route test."""
    if code not in CAPABILITIES:
        raise LookupError(code)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has(request.user, code):
                # The 403 page, answered rather than raised: a role knocking on a page it has
                # no use for is routine, not a fault with a traceback in the log.
                return permission_denied(
                    request, PermissionDenied(_("Your role does not give access to this page.")))
            return view(request, *args, **kwargs)

        guarded.capability = code  # type: ignore[attr-defined]
        return guarded

    return decorate


# --- The README table ----------------------------------------------------------------------


def cell(capability: Capability, role: str) -> str:
    if role == ADMIN:
        return "✓"
    scope = capability.grants.get(role)
    return SCOPE_MARKS[scope] if scope is not None else "—"


def capability_table() -> str:
    """The matrix as a Markdown table (role x capability), for the README."""
    header = ["Capability", *(ROLE_TITLES[role] for role in ROLE_COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    area = None
    for capability in CAPABILITIES.values():
        if capability.area != area:
            area = capability.area
            lines.append(f"| **{_english(area)}** |" + " |" * len(ROLE_COLUMNS))
        label = f"{_english(capability.label)} (`{capability.code}`)"
        extra = []
        if capability.model_perm:
            extra.append(f"needs the permission `{capability.model_perm}`")
        if capability.note:
            extra.append(capability.note)
        if extra:
            label += "; " + "; ".join(extra)
        lines.append("| " + " | ".join([label, *(cell(capability, role)
                                                   for role in ROLE_COLUMNS)]) + " |")
    notes = [f"- **{mark}**: {text}" for mark, text in SCOPE_NOTES.items()]
    notes.append("- the administrators' column: superusers, everywhere")
    return "\n".join([*lines, "", *notes])


def _english(text) -> str:
    from django.utils import translation

    with translation.override("en"):
        return str(text)
