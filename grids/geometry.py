"""Grid boundaries: GeoJSON geometry, its rules, coordinate systems, and which grid a point is in.

Coordinates are stored in WGS-84 (GeoJSON order: longitude, latitude). Chinese map apps send
GCJ-02 (高德, 腾讯) or BD-09 (百度); `to_wgs84` converts at the edges with `prcoords`.

A boundary is a GeoJSON Polygon or MultiPolygon that
- is a valid geometry (closed rings, no self-intersection), within the WGS-84 ranges;
- lies inside its parent's boundary, when the parent has one (up to CHILD_OUTSIDE_TOLERANCE);
- keeps its own children's boundaries inside it;
- overlaps no sibling's boundary by more than SIBLING_OVERLAP_TOLERANCE of the smaller area
  (neighbouring grids drawn by hand share edges that never match exactly).

`locate(lon, lat)` answers the grid chain of a point with a shapely STRtree over every active
boundary, built once per process and rebuilt when a boundary changes (a version token in
Django's cache, moved by the services after each tree write).
"""

import math
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import prcoords
import shapely
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

if TYPE_CHECKING:
    from .models import GridNode

# A sibling may overlap by at most 1 % of the smaller of the two areas.
SIBLING_OVERLAP_TOLERANCE = 0.01
# A child may reach outside its parent by at most 1 % of its own area.
CHILD_OUTSIDE_TOLERANCE = 0.01
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Coordinate systems a caller may send: WGS-84 (GPS, the stored one), GCJ-02 (高德, 腾讯,
# the phone's own map apps in China), BD-09 (百度).
WGS84, GCJ02, BD09 = "wgs84", "gcj02", "bd09"
CRS_CHOICES = ((WGS84, "WGS-84"), (GCJ02, "GCJ-02"), (BD09, "BD-09"))
MAX_VERTICES = 20_000


# --- Coordinate systems ----------------------------------------------------------------------


def to_wgs84(*, lat: float, lon: float, crs: str = WGS84) -> tuple[float, float]:
    """(lat, lon) in WGS-84 from a point in `crs`. prcoords' iterative ("bored") inverses are
    precise to about a centimetre; outside China (prcoords' own box) GCJ-02 and BD-09 equal
    WGS-84."""
    if crs == WGS84:
        return lat, lon
    convert = {GCJ02: prcoords.gcj_wgs_bored, BD09: prcoords.bd_wgs_bored}.get(crs)
    if convert is None:
        raise ValidationError({"crs": _("Unknown coordinate system: use wgs84, gcj02 or bd09.")})
    given = prcoords.Coords(lat, lon)
    if not prcoords.sanity_in_china_p(given):
        return lat, lon  # the offsets apply only within China: elsewhere they equal WGS-84
    point = convert(given)
    return point.lat, point.lon


def check_point(*, lat: Any, lon: Any) -> tuple[float, float]:
    """A point's latitude and longitude as numbers within range, or a ValidationError naming
    the field."""
    errors = {}
    values = {}
    for name, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = _("Enter a number.")
            continue
        if not math.isfinite(number) or abs(number) > limit:
            errors[name] = _("Must lie between -%(limit)s and %(limit)s.") % {"limit": limit}
        values[name] = number
    if errors:
        raise ValidationError(errors)
    return values["latitude"], values["longitude"]


# --- A boundary's own rules ------------------------------------------------------------------


def _invalid(message: str) -> ValidationError:
    return ValidationError({"boundary": message})


def _check_coordinates(coordinates: Any, depth: int) -> int:
    """Walk nested coordinate lists `depth` levels down to positions; count the positions."""
    stack = [(coordinates, depth)]
    count = 0
    while stack:
        value, level = stack.pop()
        if not isinstance(value, list | tuple):
            raise _invalid(_("The coordinates are not nested as a %(kind)s needs.")
                           % {"kind": _("polygon")})
        if level == 0:
            if len(value) < 2 or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                         and math.isfinite(v) for v in value[:2]):
                raise _invalid(_("Each position is a longitude and a latitude, in degrees."))
            lon, lat = value[0], value[1]
            if abs(lon) > 180 or abs(lat) > 90:
                raise _invalid(_("A position lies outside the WGS-84 range (longitude -180 to "
                                 "180, latitude -90 to 90): give longitude first."))
            count += 1
            if count > MAX_VERTICES:
                raise _invalid(_("A boundary may have at most %(n)s points.")
                               % {"n": MAX_VERTICES})
            continue
        stack.extend((item, level - 1) for item in value)
    return count


