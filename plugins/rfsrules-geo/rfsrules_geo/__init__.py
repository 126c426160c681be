"""rfsrules-geo: checks for geographic data (latitudes, longitudes, points, bounding boxes, country codes)."""

from __future__ import annotations

from rfsrules import hookimpl

__version__ = "0.1.0"
RFSRULES_PLUGIN_API = 1
"""The rfsrules plugin API this package is written against."""


@hookimpl
def rfsrules_register_checks():
    """Register ``geo.latitude``, ``geo.longitude``, ``geo.coordinate_pair``, ``geo.coordinates``, ``geo.point_in_bbox`` and ``geo.country_code``."""
    from .checks import specs

    return specs()
