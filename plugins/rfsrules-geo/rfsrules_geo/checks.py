"""The ``geo.*`` check declarations: latitudes, longitudes, coordinate pairs, bounding boxes, country codes."""

from __future__ import annotations

import functools
from typing import Any, Mapping

from rfsrules import CheckFailure, CheckSpec, parse_path

from . import coords

NULL_ISLAND = "(0, 0) is 'null island': almost always a default value rather than a real location"

_ALLOW_STRINGS = {"allow_strings": {
    "type": "boolean", "default": False,
    "description": "Also accept numeric strings such as \"52.52\" (CSV exports often have them)."}}
_ORDER = {"order": {
    "enum": ["lon_lat", "lat_lon"], "default": "lon_lat",
    "description": "Order of the numbers in a pair: lon_lat (GeoJSON) or lat_lon."}}
_NULL_ISLAND = {"allow_null_island": {
    "type": "boolean", "default": False,
    "description": "Accept the point (0, 0), which is otherwise reported as `null_island`."}}
_BBOX = {"bbox": {
    "type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
    "description": "[min_lon, min_lat, max_lon, max_lat] (GeoJSON order); min_lon > max_lon crosses the antimeridian."}}


def _build_axis(name: str, check_range, rule, ctx) -> Any:
    """Value test of one axis (``latitude``/``longitude``) for ``rule``."""
    allow_strings = bool(rule.params.get("allow_strings", False))

    def test(value):
        number = coords.as_number(value, allow_strings=allow_strings)
        if number is None:
            return "not_comparable", f"{name} must be a number, got {value!r}"
        problem = check_range(number)
        return None if problem is None else (f"invalid_{name}", problem)

    return test


def _axis(name: str, check_range) -> Any:
    """The builder of an axis check; a partial of a module function, so the registry pickles (``--jobs``
    with spawned workers)."""
    return functools.partial(_build_axis, name, check_range)


