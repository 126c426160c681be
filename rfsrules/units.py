"""Durations (``30s``, ``1h30m``) and sizes (``512MiB``) as written in rulesets."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
}

DURATION_PATTERN = r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"
SIZE_PATTERN = r"^\d+(\.\d+)?\s*([KMGT]i?B|B)?$"


def parse_duration(value: str | int | float) -> float:
    """Seconds in a duration: a number (seconds) or ``1h30m``, ``30s``, ``250ms``, ``2d``, ``1w``."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"invalid duration {value!r}: negative")
        return float(value)
    text = str(value).strip()
    pos, total = 0, 0.0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            raise ValueError(f"invalid duration {value!r}: expected e.g. 30s, 5m, 1h, 1h30m, 2d")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if not text:
        raise ValueError("invalid duration ''")
    return total


def parse_size(value: str | int) -> int:
    """Bytes in a size: an integer (bytes) or ``512MiB``, ``1.5GB``, ``100KB``."""
    if isinstance(value, bool):
        raise ValueError(f"invalid size {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"invalid size {value!r}: negative")
        return int(value)
    m = _SIZE.fullmatch(str(value).strip())
    if not m:
        raise ValueError(f"invalid size {value!r}: expected e.g. 512MiB, 1GB, 100KB")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()])


def format_duration(seconds: float) -> str:
    """``3600`` -> ``1h``; ``90`` -> ``1m30s`` (whole seconds)."""
    s = int(round(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    return "".join(parts) or "0s"
