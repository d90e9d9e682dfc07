"""Registry API: visits."""

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from gridportal.api import service_errors
from grids.people import person_name

from .. import selectors, services
from ..models import (
    Household,
    Visit,
    VisitPhoto,
)
from .common import ScopedChoicesMixin, ScopedIdFilter


class VisitPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "url", "uploaded_at"]

    def get_url(self, photo: VisitPhoto) -> str:
        """Streamed by a scoped view: the file itself is never public."""
        path = reverse("residents:visit_photo", args=[photo.visit_id, photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class VisitSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.__str__", read_only=True)
    visitor_name = serializers.SerializerMethodField()
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "household", "household_name", "visitor", "visitor_name", "visited_on",
                  "purpose", "notes", "follow_up_needed", "photos", "created_at"]
        read_only_fields = fields

    def get_visitor_name(self, visit: Visit) -> str:
        return person_name(visit.visitor)


class VisitCreateSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none())
    visited_on = serializers.DateField(required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False,
                                   allow_empty=True)

    class Meta:
        model = Visit
        fields = ["household", "purpose", "notes", "follow_up_needed", "visited_on", "photos"]


class VisitFilter(filters.FilterSet):
    household = ScopedIdFilter(
        queryset=lambda request: selectors.household_list_for(user=request.user))

    class Meta:
        model = Visit
        fields = ["household", "follow_up_needed"]


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    """Home visits; a visit is logged with multipart form data and zero or more `photos`."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    capabilities = {"*": selectors.READ_VISITS, "create": selectors.LOG_VISITS}

    def get_queryset(self):
        return selectors.visit_list_for(user=self.request.user)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        payload = VisitCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        visit = service_errors(lambda: services.visit_create(
            actor=request.user, **payload.validated_data))
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)
