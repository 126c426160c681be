"""The built-in check catalogue: presence, value, record and batch checks, registered as plugins."""

from __future__ import annotations

import importlib

from ..spec import CheckRegistry


def builtin_check_modules() -> tuple[str, ...]:
    """The built-in plugin modules that register checks (taken from the manager's DEFAULT_PLUGINS)."""
    from ...plugins.manager import DEFAULT_PLUGINS

    return tuple(m for m in DEFAULT_PLUGINS if m.startswith(__name__ + "."))


def builtin_registry() -> CheckRegistry:
    """A registry of the built-in checks only, each tagged with its module as the manager tags it.

    Unlike ``default_registry()`` it ignores installed plugins, so ``docs/checks.md`` renders the same
    everywhere.
    """
    registry = CheckRegistry()
    for name in builtin_check_modules():
        for spec in importlib.import_module(name).rfsrules_register_checks():
            registry.add(spec.with_plugin(name))
    return registry
