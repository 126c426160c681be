"""The plugin manager: loads built-in and installed plugins and merges what they register."""

from __future__ import annotations

import importlib
import os
from typing import Iterable

import pluggy

from ..checks.spec import CheckRegistry, CheckSpec
from ..engines.api import EngineSpec
from ..errors import PluginError, UnknownNameError
from . import hookspecs

DEFAULT_PLUGINS = (
    "rfsrules.checks.builtin.presence",
    "rfsrules.checks.builtin.values",
    "rfsrules.checks.builtin.records",
    "rfsrules.checks.builtin.batch",
    "rfsrules.engines.python",
)
"""Built-ins are plugins too; they are registered through the same hooks as third-party ones."""

ENTRY_POINT_GROUP = "rfsrules"


class PluginManager:
    """Wraps a ``pluggy.PluginManager``; call :meth:`load` to (re)load everything explicitly."""

    def __init__(self, *, disabled: Iterable[str] = (), entry_points: bool = True,
                 extra_modules: Iterable[str] = ()):
        env = os.environ.get("RFSRULES_DISABLE_PLUGINS", "")
        self.disabled = {d.strip() for d in env.split(",") if d.strip()} | set(disabled)
        self.use_entry_points = entry_points and os.environ.get("RFSRULES_NO_PLUGINS") != "1"
        self.extra_modules = tuple(extra_modules)
        self.pm: pluggy.PluginManager | None = None
        self.checks = CheckRegistry()
        self.engines: dict[str, EngineSpec] = {}
        self.load_errors: list[PluginError] = []

    def load(self) -> "PluginManager":
        """Reset, register default plugins, entry points (minus disabled ones) and extra modules."""
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        self.load_errors = []
        for modname in DEFAULT_PLUGINS:
            pm.register(importlib.import_module(modname), name=modname)
        if self.use_entry_points:
            from importlib.metadata import entry_points

            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name in self.disabled or pm.get_plugin(ep.name) is not None:
                    continue
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not take the others down
                    self.load_errors.append(PluginError(ep.name, "import", f"{type(exc).__name__}: {exc}"))
                    continue
                pm.register(plugin, name=ep.name)
        for modname in self.extra_modules:
            if pm.get_plugin(modname) is None:
                pm.register(importlib.import_module(modname), name=modname)
        if os.environ.get("RFSRULES_TRACE_PLUGINS") == "1":
            pm.trace.root.setwriter(lambda msg: os.write(2, msg.encode()))
            pm.enable_tracing()
        pm.check_pending()
        self.pm = pm
        self._collect()
        return self

    def _collect(self) -> None:
        assert self.pm is not None
        self.checks = CheckRegistry()
        self.engines = {}
        for impl in reversed(self.pm.hook.rfsrules_register_checks.get_hookimpls()):
            name = self.pm.get_name(impl.plugin) or repr(impl.plugin)
            for spec in impl.function() or []:
                self.checks.add(spec.with_plugin(name))
        for impl in reversed(self.pm.hook.rfsrules_register_engines.get_hookimpls()):
            name = self.pm.get_name(impl.plugin) or repr(impl.plugin)
            for spec in impl.function() or []:
                if spec.name in self.engines:
                    raise PluginError(name, "rfsrules_register_engines",
                                      f"engine {spec.name!r} is already registered by {self.engines[spec.name].plugin!r}")
                self.engines[spec.name] = spec

    def engine(self, name: str):
        """Instantiate the engine registered as ``name``."""
        try:
            spec = self.engines[name]
        except KeyError:
            raise UnknownNameError("engine", name, self.engines) from None
        return spec.factory(self.checks)


_default: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide manager, loaded on first use (not at import time)."""
    global _default
    if _default is None:
        _default = PluginManager().load()
    return _default


def set_plugin_manager(manager: PluginManager | None) -> None:
    """Replace the process-wide manager (tests, ``--disable-plugin``); None resets to lazy default."""
    global _default
    _default = manager


def default_registry() -> CheckRegistry:
    """The check registry of the process-wide manager."""
    return get_plugin_manager().checks


__all__ = ["PluginManager", "get_plugin_manager", "set_plugin_manager", "default_registry", "CheckSpec"]
