"""Building blocks shared by the registry API modules."""

from django.db.models import QuerySet
from rest_framework import serializers

from gridportal.api import ScopedIdFilter  # noqa: F401 - re-exported
from grids.models import GridNode
from grids.selectors import visible_nodes

from .. import selectors

# The related objects a caller may pick: the same selectors that scope the lists.
SCOPES = {
    "node": visible_nodes,
    "building": lambda user: selectors.building_list_for(user=user),
    "dwelling": lambda user: selectors.dwelling_list_for(user=user),
    "household": lambda user: selectors.household_list_for(user=user),
}


class ScopedChoicesMixin:
    """Narrow the related fields named in SCOPES to what the requesting user may see.

    Only fields present in the submitted data are narrowed (each scope costs a query); the
    others keep an empty queryset, so nothing outside scope can ever be chosen.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        submitted = getattr(self, "initial_data", None) or {}
        if request is None:
            return
        for name in SCOPES.keys() & self.fields.keys():
            field = self.fields[name]
            if name in submitted and isinstance(field, serializers.PrimaryKeyRelatedField):
                field.queryset = SCOPES[name](request.user)


def _in_subtree(queryset: QuerySet, path: str, node: GridNode) -> QuerySet:
    return queryset.filter(**{f"{path}__tree_id": node.tree_id, f"{path}__lft__gte": node.lft,
                              f"{path}__lft__lt": node.rght})
