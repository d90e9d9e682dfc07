"""What every committees write checks: who may write, and what lies inside a community; and
the plain save of a record kept by the community's staff."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grids.models import GridNode

from ..models import (
    Committee,
)
from ..selectors import can_manage, can_record_meetings


def require_manager(actor: User, community_id: int) -> None:
    if not can_manage(actor, community_id):
        raise PermissionDenied(_("Only the community's staff can change these records."))


def require_recorder(actor: User, committee: Committee) -> None:
    if not can_record_meetings(actor, committee):
        raise PermissionDenied(_("Only the community's staff and the committee's director can "
                                 "record its meetings."))


def within_community(node: GridNode, community: GridNode) -> bool:
    return (node.tree_id == community.tree_id and community.lft <= node.lft < community.rght)


def save_record(instance, *, actor: User, community_id: int, fields: dict,
                 exclude: Sequence[str] = ()):
    require_manager(actor, community_id)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({"name": _("This name is already used in the community.")}) \
            from None
    return instance
