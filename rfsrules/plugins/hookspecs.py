"""Hook specifications: every extension point of rfsrules, grouped by phase.

Registration hooks return lists of objects; the manager merges them, tags each with the
name of the plugin that registered it and reports clashes naming both plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from ..checks.spec import CheckSpec
    from ..engines.api import EngineSpec

PROJECT = "rfsrules"
PLUGIN_API_VERSION = 1
"""Version of the hook API. A plugin module may set ``RFSRULES_PLUGIN_API = 1``; a higher value is rejected."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- registration -------------------------------------------------------------------------------

@hookspec
def rfsrules_register_checks() -> "list[CheckSpec]":
    """Register checks usable from YAML as ``check: <name>``.

    Called once when the plugin manager loads. Return a list of :class:`rfsrules.CheckSpec`.
    Third-party names should be namespaced (``pii.email_masked``).

    Example::

        @hookimpl
        def rfsrules_register_checks():
            return [CheckSpec(name="pii.email_masked", level="value", summary="...", python=build)]

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_register_engines() -> "list[EngineSpec]":
    """Register engines selectable with ``--engine NAME``.

    Called once when the plugin manager loads. Return a list of :class:`rfsrules.engines.api.EngineSpec`.

    Example::

        @hookimpl
        def rfsrules_register_engines():
            return [EngineSpec(name="python", factory=PythonEngine, summary="reference engine")]

    .. versionadded:: 0.1
    """