def parse_boundary(value: Any) -> BaseGeometry:
    """The shapely geometry of a GeoJSON Polygon or MultiPolygon, checked; ValidationError on
    the `boundary` field otherwise. A Feature is read as its geometry."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise _invalid(_("A boundary is a GeoJSON Polygon or MultiPolygon."))
    _check_coordinates(value.get("coordinates"), 2 if value["type"] == "Polygon" else 3)
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        raise _invalid(_("Each ring of a boundary needs at least four positions, the last the "
                         "same as the first.")) from None
    if not geometry.is_valid:
        raise _invalid(_("The boundary is not a valid shape (%(reason)s): its edges must not "
                         "cross each other.") % {"reason": explain_validity(geometry)})
    if geometry.is_empty or geometry.area == 0:
        raise _invalid(_("The boundary encloses no area."))
    return geometry


def normalise(value: dict) -> dict:
    """The stored form: only `type` and `coordinates` (a Feature's geometry unwrapped)."""
    if value.get("type") == "Feature":
        value = value["geometry"]
    return {"type": value["type"], "coordinates": value["coordinates"]}


def _outside_share(inner: BaseGeometry, outer: BaseGeometry) -> float:
    return inner.difference(outer).area / inner.area


def check_node_boundary(node: "GridNode") -> None:
    """The rules between a node's boundary and its parent's, its children's and its siblings'
    (the node's parent and pk as set on the instance). ValidationError on `boundary`."""
    from .models import GridNode

    if node.boundary in (None, ""):
        return
    geometry = parse_boundary(node.boundary)
    parent = node.parent
    if (parent is not None and parent.boundary
            and _outside_share(geometry, shape(parent.boundary)) > CHILD_OUTSIDE_TOLERANCE):
        raise _invalid(_("The boundary reaches outside its parent %(parent)s's boundary.")
                           % {"parent": parent.name})
    others = GridNode.objects.filter(boundary__isnull=False).exclude(pk=node.pk)
    if node.pk is not None:
        for child in others.filter(parent_id=node.pk).only("name", "boundary"):
            if _outside_share(shape(child.boundary), geometry) > CHILD_OUTSIDE_TOLERANCE:
                raise _invalid(_("The boundary leaves out part of its child %(child)s.")
                               % {"child": child.name})
    siblings = others.filter(parent_id=parent.pk if parent is not None else None)
    for sibling in siblings.only("name", "boundary"):
        other = shape(sibling.boundary)
        if not geometry.intersects(other):
            continue
        overlap = geometry.intersection(other).area
        if overlap > SIBLING_OVERLAP_TOLERANCE * min(geometry.area, other.area):
            raise _invalid(_("The boundary overlaps its neighbour %(sibling)s's by more than "
                             "%(percent)s%%.") % {"sibling": sibling.name,
                                                  "percent": round(SIBLING_OVERLAP_TOLERANCE
                                                                   * 100)})


# --- Which grid a point is in ----------------------------------------------------------------

VERSION_KEY = "grids:boundaries:version"


@dataclass(frozen=True)
class BoundaryIndex:
    version: str
    tree: shapely.STRtree
    node_ids: tuple[int, ...]
    geometries: tuple[BaseGeometry, ...]

    def meeting(self, box: tuple[float, float, float, float]) -> list[int]:
        """The ids of the nodes whose boundary meets the box (west, south, east, north)."""
        hits = self.tree.query(shapely.box(*box), predicate="intersects")
        return [self.node_ids[i] for i in hits]

    def containing(self, lon: float, lat: float) -> list[int]:
        """The ids of the nodes whose boundary contains the point (edges included)."""
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        return [self.node_ids[i] for i in hits]


_index: dict[str, BoundaryIndex | None] = {"current": None}
_lock = threading.Lock()


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    return version


def _build(version: str) -> BoundaryIndex:
    from .models import GridNode

    rows = list(GridNode.objects.filter(boundary__isnull=False, active=True)
                .values_list("pk", "boundary"))
    geometries = []
    node_ids = []
    for pk, boundary in rows:
        try:
            geometry = shape(boundary)
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
            continue  # never stored through the services; skipped rather than failing a lookup
        shapely.prepare(geometry)
        geometries.append(geometry)
        node_ids.append(pk)
    return BoundaryIndex(version=version, tree=shapely.STRtree(geometries),
                         node_ids=tuple(node_ids), geometries=tuple(geometries))


def boundary_index() -> BoundaryIndex:
    """This process's index of every active boundary, rebuilt when the version moved."""
    version = _current_version()
    index = _index["current"]
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _index["current"]
        if index is None or index.version != version:
            index = _index["current"] = _build(version)
    return index


def forget_index() -> None:
    """Drop this process's index; the next lookup builds it afresh."""
    _index["current"] = None


def _bump_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def boundaries_changed() -> None:
    """A boundary (or a node's active flag) changed: forget this process's index at once and,
    once committed, tell the other processes."""
    _index["current"] = None
    transaction.on_commit(_bump_version)
    _bump_version()


def locate(lon: float, lat: float) -> list["GridNode"]:
    """The chain of nodes covering the WGS-84 point, lowest first: the deepest active node whose
    boundary contains it and that node's ancestors. Empty when no boundary contains it."""
    from .models import GridNode

    ids = boundary_index().containing(lon, lat)
    if not ids:
        return []
    hits = list(GridNode.objects.filter(pk__in=ids).defer("boundary")
                .order_by("-level", "pk"))
    lowest = next((node for node in hits if node.active), None)
    if lowest is None:
        return []
    # Usually every node above the lowest has a boundary around it too: the chain is among the
    # hits, parent after child, and one query was enough. Otherwise ask the tree.
    by_pk = {node.pk: node for node in hits}
    chain = [lowest]
    while chain[-1].parent_id is not None and chain[-1].parent_id in by_pk:
        chain.append(by_pk[chain[-1].parent_id])
    if chain[-1].parent_id is None:
        return chain
    return list(lowest.get_ancestors(ascending=True, include_self=True).defer("boundary"))
