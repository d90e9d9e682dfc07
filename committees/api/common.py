"""Shared pieces of the committees API: scoped choices and the community filter."""


from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gridportal.api import ScopedIdFilter
from grids.models import GridNode
from grids.selectors import service_point_list_for
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
    "user": lambda user: User.objects.filter(is_active=True),
}


class ScopedChoicesMixin:
    """Narrow the related fields named in SCOPES to what the requesting user may see, when they
    are submitted (a scope costs queries); unsubmitted ones keep an empty queryset."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        submitted = getattr(self, "initial_data", None) or {}
        if request is None:
            return
        for name in SCOPES.keys() & self.fields.keys() & set(submitted):
            field = self.fields[name]
            if isinstance(field, serializers.PrimaryKeyRelatedField):
                field.queryset = SCOPES[name](request.user)


def community_filter(field_name: str = "community") -> ScopedIdFilter:
    return ScopedIdFilter(
        field_name=field_name, help_text=_("A community id: only what belongs to it."),
        queryset=lambda request: selectors.community_list_for(user=request.user))


def nodes_of(community: GridNode):
    return GridNode.objects.filter(tree_id=community.tree_id, lft__gte=community.lft,
                                   lft__lt=community.rght, active=True)


