"""Boundaries imported from and exported to GeoJSON files, matched to nodes by code."""

import json

import pytest
from django.core.management import CommandError, call_command

from grids.models import GridNode
from tests.grids.factories import COMMUNITY_BOUNDARIES, draw_boundaries, rectangle

pytestmark = pytest.mark.django_db


def _file(tmp_path, features) -> str:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return str(path)


def _feature(code, box):
    return {"type": "Feature", "properties": {"code": code}, "geometry": rectangle(*box)}


def _boundaries():
    return dict(GridNode.objects.values_list("code", "boundary"))


def _community_features(community, **boxes):
    codes = {name: getattr(community, name).code for name in COMMUNITY_BOUNDARIES}
    return [_feature(codes[name], boxes.get(name, box))
            for name, box in COMMUNITY_BOUNDARIES.items()]


def test_an_import_draws_every_boundary_by_code(community, tmp_path, capsys):
    path = _file(tmp_path, _community_features(community))
    call_command("import_boundaries", path)
    assert "11 boundaries changed" in capsys.readouterr().out
    assert _boundaries()["G5A"] == rectangle(*COMMUNITY_BOUNDARIES["g5a"])


def test_a_dry_run_checks_and_saves_nothing(community, tmp_path, capsys):
    call_command("import_boundaries", _file(tmp_path, _community_features(community)),
                 "--dry-run")
    assert "would change" in capsys.readouterr().out
    assert set(_boundaries().values()) == {None}


def test_one_bad_feature_refuses_the_whole_file_and_names_it(community, tmp_path, capsys):
    features = _community_features(community, g5b=(102.71, 25.00, 102.73, 25.015))  # over G5A
    features.append(_feature("NOPE", (1, 1, 2, 2)))
    with pytest.raises(CommandError):
        call_command("import_boundaries", _file(tmp_path, features))
    errors = capsys.readouterr().err
    assert "G5B:" in errors and "枫丹第1网格" in errors
    assert "NOPE: no node has this code" in errors
    assert set(_boundaries().values()) == {None}


def test_a_parent_and_its_children_redrawn_together_are_checked_against_their_new_shapes(
        community, tmp_path):
    draw_boundaries(community)
    # 世纪城 shrinks to its southern half, and hub 2 and its grids move inside it.
    south = {"community": (102.70, 25.00, 102.73, 25.015), "hub1": (102.70, 25.00, 102.715,
                                                                      25.015),
             "g4a": (102.70, 25.00, 102.715, 25.015), "g5a": (102.70, 25.00, 102.7075, 25.015),
             "g5b": (102.7075, 25.00, 102.715, 25.015),
             "hub2": (102.715, 25.00, 102.73, 25.015), "g4b": (102.715, 25.00, 102.73, 25.015),
             "g5c": (102.715, 25.00, 102.73, 25.015)}
    call_command("import_boundaries", _file(tmp_path, [
        _feature(getattr(community, name).code, box) for name, box in south.items()]))
    assert _boundaries()["SJC"] == rectangle(*south["community"])
    assert _boundaries()["G5C"] == rectangle(*south["g5c"])


def test_an_export_reads_back_as_an_import_that_changes_nothing(community, tmp_path, capsys):
    draw_boundaries(community)
    out = tmp_path / "out.geojson"
    call_command("export_boundaries", "--within", "SJC", "-o", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    codes = {feature["properties"]["code"] for feature in document["features"]}
    assert codes == {"SJC", "H1", "G4A", "G5A", "G5B", "H2", "G4B", "G5C"}
    capsys.readouterr()
    call_command("import_boundaries", str(out))
    assert "0 boundaries changed, 8 unchanged" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["not json", '{"type": "Feature"}'])
def test_a_file_that_is_not_a_feature_collection_is_refused(community, tmp_path, text):
    path = tmp_path / "bad.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(path))


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>网格</name>
<Placemark><name>枫丹第1网格</name>
  <ExtendedData><Data name="code"><value>G5A</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    102.70,25.00,0 102.715,25.00,0 102.715,25.015,0 102.70,25.015,0 102.70,25.00,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>G5B</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    102.715,25.00 102.73,25.00 102.73,25.015 102.715,25.015 102.715,25.00
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder></Document></kml>"""


def test_a_kml_file_is_imported_by_code_or_name(community, tmp_path):
    path = tmp_path / "grids.kml"
    path.write_text(KML, encoding="utf-8")
    call_command("import_boundaries", str(path))
    assert _boundaries()["G5A"] == rectangle(102.70, 25.00, 102.715, 25.015)
    assert _boundaries()["G5B"] == rectangle(102.715, 25.00, 102.73, 25.015)


def test_a_broken_kml_file_is_refused(community, tmp_path):
    path = tmp_path / "broken.kml"
    path.write_text("<kml><Document><Placemark>", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(path))
