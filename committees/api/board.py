"""/api/v1/board-entries/: residents' needs and what the public board shows of them. One row
per need (its id is the need's ticket id), pending until staff approve a text for it
(`approve/`), keep it off the board (`keep-off/`) or withdraw it after publication
(`withdraw/`)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import ScopedIdFilter, service_errors
from grids.selectors import subtree_q
from tickets.models import Status, Ticket

from .. import selectors, services
from ..models import BOARD_TEXT_LENGTH, BoardStatus, MatchStatus

BOARD_STATES = [(selectors.BOARD_PENDING, _("Awaiting approval")), *BoardStatus.choices]


class BoardEntrySerializer(serializers.ModelSerializer):
    """A need as staff review it for the board. `title` is what was written (never published);
    `text` what the board shows once published; `suggested_text` the title with numbers and
    names masked, offered for approval."""

    need_status = serializers.ChoiceField(source="status", choices=Status.choices,
                                          read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    community = serializers.SerializerMethodField()
    board_status = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    suggested_text = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    approved_at = serializers.SerializerMethodField()
    decided_at = serializers.SerializerMethodField()
    match_status = serializers.ChoiceField(
        choices=[(status.value, status.label)
                 for status in (MatchStatus.MATCHED, MatchStatus.DELIVERED)],
        read_only=True, allow_null=True,
        help_text=_("Whether an offer was matched to the need (matched, then delivered); null "
                    "while nobody has taken it up (the board shows 待认领)."))

    class Meta:
        model = Ticket
        fields = ["id", "reference", "title", "need_status", "owner_name", "community",
                  "board_status", "text", "suggested_text", "approved_by", "approved_at",
                  "decided_at", "match_status", "created_at"]
        read_only_fields = fields

    def _entry(self, need: Ticket):
        return selectors.board_entry_of(need)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_community(self, need: Ticket) -> int | None:
        community = self.context["community_of"](need)
        return community.pk if community is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=BOARD_STATES))
    def get_board_status(self, need: Ticket) -> str:
        entry = self._entry(need)
        return entry.status if entry is not None else selectors.BOARD_PENDING

    def get_text(self, need: Ticket) -> str | None:
        entry = self._entry(need)
        return (entry.text or None) if entry is not None else None

    def get_suggested_text(self, need: Ticket) -> str:
        return selectors.suggested_board_text(need, names=self.context["names"])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_approved_by(self, need: Ticket) -> int | None:
        entry = self._entry(need)
        return entry.approved_by_id if entry is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_approved_at(self, need: Ticket):
        entry = self._entry(need)
        return entry.approved_at if entry is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_decided_at(self, need: Ticket):
        entry = self._entry(need)
        return entry.decided_at if entry is not None else None


class BoardApproveSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=BOARD_TEXT_LENGTH, help_text=_(
        "The text to publish: no phone or ID numbers, names masked (e.g. 李**)."))


class BoardEntryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=BOARD_STATES, method="filter_status",
                                  help_text=_("Awaiting approval, or a decision's status."))
    community = ScopedIdFilter(
        method="filter_community", help_text=_("A community id: only what belongs to it."),
        queryset=lambda request: selectors.community_list_for(user=request.user))

    class Meta:
        model = Ticket
        fields = ["status", "community"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(selectors.BOARD_FILTERS[value])

    def filter_community(self, queryset, name, value):
        return queryset.filter(subtree_q(value, "node"))


class BoardEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Residents' needs in the caller's scope and their place on the public board: nothing is
    published before the community's staff approve a text for it."""

    serializer_class = BoardEntrySerializer
    filterset_class = BoardEntryFilter
    # The queue shows what residents wrote and the masking's suggestion (which names it found
    # in the registry): for those who decide, only.
    capabilities = {"*": selectors.MODERATE_BOARD}

    def get_queryset(self):
        return selectors.board_need_list_for(user=self.request.user)

    def get_object(self):
        return selectors.board_need_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer(self, *args, **kwargs):
        """The page's needs are masked with the names of their communities' registries, read
        once for the page (two queries whatever its length)."""
        rows = args[0] if args else kwargs.get("instance")
        needs = [rows] if isinstance(rows, Ticket) else list(rows or [])
        communities = selectors.communities_of(need.node for need in needs)
        kwargs["context"] = {
            **self.get_serializer_context(),
            "names": selectors.registry_names(communities=communities),
            "community_of": lambda need: next(
                (c for c in communities if c.tree_id == need.node.tree_id
                 and c.lft <= need.node.lft < c.rght), None),
        }
        return self.serializer_class(*args, **kwargs)

    def _decided(self, need: Ticket) -> Response:
        need = selectors.board_need_get_for(user=self.request.user, pk=need.pk)
        return Response(self.get_serializer(need).data)

    @extend_schema(request=BoardApproveSerializer, responses=BoardEntrySerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Publish the need with this text (checked again: no phone- or ID-like number, not the
        reporter's name). Approving a published need again replaces its text."""
        need = self.get_object()
        service_errors(lambda: services.require_board_moderator(need=need, actor=request.user))
        payload = BoardApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service_errors(lambda: services.board_entry_approve(
            need=need, actor=request.user, text=payload.validated_data["text"]))
        return self._decided(need)

    @extend_schema(request=None, responses=BoardEntrySerializer)
    @action(detail=True, methods=["post"], url_path="keep-off")
    def keep_off(self, request, pk=None):
        """Keep a pending need off the board."""
        need = self.get_object()
        service_errors(lambda: services.board_entry_keep_off(need=need, actor=request.user))
        return self._decided(need)

    @extend_schema(request=None, responses=BoardEntrySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a published need off the board."""
        need = self.get_object()
        service_errors(lambda: services.board_entry_withdraw(need=need, actor=request.user))
        return self._decided(need)
