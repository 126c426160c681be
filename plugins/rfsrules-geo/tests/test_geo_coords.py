"""rfsrules-geo's coordinate reading, bounding boxes and the shipped ISO 3166-1 table."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfsrules_geo.coords import (
    COMMON_MISTAKES, as_number, bbox_problems, countries, in_bbox, latitude_problem, longitude_problem, parse_point,
)

LATS = st.floats(min_value=-90, max_value=90, allow_nan=False)
LONS = st.floats(min_value=-180, max_value=180, allow_nan=False)


@pytest.mark.parametrize("value, strings, expected", [
    (1, False, 1.0), (-2.5, False, -2.5), ("52.5", False, None), ("52.5", True, 52.5), (" 7 ", True, 7.0),
    ("abc", True, None), (True, True, None), (None, True, None), (math.nan, False, None), (math.inf, False, None),
    ("nan", True, None), ([1], False, None),
])
def test_as_number(value, strings, expected):
    assert as_number(value, allow_strings=strings) == expected


@given(LATS, LONS)
def test_every_form_of_a_point_reads_the_same(lat, lon):
    forms = [
        ([lon, lat], "lon_lat"), ([lat, lon], "lat_lon"), ([lon, lat, 120.0], "lon_lat"),
        ({"lat": lat, "lon": lon}, "lon_lat"), ({"latitude": lat, "longitude": lon}, "lat_lon"),
        ({"lat": lat, "lng": lon}, "lon_lat"), ({"type": "Point", "coordinates": [lon, lat]}, "lat_lon"),
    ]
    for value, order in forms:
        assert parse_point(value, order=order) == (lat, lon), value
    assert latitude_problem(lat) is None and longitude_problem(lon) is None


@pytest.mark.parametrize("value, message", [
    ("52,13", "expected a coordinate pair, an object or a GeoJSON Point, got str"),
    ([1], "expected a pair of coordinates, got 1 values"),
    ([1, "x"], "coordinates must be numbers"),
    ({"lat": 1}, "expected an object with lat and lon (or latitude and longitude) keys"),
    ({"lat": 1, "lon": None}, "lat and lon must be numbers"),
    ({"type": "Point", "coordinates": [True, 1]}, "coordinates must be numbers"),
])
def test_unreadable_points(value, message):
    assert parse_point(value) == message


def test_numeric_strings_in_points_only_when_allowed():
    assert parse_point(["13.4", "52.5"]) == "coordinates must be numbers"
    assert parse_point(["13.4", "52.5"], allow_strings=True) == (52.5, 13.4)


@pytest.mark.parametrize("lat, lon, expected", [(90.0, 0.0, None), (-90.0001, 0.0, "latitude -90.0001 is outside -90..90")])
def test_latitude_bounds(lat, lon, expected):
    assert latitude_problem(lat) == expected


def test_longitude_bounds():
    assert longitude_problem(180.0) is None
    assert longitude_problem(-180.5) == "longitude -180.5 is outside -180..180"


@given(LATS, LONS)
def test_world_box_contains_everything_and_split_boxes_partition_longitudes(lat, lon):
    assert in_bbox(lat, lon, [-180, -90, 180, 90])
    east, west = [0, -90, 180, 90], [180, -90, 0, 90]  # the second crosses the antimeridian
    assert in_bbox(lat, lon, east) or in_bbox(lat, lon, west)


def test_antimeridian_box():
    box = [170, -50, -170, -30]
    assert in_bbox(-40, 175, box) and in_bbox(-40, -175, box)
    assert not in_bbox(-40, 0, box) and not in_bbox(-20, 175, box)


@pytest.mark.parametrize("bbox, problems", [
    ([5.87, 47.27, 15.04, 55.06], []),
    ([1, 2, 3], ["bbox must be [min_lon, min_lat, max_lon, max_lat]"]),
    ("0,0,1,1", ["bbox must be [min_lon, min_lat, max_lon, max_lat]"]),
    ([0, "a", 1, 1], ["bbox values must be finite numbers"]),
    ([0, 10, 1, 5], ["bbox min_lat 10 is greater than max_lat 5"]),
    ([-200, 0, 1, 95], ["longitude -200 is outside -180..180", "latitude 95 is outside -90..90"]),
])
def test_bbox_problems(bbox, problems):
    assert bbox_problems(bbox) == problems


def test_country_table_is_the_complete_iso_3166_1_alpha_2_list():
    table = countries()
    assert len(table) == 249
    assert all(len(code) == 2 and code.isupper() and code.isalpha() for code in table)
    assert (table["DE"], table["KR"], table["GB"], table["CI"]) == (
        "Germany", "Korea, Republic of", "United Kingdom of Great Britain and Northern Ireland", "Côte d'Ivoire")
    for gone in ("UK", "EL", "EU", "XK", "YU", "AN", "CS"):
        assert gone not in table
    assert set(COMMON_MISTAKES) == {"UK", "EL", "EU"}
