"""Building blocks shared by the registry API modules."""

from django.db.models import QuerySet

from gridportal.api import ScopedChoicesMixin as BaseScopedChoicesMixin
from gridportal.api import ScopedIdFilter  # noqa: F401 - re-exported
from grids.models import GridNode
from grids.selectors import subtree_q, visible_nodes

from .. import selectors

# The related objects a caller may pick: the same selectors that scope the lists.
SCOPES = {
    "node": visible_nodes,
    "building": lambda user: selectors.building_list_for(user=user),
    "dwelling": lambda user: selectors.dwelling_list_for(user=user),
    "household": lambda user: selectors.household_list_for(user=user),
}


class ScopedChoicesMixin(BaseScopedChoicesMixin):
    """Related fields a caller submits are chosen among what the selectors above let them see."""

    scopes = SCOPES


def _in_subtree(queryset: QuerySet, path: str, node: GridNode) -> QuerySet:
    return queryset.filter(subtree_q(node, path))