def _point_failure(lat: float, lon: float, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first problem of a parsed point under a rule's parameters, as ``(reason, message)``."""
    problem = coords.latitude_problem(lat)
    if problem:
        return "invalid_latitude", problem
    problem = coords.longitude_problem(lon)
    if problem:
        return "invalid_longitude", problem
    if lat == 0 and lon == 0 and not params.get("allow_null_island", False):
        return "null_island", NULL_ISLAND
    bbox = params.get("bbox")
    if bbox is not None and not coords.in_bbox(lat, lon, bbox):
        return "outside_bbox", f"point (lat {lat:g}, lon {lon:g}) is outside the bounding box {list(bbox)}"
    return None


def _build_pair(rule, ctx):
    params = rule.params
    order = params.get("order", "lon_lat")
    allow_strings = bool(params.get("allow_strings", False))

    def test(value):
        point = coords.parse_point(value, order=order, allow_strings=allow_strings)
        if isinstance(point, str):
            return "invalid_coordinates", point
        return _point_failure(point[0], point[1], params)

    return test


def _build_coordinates(rule, ctx):
    from rfsrules import MISSING

    params = rule.params
    lat_path, lon_path = parse_path(params["latitude"]), parse_path(params["longitude"])
    get_lat, get_lon = lat_path.getter(), lon_path.getter()
    allow_strings = bool(params.get("allow_strings", False))

    def test(record, line):
        lat_raw, lon_raw = get_lat(record), get_lon(record)
        lat_absent = lat_raw is MISSING or lat_raw is None
        lon_absent = lon_raw is MISSING or lon_raw is None
        if lat_absent and lon_absent:
            return None
        if lat_absent or lon_absent:
            gone, there = (lat_path, lon_path) if lat_absent else (lon_path, lat_path)
            return [CheckFailure(gone.text, None, "incomplete_coordinates",
                                 f"{there.text} is set but {gone.text} is missing or null")]
        lat = coords.as_number(lat_raw, allow_strings=allow_strings)
        lon = coords.as_number(lon_raw, allow_strings=allow_strings)
        if lat is None:
            return [CheckFailure(lat_path.text, lat_raw, "not_comparable", f"latitude must be a number, got {lat_raw!r}")]
        if lon is None:
            return [CheckFailure(lon_path.text, lon_raw, "not_comparable", f"longitude must be a number, got {lon_raw!r}")]
        failure = _point_failure(lat, lon, params)
        if failure is None:
            return None
        reason, message = failure
        if reason == "invalid_latitude":
            return [CheckFailure(lat_path.text, lat_raw, reason, message)]
        if reason == "invalid_longitude":
            return [CheckFailure(lon_path.text, lon_raw, reason, message)]
        # null island, outside the box: the point as a whole, reported at the latitude's path
        return [CheckFailure(lat_path.text, {"latitude": lat_raw, "longitude": lon_raw}, reason, message)]

    return test


def _validate_paths(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    from rfsrules.paths import PathSyntaxError

    out: list[tuple[str | None, str]] = []
    for key in ("latitude", "longitude"):
        text = params.get(key)
        if not isinstance(text, str):
            continue
        try:
            path = parse_path(text)
        except PathSyntaxError as exc:
            out.append((key, str(exc)))
            continue
        if path.has_wildcard:
            out.append((key, f"{key} path {text!r} must name one value (no [*])"))
    return out + _validate_bbox(params)


def _validate_bbox(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    if "bbox" not in params:
        return []
    return [("bbox", p) for p in coords.bbox_problems(params["bbox"])]


def _build_country(rule, ctx):
    params = rule.params
    any_case = params.get("case", "upper") == "any"
    table = coords.countries()
    extra = {str(c).upper() for c in params.get("allow") or ()}

    def test(value):
        if not isinstance(value, str):
            return "not_comparable", f"country code must be a string, got {value!r}"
        code = value.upper() if any_case else value
        if code in table or code in extra:
            return None
        upper = value.upper()
        if upper in table or upper in extra:
            return "invalid_country_code", f"country code {value!r} must be upper case ({upper!r})"
        hint = coords.COMMON_MISTAKES.get(upper)
        suffix = f" ({hint})" if hint else ""
        return "unknown_country_code", f"{value!r} is not an ISO 3166-1 alpha-2 country code{suffix}"

    return test


def specs() -> list[CheckSpec]:
    """Every check of the plugin."""
    return [
        CheckSpec(
            name="geo.latitude", level="value", fields="many",
            summary="Values must be latitudes: numbers from -90 to 90.",
            description="Fails with `invalid_latitude` outside -90..90 and `not_comparable` for "
                        "non-numbers (booleans, NaN and infinities are not numbers).",
            params=dict(_ALLOW_STRINGS), python=_axis("latitude", coords.latitude_problem),
            default_severity="high", default_dimension="accuracy",
            example="id: lat-valid\ncheck: geo.latitude\nfields: [pickup.lat, dropoff.lat]\n",
            failing_record={"pickup": {"lat": 91.5}, "dropoff": {"lat": 52.5}},
        ),
        CheckSpec(
            name="geo.longitude", level="value", fields="many",
            summary="Values must be longitudes: numbers from -180 to 180.",
            description="Fails with `invalid_longitude` outside -180..180 and `not_comparable` for "
                        "non-numbers.",
            params=dict(_ALLOW_STRINGS), python=_axis("longitude", coords.longitude_problem),
            default_severity="high", default_dimension="accuracy",
            example="id: lon-valid\ncheck: geo.longitude\nfield: lon\nallow_strings: true\n",
            failing_record={"lon": "-200.25"},
        ),
        CheckSpec(
            name="geo.coordinate_pair", level="value", fields="many",
            summary="Values must be valid points: [lon, lat] pairs, {lat, lon} objects or GeoJSON Points.",
            description="Reads pairs in `order` (GeoJSON's lon, lat by default; a third number is "
                        "altitude), objects with `lat`/`latitude` and `lon`/`lng`/`long`/`longitude`, "
                        "and GeoJSON `Point` geometries. Fails with `invalid_coordinates` (shape), "
                        "`invalid_latitude`, `invalid_longitude` or `null_island` for (0, 0).",
            params={**_ORDER, **_NULL_ISLAND, **_ALLOW_STRINGS}, python=_build_pair,
            default_severity="high", default_dimension="accuracy",
            example="id: location-valid\ncheck: geo.coordinate_pair\nfield: location\norder: lat_lon\n",
            failing_record={"location": [0, 0]},
        ),
        CheckSpec(
            name="geo.coordinates", level="record", fields="none",
            summary="Latitude and longitude held in two fields must be valid and present together.",
            description="For data with separate latitude and longitude fields: both or neither must "
                        "be set (`incomplete_coordinates`), both must be in range, (0, 0) is "
                        "`null_island` unless allowed, and with `bbox` the point must lie inside "
                        "(`outside_bbox`).",
            params={
                "latitude": {"type": "string", "description": "Field path of the latitude."},
                "longitude": {"type": "string", "description": "Field path of the longitude."},
                **_NULL_ISLAND, **_ALLOW_STRINGS, **_BBOX,
            },
            required=("latitude", "longitude"), validate=_validate_paths, python=_build_coordinates,
            default_severity="high", default_dimension="accuracy",
            example="id: store-location\ncheck: geo.coordinates\nlatitude: store.lat\n"
                    "longitude: store.lon\nbbox: [5.87, 47.27, 15.04, 55.06]\n",
            failing_record={"store": {"lat": 48.85, "lon": 2.35}},
        ),
        CheckSpec(
            name="geo.point_in_bbox", level="value", fields="many",
            summary="Points must lie inside a bounding box [min_lon, min_lat, max_lon, max_lat].",
            description="Reads points as `geo.coordinate_pair` does and fails with `outside_bbox` "
                        "when they lie outside `bbox`; a box with min_lon > max_lon crosses the "
                        "antimeridian (`[170, -50, -170, -30]`). Invalid points fail as in "
                        "`geo.coordinate_pair`.",
            params={**_BBOX, **_ORDER, **_NULL_ISLAND, **_ALLOW_STRINGS}, required=("bbox",),
            validate=_validate_bbox, python=_build_pair,
            default_severity="medium", default_dimension="accuracy",
            example="id: deliveries-in-korea\ncheck: geo.point_in_bbox\nfield: drop_point\n"
                    "bbox: [124.5, 33.0, 131.9, 38.7]\n",
            failing_record={"drop_point": {"type": "Point", "coordinates": [139.69, 35.69]}},
        ),
        CheckSpec(
            name="geo.country_code", level="value", fields="many",
            summary="Values must be ISO 3166-1 alpha-2 country codes (from the table the plugin ships).",
            description="Checks against the 249 officially assigned ISO 3166-1 alpha-2 codes. "
                        "`case: any` accepts lower case; `allow` adds codes such as `XK` (Kosovo). "
                        "Fails with `unknown_country_code` (with a hint for `UK`, `EL`, `EU`), "
                        "`invalid_country_code` for a known code in the wrong case, and "
                        "`not_comparable` for non-strings.",
            params={
                "case": {"enum": ["upper", "any"], "default": "upper",
                         "description": "upper: codes must be upper case; any: case is ignored."},
                "allow": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                          "default": [], "description": "Extra two-letter codes to accept."},
            },
            python=_build_country, default_severity="medium", default_dimension="accuracy",
            example="id: shipping-country\ncheck: geo.country_code\nfields: [shipping.country, billing.country]\n"
                    "allow: [XK]\n",
            failing_record={"shipping": {"country": "UK"}, "billing": {"country": "GB"}},
        ),
    ]


__all__ = ["NULL_ISLAND", "specs"]
