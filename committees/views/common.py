"""Helpers shared by the committees pages."""


from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from grids.models import GridNode
from grids.selectors import assignment_list_for, subtree_q

from .. import selectors


def pick_community(request: HttpRequest) -> tuple[list[GridNode], GridNode | None]:
    """The communities the user works in, and the one chosen by `?community=` (else the first)."""
    communities = list(selectors.community_list_for(user=request.user)
                       .order_by("tree_id", "lft"))
    chosen = request.GET.get("community") or request.POST.get("community")
    current = next((c for c in communities if str(c.pk) == chosen),
                   communities[0] if communities else None)
    return communities, current


def posted_community(request: HttpRequest) -> tuple[list[GridNode], GridNode]:
    """For a page that creates a record: the community named by the request, which must be one
    the user works in (else 404, never a silent fallback to another community)."""
    communities, current = pick_community(request)
    chosen = request.POST.get("community") or request.GET.get("community")
    if current is None or (chosen and str(current.pk) != chosen):
        raise Http404
    return communities, current


def within(queryset, community: GridNode, field: str = "node"):
    """Narrow a scoped queryset to the rows whose node lies in `community`'s subtree."""
    return queryset.filter(subtree_q(community, field))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def community_users(request: HttpRequest, community: GridNode):
    """Active portal users with an assignment inside `community` (as the user may see them)."""
    people = within(assignment_list_for(user=request.user), community).filter(
        user__is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=people).order_by("username")
