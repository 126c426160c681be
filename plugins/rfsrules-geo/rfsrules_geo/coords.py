"""Reading coordinates as they appear in data: numbers, numeric strings, pairs, objects and GeoJSON points."""

from __future__ import annotations

import csv
import io
import math
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, Sequence

LAT_KEYS = ("lat", "latitude")
LON_KEYS = ("lon", "lng", "long", "longitude")


def as_number(value: Any, *, allow_strings: bool = False) -> float | None:
    """``value`` as a finite float, or None when it is not a number (bool is not; NaN/inf are not).

    With ``allow_strings``, numeric strings (``"52.52"``) are read too.
    """
    if type(value) is bool:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif allow_strings and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_point(value: Any, *, order: str = "lon_lat", allow_strings: bool = False
                ) -> tuple[float, float] | str:
    """``(lat, lon)`` from a pair, an object or a GeoJSON Point, or an error message.

    Pairs (2 or 3 numbers, the third being altitude) are read in ``order`` (``lon_lat`` as in
    GeoJSON, or ``lat_lon``); objects use ``lat``/``latitude`` and ``lon``/``lng``/``long``/
    ``longitude``; a GeoJSON ``{"type": "Point", "coordinates": [lon, lat]}`` is always lon, lat.
    """
    if isinstance(value, Mapping):
        if value.get("type") == "Point" and "coordinates" in value:
            return parse_point(value["coordinates"], order="lon_lat", allow_strings=allow_strings)
        lat_key = next((k for k in LAT_KEYS if k in value), None)
        lon_key = next((k for k in LON_KEYS if k in value), None)
        if lat_key is None or lon_key is None:
            return "expected an object with lat and lon (or latitude and longitude) keys"
        lat = as_number(value[lat_key], allow_strings=allow_strings)
        lon = as_number(value[lon_key], allow_strings=allow_strings)
        if lat is None or lon is None:
            return f"{lat_key} and {lon_key} must be numbers"
        return lat, lon
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) not in (2, 3):
            return f"expected a pair of coordinates, got {len(value)} values"
        first = as_number(value[0], allow_strings=allow_strings)
        second = as_number(value[1], allow_strings=allow_strings)
        if first is None or second is None:
            return "coordinates must be numbers"
        return (second, first) if order == "lon_lat" else (first, second)
    return f"expected a coordinate pair, an object or a GeoJSON Point, got {type(value).__name__}"


def latitude_problem(lat: float) -> str | None:
    """Why ``lat`` is not a latitude, or None."""
    return None if -90.0 <= lat <= 90.0 else f"latitude {lat:g} is outside -90..90"


def longitude_problem(lon: float) -> str | None:
    """Why ``lon`` is not a longitude, or None."""
    return None if -180.0 <= lon <= 180.0 else f"longitude {lon:g} is outside -180..180"


def in_bbox(lat: float, lon: float, bbox: Sequence[float]) -> bool:
    """True when the point lies in ``bbox = [min_lon, min_lat, max_lon, max_lat]`` (GeoJSON order).

    A box whose ``min_lon`` is greater than its ``max_lon`` crosses the antimeridian.
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lat <= lat <= max_lat):
        return False
    if min_lon <= max_lon:
        return min_lon <= lon <= max_lon
    return lon >= min_lon or lon <= max_lon


def bbox_problems(bbox: Any) -> list[str]:
    """What is wrong with a bounding box parameter (empty when it is usable)."""
    if not isinstance(bbox, Sequence) or isinstance(bbox, str) or len(bbox) != 4:
        return ["bbox must be [min_lon, min_lat, max_lon, max_lat]"]
    numbers = [as_number(v) for v in bbox]
    if any(n is None for n in numbers):
        return ["bbox values must be finite numbers"]
    min_lon, min_lat, max_lon, max_lat = numbers
    out = [p for p in (longitude_problem(min_lon), latitude_problem(min_lat), longitude_problem(max_lon),
                       latitude_problem(max_lat)) if p]
    if min_lat > max_lat:
        out.append(f"bbox min_lat {min_lat:g} is greater than max_lat {max_lat:g}")
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name, from the table shipped with the package."""
    text = resources.files("rfsrules_geo").joinpath("data/iso3166-1.csv").read_text(encoding="utf-8")
    return {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(text))}


COMMON_MISTAKES = {
    "UK": "the United Kingdom's code is GB",
    "EL": "Greece's code is GR (EL is the EU's own abbreviation)",
    "EU": "EU is not a country (it is only exceptionally reserved)",
}
"""Codes people often write that are not ISO 3166-1 alpha-2 assignments, with a hint."""


__all__ = [
    "COMMON_MISTAKES", "LAT_KEYS", "LON_KEYS", "as_number", "bbox_problems", "countries", "in_bbox",
    "latitude_problem", "longitude_problem", "parse_point",
]
