"""Report renderers: ``FORMATS`` maps a format name to ``render(report_or_reports, options) -> str``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import UnknownNameError
from .common import RenderOptions

if TYPE_CHECKING:
    from ..report import Report

Renderer = Callable[["Report | Sequence[Report]", "RenderOptions | None"], str]

_MODULES = {"text": "text", "json": "json_format", "junit": "junit", "markdown": "markdown"}


def _renderer(fmt: str) -> Renderer:
    """The ``render`` function of format ``fmt``; its module is imported on first use only."""
    module = f"{__name__}.{_MODULES[fmt]}"

    def render_format(reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
        return importlib.import_module(module).render(reports, options)

    render_format.__name__ = render_format.__qualname__ = f"render_{fmt}"
    render_format.__doc__ = f"Render in the {fmt} format (``{module}.render``)."
    return render_format


FORMATS: dict[str, Renderer] = {fmt: _renderer(fmt) for fmt in _MODULES}
"""Every output format by name (``--format``). Each renderer is a pure function of the report(s)."""


def render(fmt: str, reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """Render ``reports`` in format ``fmt``; an unknown name raises UnknownNameError with did-you-mean."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise UnknownNameError("format", fmt, FORMATS) from None
    return renderer(reports, options)


__all__ = ["FORMATS", "RenderOptions", "Renderer", "render"]
