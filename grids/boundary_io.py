"""Boundaries in and out as GeoJSON FeatureCollections, features matched to nodes by `code`;
KML files (Google Earth, 奥维 and most GIS tools write them) are read too.

An import is all or nothing: every feature goes through `services.node_update` (the boundary
rules of grids.geometry) in one transaction, parents before children; any feature that fails
is reported with its code and reason and nothing is kept. A dry run checks the same and keeps
nothing either.
"""

import warnings
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import geometry, services
from .models import GridNode
from .selectors import node_list_for


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)  # codes
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "code: reason"

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def _features(document: Any) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ValidationError("The file is not a GeoJSON FeatureCollection.")
    return [item for item in document["features"] if isinstance(item, dict)]


def _code_of(feature: dict) -> str:
    properties = feature.get("properties")
    code = properties.get("code") if isinstance(properties, dict) else None
    return str(code) if code not in (None, "") else ""


def _apply(actor: User, matched: list[tuple[GridNode, dict]], report: ImportReport) -> None:
    """Clear the matched nodes' boundaries, then draw each, parents first: a parent and its
    children redrawn together are checked against each other's new shapes, not the old."""
    GridNode.objects.filter(pk__in=[node.pk for node, _feature in matched]).update(boundary=None)
    for node, feature in matched:
        try:
            shape = geometry.normalise(feature) if isinstance(feature.get("geometry"), dict) \
                else None
            with transaction.atomic():
                services.node_update(actor=actor, node=node, boundary=shape)
            (report.unchanged if shape == node.boundary else report.changed).append(node.code)
        except ValidationError as error:
            report.errors.append(f"{node.code}: {' '.join(error.messages)}")
        except PermissionDenied as error:
            report.errors.append(f"{node.code}: {error}")


def import_boundaries(*, actor: User, document: Any, dry_run: bool = False) -> ImportReport:
    report = ImportReport()
    features = _features(document)
    by_code: dict[str, dict] = {}
    for number, feature in enumerate(features, start=1):
        code = _code_of(feature)
        if not code:
            report.errors.append(f"#{number}: the feature has no properties.code")
        elif code in by_code:
            report.errors.append(f"{code}: appears twice")
        else:
            by_code[code] = feature
    nodes = GridNode.objects.filter(code__in=by_code).order_by("level", "tree_id", "lft")
    found = {node.code: node for node in nodes}
    report.errors += [f"{code}: no node has this code" for code in by_code if code not in found]
    try:
        with transaction.atomic():
            _apply(actor, [(node, by_code[node.code]) for node in found.values()], report)
            if dry_run or report.errors:
                raise _Rollback
    except _Rollback:
        geometry.boundaries_changed()  # this process's index may have seen the rolled-back ones
    return report


def _flat(coordinates: Any) -> Any:
    """GeoJSON positions without heights, as lists (KML carries longitude, latitude, height)."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [coordinates[0], coordinates[1]]
    return [_flat(item) for item in coordinates]


def read_kml(path: str) -> dict:
    """A KML file's placemarks (with fastkml) as a FeatureCollection an import reads: each
    placemark's code is its ExtendedData `code`, or else its name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fastkml would rather have lxml, for pretty printing
        from fastkml import Placemark, kml
        from fastkml.utils import find_all

    try:
        document = kml.KML.parse(path)
    except (OSError, ValueError, SyntaxError) as error:
        raise ValidationError(f"Cannot read the KML file: {error}") from None
    features = []
    for placemark in find_all(document, of_type=Placemark):
        data = {item.name: item.value for item in
                getattr(placemark.extended_data, "elements", None) or []
                if getattr(item, "name", None)}
        shape = placemark.geometry.__geo_interface__ if placemark.geometry else None
        features.append({
            "type": "Feature", "properties": {"code": data.get("code") or placemark.name},
            "geometry": {"type": shape["type"], "coordinates": _flat(shape["coordinates"])}
            if shape else None})
    return {"type": "FeatureCollection", "features": features}


def export_boundaries(*, user: User, within: GridNode | None = None) -> dict:
    """The boundaries of the nodes the user may see (in `within`'s subtree), as a
    FeatureCollection whose properties name each node by code, as an import matches them."""
    nodes = node_list_for(user=user, within=within).filter(boundary__isnull=False) \
        .select_related("parent")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": node.pk, "geometry": node.boundary,
         "properties": {"code": node.code, "name": node.name, "kind": node.kind,
                        "parent": node.parent.code if node.parent else None}}
        for node in nodes]}
