"""GeoJSON answers of the API (`?format=geojson`): the renderer, the `bbox` filter and features.

Every coordinate served is WGS-84 (longitude, latitude), as GeoJSON (RFC 7946) prescribes.
"""

import math
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from gridportal.replica import LagTolerantMixin

GEOJSON = "geojson"


class GeoJSONRenderer(JSONRenderer):
    """`?format=geojson`: the view answers a FeatureCollection (errors stay plain JSON)."""

    media_type = "application/geo+json"
    format = GEOJSON


class GeoJSONMixin(LagTolerantMixin):
    """A view answering `?format=geojson`; its errors stay plain JSON, as documented. The map
    draws its layers from these answers, which may lag a few seconds: they may be read from
    the replica (gridportal.replica); the JSON answers of the same views are not."""

    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, GeoJSONRenderer]
    # Only these actions answer GeoJSON; the others (a detail, a timeline, a step) are JSON.
    geojson_actions = ("list",)

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) in self.geojson_actions:
            return renderers
        return [renderer for renderer in renderers if not isinstance(renderer, GeoJSONRenderer)]

    def is_lag_tolerant(self, request) -> bool:
        return getattr(self, "action", None) in self.geojson_actions and wants_geojson(request)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to an unknown format
            if self.kwargs.get("format"):  # a suffix in the address: an address that leads nowhere
                raise
            raise ValidationError({"format": [_("Use json or geojson.")]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and wants_geojson(request):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def wants_geojson(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return getattr(renderer, "format", None) == GEOJSON


def feature(*, pk: int, geometry: dict | None, properties: dict[str, Any]) -> dict:
    return {"type": "Feature", "id": pk, "geometry": geometry, "properties": properties}


def collection(features: Iterable[dict], **members: Any) -> dict:
    return {"type": "FeatureCollection", "features": list(features), **members}


def point(longitude, latitude) -> dict:
    return {"type": "Point", "coordinates": [float(longitude), float(latitude)]}


BBox = tuple[float, float, float, float]


def parse_bbox(value: str) -> "BBox":
    """`minLon,minLat,maxLon,maxLat` in WGS-84 degrees, checked; forms.ValidationError else."""
    return BBoxField().clean(value)


class BBoxField(forms.CharField):
    """`minLon,minLat,maxLon,maxLat` in WGS-84 degrees."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise forms.ValidationError(_("Give four numbers: west, south, east, north."))
        west, south, east, north = numbers
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise forms.ValidationError(_(
                "Give west ≤ east within -180 to 180 and south ≤ north within -90 to 90 "
                "(WGS-84 longitude first)."))
        return west, south, east, north


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(filters.Filter):
    """Only features meeting the box `minLon,minLat,maxLon,maxLat` (WGS-84)."""

    field_class = BBoxField

    def __init__(self, *args, apply: Callable | None = None, **kwargs):
        kwargs.setdefault("help_text", "minLon,minLat,maxLon,maxLat in WGS-84 degrees: only "
                                       "the features meeting that box.")
        super().__init__(*args, **kwargs)
        self.apply = apply

    def filter(self, qs, value):
        if value is None:
            return qs
        return self.apply(qs, value) if self.apply is not None else qs


# --- The documented shape of a FeatureCollection (for the OpenAPI schema) ----------------------


@extend_schema_field({"type": "object", "required": ["type", "coordinates"],
                      "properties": {"type": {"type": "string"},
                                     "coordinates": {"type": "array", "items": {}}},
                      "description": "A GeoJSON geometry, WGS-84 longitude and latitude."})
class GeometryField(serializers.JSONField):
    pass


def collection_serializer(name: str, properties: type[serializers.Serializer],
                          id_help: str = "", **members: serializers.Field,
                          ) -> type[serializers.Serializer]:
    """A serializer documenting a FeatureCollection whose features carry `properties` (never a
    paged list: the collection is the whole answer). `id_help`: the features' id is optional,
    and says when it is there."""
    feature_class = type(f"{name}Feature", (serializers.Serializer,), {
        "type": serializers.CharField(help_text="Always Feature."),
        "id": serializers.IntegerField(required=not id_help, help_text=id_help),
        "geometry": GeometryField(),
        "properties": properties(),
    })
    collection_class = type(f"{name}FeatureCollection", (serializers.Serializer,), {
        "type": serializers.CharField(help_text="Always FeatureCollection."),
        "features": feature_class(many=True),
        **members,
    })
    return extend_schema_serializer(many=False)(collection_class)
