"""GET /api/v1/stats/tickets/?node=&since=&until=: the dashboard's figures as JSON.

`node` is chosen among the caller's visible nodes (any other id is a 400, the same as a missing
one); `since` and `until` are dates (YYYY-MM-DD), the period [since, until) on the tickets'
intake time. Definitions are in `tickets.kpis`.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gridportal.replica import LagTolerantMixin
from grids.models import GridNode
from grids.selectors import visible_nodes

from . import kpis, selectors


class StatsQuerySerializer(serializers.Serializer):
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False,
                                              allow_null=True, default=None)
    since = serializers.DateField(required=False, allow_null=True, default=None)
    until = serializers.DateField(required=False, allow_null=True, default=None,
                                  help_text="The day after the last one counted.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["node"].queryset = visible_nodes(request.user, selectors.READ_DASHBOARD)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until <= since:
            raise serializers.ValidationError({"until": _("The end must be after the start.")})
        return attrs


class CountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    handled = serializers.IntegerField(help_text="Total less merged and rejected tickets.")
    resolved = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    satisfied = serializers.IntegerField(help_text="Satisfied or basically satisfied.")
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    returned_now = serializers.IntegerField()
    returns_upheld = serializers.IntegerField()
    returns_rejected = serializers.IntegerField()
    extensions = serializers.IntegerField()
    escalations = serializers.IntegerField()
    whistled = serializers.IntegerField(help_text="Tickets whistled to a department.")
    accepted = serializers.IntegerField()
    resolve_count = serializers.IntegerField()
    accepts = serializers.IntegerField()
    accepts_on_time = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    closure_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    hours_to_accept = serializers.FloatField(allow_null=True)
    hours_to_resolve = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    stars = serializers.IntegerField(allow_null=True)


class RowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(required=False)


class MonthlySerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField())
    by_whistle = serializers.DictField(child=serializers.ListField(
        child=serializers.IntegerField()))


class TicketStatsSerializer(serializers.Serializer):
    node = serializers.IntegerField(allow_null=True)
    node_name = serializers.CharField(allow_null=True)
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    generated_at = serializers.DateTimeField()
    summary = FiguresSerializer()
    by_whistle = CountSerializer(many=True)
    by_channel = CountSerializer(many=True)
    by_status = CountSerializer(many=True)
    monthly = MonthlySerializer()
    grids = RowSerializer(many=True)
    workers = RowSerializer(many=True)


class TicketStatsView(LagTolerantMixin, APIView):
    """Ticket KPIs for a subtree and a period: totals by whistle class, channel and status; the
    response, resolution, satisfaction, closure and on-time rates; returns, extensions, mean
    hours; open and overdue now; a grid ranking and a per-worker table with star ratings."""

    capabilities = {"*": selectors.READ_DASHBOARD}

    @extend_schema(parameters=[StatsQuerySerializer], responses=TicketStatsSerializer)
    def get(self, request: Request) -> Response:
        query = StatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        report = kpis.ticket_kpis(user=request.user, **query.validated_data)
        return Response(report.as_dict())
