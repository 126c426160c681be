"""Report renderers: ``FORMATS`` maps a format name to ``render(report_or_reports, options) -> str``."""

from __future__ import annotations

from typing import Callable, Sequence

from ..errors import UnknownNameError
from ..report import Report
from . import json_format, junit, markdown, text
from .common import RenderOptions

Renderer = Callable[["Report | Sequence[Report]", "RenderOptions | None"], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "junit": junit.render,
    "markdown": markdown.render,
}
"""Every output format by name (``--format``). Each renderer is a pure function of the report(s)."""


def render(fmt: str, reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """Render ``reports`` in format ``fmt``; an unknown name raises UnknownNameError with did-you-mean."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise UnknownNameError("format", fmt, FORMATS) from None
    return renderer(reports, options)


__all__ = ["FORMATS", "RenderOptions", "Renderer", "render"]
