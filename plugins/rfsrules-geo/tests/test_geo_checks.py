"""The geo.* checks used from YAML through the installed plugin, with the ``rfsrules_runner`` fixture."""

from __future__ import annotations

import pytest

from rfsrules.errors import RulesetError
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.testing import assert_check_specs

import rfsrules_geo

RULESET = """\
rfsrules: 1
name: deliveries
version: 1.0.0
record_id: id
rules:
  - id: pickup-lat
    check: geo.latitude
    field: pickup.lat
  - id: pickup-lon
    check: geo.longitude
    field: pickup.lon
    allow_strings: true
  - id: pickup-point
    check: geo.coordinates
    latitude: pickup.lat
    longitude: pickup.lon
    allow_strings: true
  - id: drop-point
    check: geo.point_in_bbox
    field: drop
    bbox: [124.5, 33.0, 131.9, 38.7]
  - id: country
    check: geo.country_code
    field: country
"""

DELIVERIES = [
    {"id": "d1", "pickup": {"lat": 37.56, "lon": 126.97}, "drop": {"type": "Point", "coordinates": [129.07, 35.18]}, "country": "KR"},
    {"id": "d2", "pickup": {"lat": 95.0, "lon": "126.9"}, "drop": [139.69, 35.69], "country": "kr"},
    {"id": "d3", "pickup": {"lat": 0, "lon": 0}, "drop": {"lat": 37.5, "lon": 127.0}, "country": "UK"},
    {"id": "d4", "pickup": {"lat": 37.5}, "drop": "somewhere", "country": None},
]


@pytest.fixture
def report(rfsrules_runner):
    return rfsrules_runner(RULESET, DELIVERIES)


def examples(report, rule_id):
    return [(v.line, v.field, v.reason, v.message) for v in report.rule(rule_id).examples]


def test_latitude_and_longitude(report):
    assert examples(report, "pickup-lat") == [(2, "pickup.lat", "invalid_latitude", "latitude 95 is outside -90..90")]
    assert report.rule("pickup-lon").violations == 0  # "126.9" is accepted with allow_strings


def test_coordinates_in_two_fields(report):
    assert examples(report, "pickup-point") == [
        (2, "pickup.lat", "invalid_latitude", "latitude 95 is outside -90..90"),
        (3, "pickup.lat", "null_island",
         "(0, 0) is 'null island': almost always a default value rather than a real location"),
        (4, "pickup.lon", "incomplete_coordinates", "pickup.lat is set but pickup.lon is missing or null"),
    ]
    assert report.rule("pickup-point").examples[1].value == {"latitude": 0, "longitude": 0}


def test_points_in_a_bounding_box(report):
    assert examples(report, "drop-point") == [
        (2, "drop", "outside_bbox", "point (lat 35.69, lon 139.69) is outside the bounding box [124.5, 33.0, 131.9, 38.7]"),
        (4, "drop", "invalid_coordinates", "expected a coordinate pair, an object or a GeoJSON Point, got str"),
    ]


def test_country_codes(report):
    assert examples(report, "country") == [
        (2, "country", "invalid_country_code", "country code 'kr' must be upper case ('KR')"),
        (3, "country", "unknown_country_code",
         "'UK' is not an ISO 3166-1 alpha-2 country code (the United Kingdom's code is GB)"),
    ]


def test_country_code_options(rfsrules_runner):
    rule = {"check": "geo.country_code", "field": "c", "case": "any", "allow": ["xk"]}
    result = rfsrules_runner.rule(rule, [{"c": "de"}, {"c": "XK"}, {"c": "ZZ"}, {"c": 49}])
    assert [(v.line, v.reason) for v in result.examples] == [(3, "unknown_country_code"), (4, "not_comparable")]


def test_coordinate_pair_order_and_null_island(rfsrules_runner):
    rule = {"check": "geo.coordinate_pair", "field": "p", "order": "lat_lon"}
    result = rfsrules_runner.rule(rule, [{"p": [52.5, 13.4]}, {"p": [13.4, 200.0]}, {"p": [0, 0]}])
    assert [(v.line, v.reason) for v in result.examples] == [(2, "invalid_longitude"), (3, "null_island")]
    allowed = rfsrules_runner.rule({**rule, "allow_null_island": True}, [{"p": [0, 0]}])
    assert allowed.violations == 0


def test_lint_rejects_bad_boxes_and_paths():
    text = RULESET.replace("bbox: [124.5, 33.0, 131.9, 38.7]", "bbox: [124.5, 38.7, 131.9, 33.0]").replace(
        "longitude: pickup.lon", "longitude: pickup..lon")
    with pytest.raises(RulesetError) as err:
        load_ruleset_text(text, path="deliveries.yaml")
    assert [(i.line, i.col) for i in err.value.issues] == [(16, 16), (21, 11)]
    assert err.value.issues[0].message.startswith("longitude: invalid field path 'pickup..lon'")
    assert err.value.issues[1].message == "bbox min_lat 38.7 is greater than max_lat 33"


def test_every_check_declaration_conforms():
    assert_check_specs(rfsrules_geo.rfsrules_register_checks())


def test_declarations():
    specs = {s.name: s for s in rfsrules_geo.rfsrules_register_checks()}
    assert sorted(specs) == ["geo.coordinate_pair", "geo.coordinates", "geo.country_code", "geo.latitude",
                             "geo.longitude", "geo.point_in_bbox"]
    assert specs["geo.coordinates"].level == "record" and specs["geo.coordinates"].required == ("latitude", "longitude")
    assert specs["geo.point_in_bbox"].required == ("bbox",)


def test_readme_examples_are_valid_rulesets():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", readme, flags=re.S | re.M)
    assert [load_ruleset_text(block, path="README.md").name for block in blocks] == ["stores"]
