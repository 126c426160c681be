"""The machine-readable JSON report (``rfsrules.report/1``; ``rfsrules.reports/1`` for several)."""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

import orjson

from ..report import Report
from .common import RenderOptions

REPORTS_FORMAT = "rfsrules.reports/1"
"""Version tag of the wrapper object holding one report per file (``--per-file``)."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def render(reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """``report.to_dict(max_examples)`` as indented JSON; a sequence becomes ``{"format": ..., "reports": [...]}``."""
    return dumps(to_data(reports, options or RenderOptions()))


def to_data(reports: Report | Sequence[Report], options: RenderOptions) -> dict[str, Any]:
    """The plain data the JSON format serialises."""
    if isinstance(reports, Report):
        return reports.to_dict(options.max_examples)
    return {"format": REPORTS_FORMAT, "reports": [r.to_dict(options.max_examples) for r in reports]}


def dumps(data: Any) -> str:
    """Indented JSON (two spaces, keys in insertion order) ending with a newline.

    orjson is used when it can; integers beyond 64 bits and strings holding lone surrogates (possible
    from ``\\ud800`` escapes in the data) fall back to the standard library, with each lone surrogate
    written as its ``\\uXXXX`` escape so that the document is valid UTF-8 JSON.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
