"""What ``rfsrules plugins`` shows: loaded plugins, their versions, what each registers, and load problems."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import hookspecs

if TYPE_CHECKING:  # pragma: no cover
    from .manager import PluginManager

PLUGINS_FORMAT = "rfsrules.plugins/1"
"""Version tag of the JSON listing; keys are added, never renamed."""

KINDS = ("checks", "detectors", "channels", "templates", "engines")
_SOURCES = {"builtin": "built-in", "entry_point": "installed", "module": "ruleset module",
            "file": "ruleset file", "object": "registered object"}


def plugins_listing(manager: "PluginManager") -> dict[str, Any]:
    """The JSON-ready listing of a loaded manager (``rfsrules plugins --format json``).

    Keys: ``format``, ``rfsrules`` (version), ``plugin_api``, ``plugins`` (one entry per plugin in
    load order: name, kind, module, distribution, version, api, path, registers, hooks),
    ``errors`` (plugins that failed to load: plugin, hook, message) and ``conflicts`` (names
    registered twice: kind, name, first, second, message).
    """
    from .. import __version__

    return {
        "format": PLUGINS_FORMAT,
        "rfsrules": __version__,
        "plugin_api": hookspecs.PLUGIN_API_VERSION,
        "plugins": [info.to_dict() for info in manager.plugins],
        "errors": [{"plugin": e.plugin, "hook": e.hook, "message": str(e.cause)} for e in manager.load_errors],
        "conflicts": [{"kind": c.kind, "name": c.name, "first": c.first, "second": c.second,
                       "message": str(c)} for c in manager.conflicts],
    }


def render_json(listing: dict[str, Any]) -> str:
    """The listing as indented JSON with a trailing newline."""
    return json.dumps(listing, indent=2, ensure_ascii=False) + "\n"


def render_text(listing: dict[str, Any]) -> str:
    """The listing for people: one block per plugin, then load errors and conflicts."""
    lines = [f"rfsrules {listing['rfsrules']} (plugin API {listing['plugin_api']})", ""]
    for plugin in listing["plugins"]:
        version = f" {plugin['version']}" if plugin["version"] else ""
        origin = _SOURCES.get(plugin["kind"], plugin["kind"])
        detail = []
        if plugin["distribution"] and plugin["distribution"] != plugin["name"]:
            detail.append(f"from {plugin['distribution']}")
        if plugin["module"] and plugin["module"] != plugin["name"] and plugin["kind"] != "file":
            detail.append(f"module {plugin['module']}")
        if plugin["path"] and plugin["path"] != plugin["name"]:
            detail.append(f"file {plugin['path']}")
        suffix = f", {', '.join(detail)}" if detail else ""
        lines.append(f"{plugin['name']}{version} ({origin}{suffix})")
        registers = plugin["registers"]
        shown = False
        for kind in KINDS:
            names = registers.get(kind) or []
            if names:
                lines.append(f"    {kind}: {', '.join(names)}")
                shown = True
        other = [h for h in plugin["hooks"] if h not in hookspecs.REGISTRATION_HOOKS]
        if other:
            lines.append(f"    hooks: {', '.join(other)}")
            shown = True
        if not shown:
            lines.append("    (registers nothing)")
    if listing["errors"]:
        lines += ["", "failed to load:"]
        for err in listing["errors"]:
            lines.append(f"    {err['plugin']}: {err['hook']}: {err['message']}")
    if listing["conflicts"]:
        lines += ["", "conflicts (the first registration is used):"]
        for clash in listing["conflicts"]:
            lines.append(f"    {clash['message']}")
    return "\n".join(lines) + "\n"


def load_warnings(manager: "PluginManager") -> list[str]:
    """One line per plugin that failed to load, for ``rfsrules check`` to print on stderr."""
    return [f"warning: plugin {e.plugin!r} was not loaded ({e.hook}): {e.cause}" for e in manager.load_errors]


__all__ = ["KINDS", "PLUGINS_FORMAT", "load_warnings", "plugins_listing", "render_json", "render_text"]
