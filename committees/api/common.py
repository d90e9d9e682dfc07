"""Shared pieces of the committees API: scoped choices and the community filter."""


from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gridportal.api import ScopedChoicesMixin as BaseScopedChoicesMixin
from gridportal.api import ScopedIdFilter
from grids.models import GridNode
from grids.selectors import service_point_list_for, subtree_q
from residents.selectors import resident_list_for

from .. import selectors

User = get_user_model()

# The related objects a caller may pick, by field name: the selectors that scope the lists.
SCOPES = {
    "community": lambda user: selectors.community_list_for(user=user),
    "committee": lambda user: selectors.committee_list_for(user=user, active=None),
    "partner": lambda user: selectors.partner_list_for(user=user),
    "team": lambda user: selectors.team_list_for(user=user),
    "service_point": lambda user: service_point_list_for(user=user),
    "resident": lambda user: resident_list_for(user=user),
    "user": lambda user: selectors.community_people_for(user=user),
}


class ScopedChoicesMixin(BaseScopedChoicesMixin):
    """Related fields a caller submits are chosen among what the selectors above let them see."""

    scopes = SCOPES


def community_filter(field_name: str = "community") -> ScopedIdFilter:
    return ScopedIdFilter(
        field_name=field_name, help_text=_("A community id: only what belongs to it."),
        queryset=lambda request: selectors.community_list_for(user=request.user))


def nodes_of(community: GridNode):
    return GridNode.objects.filter(subtree_q(community), active=True)


