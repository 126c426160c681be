"""The plugin manager: loads built-in and installed plugins and merges what they register."""

from __future__ import annotations

import importlib
import itertools
import os
import re
import types
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, MutableMapping

import pluggy

from ..checks.spec import CheckRegistry, CheckSpec
from ..engines.api import EngineSpec
from ..errors import PluginError, RfsrulesError, UnknownNameError, did_you_mean
from . import hookspecs
from .guard import guard_check
from .specs import ChannelSpec, DetectorSpec, TemplateSpec

DEFAULT_PLUGINS = (
    "rfsrules.checks.builtin.presence",
    "rfsrules.checks.builtin.values",
    "rfsrules.checks.builtin.records",
    "rfsrules.checks.builtin.batch",
    "rfsrules.engines.python",
    "rfsrules.engines.duckdb",
)
"""Built-ins are plugins too; they are registered through the same hooks as third-party ones."""

ENTRY_POINT_GROUP = "rfsrules"

ENV_DISABLE = "RFSRULES_DISABLE_PLUGINS"
ENV_NO_PLUGINS = "RFSRULES_NO_PLUGINS"
ENV_TRACE = "RFSRULES_TRACE_PLUGINS"

_SPEC_TYPES = {
    "checks": CheckSpec,
    "engines": EngineSpec,
    "detectors": DetectorSpec,
    "channels": ChannelSpec,
    "templates": TemplateSpec,
}
_SINGULAR = {"checks": "check", "engines": "engine", "detectors": "detector",
             "channels": "channel", "templates": "template set"}
_load_ids = itertools.count(1)


class PluginNameClash(PluginError):
    """Two plugins registered something (check, engine, ...) under the same name."""

    def __init__(self, kind: str, name: str, first: str, second: str):
        self.kind, self.name, self.first, self.second = kind, name, first, second
        message = f"{kind} {name!r} is registered by both plugin {first!r} and plugin {second!r}"
        RfsrulesError.__init__(self, message)
        self.plugin, self.hook, self.cause = second, f"rfsrules_register_{kind.split()[0]}s", message

    def __str__(self) -> str:
        return self.args[0]


@dataclass
class PluginInfo:
    """One loaded plugin: where it came from and what it registered (shown by ``rfsrules plugins``).

    ``kind`` is ``builtin``, ``entry_point``, ``module`` (named in a ruleset's ``plugins:``),
    ``file`` (a local ``.py`` file) or ``object`` (registered directly, e.g. in tests).
    ``registered`` maps ``checks``/``engines``/``detectors``/``channels``/``templates`` to sorted names.
    """

    name: str
    kind: str
    module: str | None = None
    distribution: str | None = None
    version: str | None = None
    api: int = hookspecs.PLUGIN_API_VERSION
    path: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)
    hooks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``rfsrules plugins --format json`` entry)."""
        return {
            "name": self.name, "kind": self.kind, "module": self.module,
            "distribution": self.distribution, "version": self.version, "api": self.api,
            "path": self.path,
            "registers": {k: list(self.registered.get(k, [])) for k in _SPEC_TYPES},
            "hooks": list(self.hooks),
        }


class PluginManager:
    """Wraps a ``pluggy.PluginManager``; call :meth:`load` to (re)load everything explicitly.

    :param disabled: plugin names not to load (entry-point name, distribution name or module);
        ``RFSRULES_DISABLE_PLUGINS=a,b`` adds to it. Built-ins cannot be disabled.
    :param entry_points: False (``--no-plugins``, ``RFSRULES_NO_PLUGINS=1``) skips installed plugins.
    :param extra_modules: importable module names (or entry-point names) to load as well.
    :param extra_files: paths of local ``.py`` plugin files to load as well.
    :param extra_plugins: plugin objects (modules, instances) to register as well.
    :param base: start from the plugins of this loaded manager instead of discovering them again.
    :param strict: a name registered twice raises :class:`PluginNameClash` (else it is only recorded
        in :attr:`conflicts` and the first registration wins).
    :param env: the environment to read (``os.environ`` by default).
    :param builtins: the built-in plugin modules (:data:`DEFAULT_PLUGINS`; tests may narrow it).

    After :meth:`load`: :attr:`checks` (a ``CheckRegistry``), :attr:`engines`, :attr:`detectors`,
    :attr:`channels`, :attr:`templates` (dicts by name, each object tagged with its plugin),
    :attr:`plugins` (``PluginInfo`` list in load order), :attr:`load_errors` (installed plugins that
    could not be loaded, as ``PluginError`` naming the entry point) and :attr:`conflicts`.
    """

    def __init__(self, *, disabled: Iterable[str] = (), entry_points: bool = True,
                 extra_modules: Iterable[str] = (), extra_files: Iterable[str] = (),
                 extra_plugins: Iterable[object] = (), base: "PluginManager | None" = None,
                 strict: bool = True, env: Mapping[str, str] | None = None,
                 builtins: Iterable[str] = DEFAULT_PLUGINS):
        env = os.environ if env is None else env
        self.builtins = tuple(builtins)
        from_env = env.get(ENV_DISABLE, "")
        self.disabled = {d.strip() for d in from_env.split(",") if d.strip()} | {str(d) for d in disabled}
        self.use_entry_points = entry_points and env.get(ENV_NO_PLUGINS, "") in ("", "0")
        self.trace = env.get(ENV_TRACE, "") not in ("", "0")
        self.extra_modules = tuple(extra_modules)
        self.extra_files = tuple(str(f) for f in extra_files)
        self.extra_plugins = tuple(extra_plugins)
        self.base = base
        self.strict = strict
        self.pm: pluggy.PluginManager | None = None
        self.load_id = 0
        self.checks = CheckRegistry()
        self.engines: dict[str, EngineSpec] = {}
        self.detectors: dict[str, DetectorSpec] = {}
        self.channels: dict[str, ChannelSpec] = {}
        self.templates: dict[str, TemplateSpec] = {}
        self.plugins: list[PluginInfo] = []
        self.load_errors: list[PluginError] = []
        self.conflicts: list[PluginNameClash] = []
        self._objects: dict[str, object] = {}

    # --- loading ----------------------------------------------------------------------------------

    def load(self) -> "PluginManager":
        """Reset, then register built-ins, entry points (minus disabled ones) and the extra plugins.

        A broken installed plugin (import error, newer plugin API, bad hook, failing registration
        hook) is skipped and recorded in :attr:`load_errors`; a broken built-in or explicitly
        requested plugin raises :class:`~rfsrules.errors.PluginError`.
        """
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        self.pm = pm
        self.load_id = next(_load_ids)
        self.plugins, self.load_errors, self.conflicts, self._objects = [], [], [], {}
        if self.base is not None:
            if self.base.pm is None:
                self.base.load()
            for info in self.base.plugins:
                self._register(self.base._objects[info.name], replace(info, registered={}))
        else:
            for modname in self.builtins:
                module = importlib.import_module(modname)
                self._register(module, PluginInfo(modname, "builtin", module=modname,
                                                  distribution="rfsrules", version=_rfsrules_version()))
            if self.use_entry_points:
                self._load_entry_points()
        for modname in self.extra_modules:
            self._load_named(modname)
        for path in self.extra_files:
            from .local import load_plugin_file

            module, display = load_plugin_file(path)
            self._register(module, PluginInfo(display, "file", module=module.__name__, path=path,
                                              version=_module_version(module)))
        for obj in self.extra_plugins:
            name = getattr(obj, "__name__", None) or type(obj).__name__
            module = name if isinstance(obj, types.ModuleType) else type(obj).__module__
            self._register(obj, PluginInfo(name, "object", module=module, version=_module_version(obj)))
        if self.trace:
            pm.trace.root.setwriter(lambda msg: os.write(2, msg.encode()))
            pm.enable_tracing()
        self._collect()
        return self

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else None
            names = {ep.name, ep.module, dist_name}
            if self.disabled & {n for n in names if n}:
                continue
            if ep.name in self._objects:
                first = self.plugins[[i.name for i in self.plugins].index(ep.name)]
                self.load_errors.append(PluginError(ep.name, "load", (
                    f"entry point name {ep.name!r} of {dist_name or ep.value!r} is already used by "
                    f"{first.distribution or first.module!r}")))
                continue
            try:
                plugin = ep.load()
            except (Exception, SystemExit) as exc:  # a broken plugin must not take the others down
                self.load_errors.append(PluginError(ep.name, "import", f"{type(exc).__name__}: {exc}"))
                continue
            info = PluginInfo(ep.name, "entry_point", module=ep.module, distribution=dist_name,
                              version=dist.version if dist is not None else _module_version(plugin))
            try:
                self._register(plugin, info)
            except PluginError as exc:
                self.load_errors.append(exc)

    def _load_named(self, name: str) -> None:
        """Load a plugin named in a ruleset: an installed entry point's name, else a module name."""
        if name in self._objects:
            return
        if name in self.disabled:
            raise PluginError(name, "load", f"plugin {name!r} is disabled ({ENV_DISABLE} or "
                                            "--disable-plugin) but was requested explicitly")
        from importlib.metadata import entry_points

        eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        try:
            plugin = eps[0].load() if eps else importlib.import_module(name)
        except (Exception, SystemExit) as exc:  # sys.exit() on import is a broken plugin, not an exit
            raise PluginError(name, "import", f"{type(exc).__name__}: {exc}") from exc
        if self._name_of(plugin) is not None:
            return
        if eps:
            dist = getattr(eps[0], "dist", None)
            info = PluginInfo(name, "entry_point", module=eps[0].module,
                              distribution=dist.metadata["Name"] if dist is not None else None,
                              version=dist.version if dist is not None else _module_version(plugin))
        else:
            info = PluginInfo(name, "module", module=name, version=_module_version(plugin))
        self._register(plugin, info)

    def _name_of(self, plugin: object) -> str | None:
        for name, obj in self._objects.items():
            if obj is plugin:
                return name
        return None

    def _register(self, plugin: object, info: PluginInfo) -> None:
        """Check the plugin API version and hook names, then register ``plugin`` as ``info.name``."""
        assert self.pm is not None
        if self._name_of(plugin) is not None:
            return
        if info.name in self._objects:
            raise PluginError(info.name, "load", f"plugin name {info.name!r} is already in use")
        api = getattr(plugin, "RFSRULES_PLUGIN_API", hookspecs.PLUGIN_API_VERSION)
        if type(api) is not int or api < 1:
            raise PluginError(info.name, "load", f"RFSRULES_PLUGIN_API must be a positive integer, got {api!r}")
        if api > hookspecs.PLUGIN_API_VERSION:
            raise PluginError(info.name, "load", (
                f"plugin requires rfsrules plugin API {api}, but rfsrules {_rfsrules_version()} "
                f"provides API {hookspecs.PLUGIN_API_VERSION}; upgrade rfsrules or use an older "
                f"version of {info.distribution or info.name!r}"))
        try:
            self.pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(info.name, "register", "; ".join(str(exc).splitlines())) from None
        known = [n for n in dir(hookspecs) if n.startswith("rfsrules_")]
        hooks = []
        for caller in self.pm.get_hookcallers(plugin) or []:
            if not caller.has_spec():
                optional = any(i.plugin is plugin and i.optionalhook for i in caller.get_hookimpls())
                if optional:
                    continue
                self.pm.unregister(plugin)
                hint = did_you_mean(caller.name, known)
                extra = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
                raise PluginError(info.name, caller.name, f"unknown hook {caller.name!r}{extra}")
            hooks.append(caller.name)
        info.api = api
        info.hooks = sorted(hooks)
        self._objects[info.name] = plugin
        self.plugins.append(info)

    def _drop(self, info: PluginInfo) -> None:
        assert self.pm is not None
        self.pm.unregister(self._objects.pop(info.name))
        self.plugins.remove(info)

    def _collect(self) -> None:
        """Call every registration hook plugin by plugin (load order) and merge the results."""
        assert self.pm is not None
        self.checks = CheckRegistry()
        stores: dict[str, dict[str, Any]] = {kind: {} for kind in _SPEC_TYPES}
        for info in list(self.plugins):
            plugin = self._objects[info.name]
            try:
                found = self._registrations(info.name, plugin, builtin=info.kind == "builtin")
            except PluginError as exc:
                if info.kind != "entry_point":
                    raise
                self.load_errors.append(exc)
                self._drop(info)
                continue
            for kind, items in found.items():
                store = stores[kind]
                for item in items:
                    if item.name in store:
                        clash = PluginNameClash(_SINGULAR[kind], item.name, store[item.name].plugin, info.name)
                        if self.strict:
                            raise clash
                        self.conflicts.append(clash)
                        continue
                    store[item.name] = item
                info.registered[kind] = sorted(i.name for i in items)
        for spec in stores["checks"].values():
            self.checks.add(spec)
        self.engines = stores["engines"]
        self.detectors = stores["detectors"]
        self.channels = stores["channels"]
        self.templates = stores["templates"]

    def _registrations(self, name: str, plugin: object, builtin: bool = False) -> dict[str, list[Any]]:
        """What ``plugin`` registers, by kind; checks of plugins that are not built in get guarded
        Python implementations (:mod:`rfsrules.plugins.guard`)."""
        assert self.pm is not None
        found: dict[str, list[Any]] = {}
        for hook_name, kind in hookspecs.REGISTRATION_HOOKS.items():
            impls = [i for i in getattr(self.pm.hook, hook_name).get_hookimpls()
                     if i.plugin is plugin and not (i.hookwrapper or i.wrapper)]
            for impl in impls:
                try:
                    result = impl.function()
                except Exception as exc:
                    raise PluginError(name, hook_name, f"{type(exc).__name__}: {exc}") from exc
                if result is None:
                    continue
                if not isinstance(result, (list, tuple)):
                    raise PluginError(name, hook_name, f"must return a list, got {type(result).__name__}")
                expected = _SPEC_TYPES[kind]
                for item in result:
                    if not isinstance(item, expected):
                        raise PluginError(name, hook_name,
                                          f"returned a {type(item).__name__}, expected {expected.__name__}")
                    problem = _declaration_problem(kind, item) or _params_schema_problem(item)
                    if problem:
                        raise PluginError(name, hook_name, f"{_SINGULAR[kind]} {item.name!r}: {problem}")
                    item = _tag(item, name)
                    if kind == "checks" and not builtin:
                        item = guard_check(item)
                    found.setdefault(kind, []).append(item)
        return found

    def derive(self, *, extra_modules: Iterable[str] = (), extra_files: Iterable[str] = (),
               extra_plugins: Iterable[object] = ()) -> "PluginManager":
        """A new loaded manager with this one's plugins plus the given extra ones (same strictness)."""
        if self.pm is None:
            self.load()
        return PluginManager(base=self, disabled=self.disabled, extra_modules=extra_modules,
                             extra_files=extra_files, extra_plugins=extra_plugins, strict=self.strict,
                             env={ENV_TRACE: "1"} if self.trace else {}).load()

    # --- lookups ----------------------------------------------------------------------------------

    @property
    def hook(self):
        """The pluggy hook relay (``manager.hook.rfsrules_batch_checked(report=..., ruleset=...)``)."""
        if self.pm is None:
            self.load()
        assert self.pm is not None
        return self.pm.hook

    def plugin(self, name: str) -> PluginInfo:
        """The loaded plugin called ``name``; UnknownNameError (did-you-mean) when there is none."""
        for info in self.plugins:
            if info.name == name:
                return info
        raise UnknownNameError("plugin", name, [i.name for i in self.plugins])

    def engine(self, name: str):
        """Instantiate the engine registered as ``name``."""
        try:
            spec = self.engines[name]
        except KeyError:
            raise UnknownNameError("engine", name, self.engines) from None
        return self.build_engine(spec, self.checks)

    def build_engine(self, spec: EngineSpec, registry: CheckRegistry):
        """``spec.factory(registry)``; a plugin's engine that fails to build (its driver is not
        installed, say) raises a PluginError naming the plugin and the engine, not an internal error."""
        if self._is_builtin(spec.plugin):
            return spec.factory(registry)
        try:
            engine = spec.factory(registry)
        except RfsrulesError:
            raise
        except Exception as exc:
            hint = ""
            if spec.extra:
                info = next((i for i in self.plugins if i.name == spec.plugin), None)
                dist = (info.distribution if info is not None else None) or spec.plugin
                hint = f" (the engine needs the extra {spec.extra!r}: pip install '{dist}[{spec.extra}]')"
            raise PluginError(spec.plugin, f"engine {spec.name!r}",
                              f"{type(exc).__name__}: {exc}{hint}") from exc
        return engine

    def _is_builtin(self, plugin: str) -> bool:
        return any(i.name == plugin and i.kind == "builtin" for i in self.plugins)

    def detector(self, name: str) -> DetectorSpec:
        """The anomaly detector registered as ``name`` (UnknownNameError with did-you-mean)."""
        return _lookup("detector", self.detectors, name)

    def channel(self, name: str) -> ChannelSpec:
        """The alert channel registered as ``name`` (UnknownNameError with did-you-mean)."""
        return _lookup("channel", self.channels, name)

    def template_loader(self):
        """A ``jinja2.PrefixLoader`` serving every registered template set as ``<name>/<template>``."""
        import jinja2

        return jinja2.PrefixLoader({name: spec.jinja_loader() for name, spec in self.templates.items()})

    # --- lifecycle hooks --------------------------------------------------------------------------

    def notify_ruleset_loaded(self, ruleset) -> None:
        """Fire ``rfsrules_ruleset_loaded``; an exception in a plugin becomes PluginError naming it."""
        self._call("rfsrules_ruleset_loaded", ruleset=ruleset)

    def notify_batch_checked(self, report, ruleset) -> None:
        """Fire ``rfsrules_batch_checked`` after a report is complete and gated."""
        self._call("rfsrules_batch_checked", report=report, ruleset=ruleset)

    def prepare_alert(self, alert: MutableMapping[str, Any], channel: str) -> bool:
        """Fire ``rfsrules_alert_before_send``; True when the (possibly enriched) alert should be sent."""
        return self._call("rfsrules_alert_before_send", alert=alert, channel=channel) is not False

    def notify_report_rendered(self, report, format: str, output: str) -> None:
        """Fire ``rfsrules_report_rendered`` after a report was rendered to ``format``."""
        self._call("rfsrules_report_rendered", report=report, format=format, output=output)

    def _call(self, hook_name: str, **kwargs: Any) -> Any:
        caller = getattr(self.hook, hook_name)
        try:
            return caller(**kwargs)
        except Exception as exc:
            culprit = _blame(exc, caller.get_hookimpls(), self.pm)
            raise PluginError(culprit, hook_name, f"{type(exc).__name__}: {exc}") from exc


def _tag(item: Any, plugin: str) -> Any:
    return item.with_plugin(plugin) if hasattr(item, "with_plugin") else replace(item, plugin=plugin)


NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$")
"""What a registered check, engine, detector or channel may be called (``range``, ``pii.email_masked``)."""


def _declaration_problem(kind: str, item: Any) -> str | None:
    """Why a declaration cannot be used (a name YAML and ``--engine`` cannot spell, a builder that
    cannot be called), or None."""
    if kind != "templates" and (not isinstance(item.name, str) or not NAME.match(item.name)):
        return ("invalid name: use letters, digits, '_' and '-', in dot-separated parts "
                "starting with a letter or '_' (such as 'acme.even_numbers')")
    builder = {"checks": "python", "engines": "factory", "detectors": "factory", "channels": "factory"}.get(kind)
    if builder is not None and not callable(getattr(item, builder)):
        return f"{builder} must be callable, got {type(getattr(item, builder)).__name__}"
    return None


def _params_schema_problem(item: Any) -> str | None:
    """Why a declaration's parameters JSON Schema is unusable (so lint never crashes on it), or None."""
    if not hasattr(item, "params_schema"):
        return None
    from ..ruleset.quickschema import is_valid_schema

    schema = item.params_schema()
    if is_valid_schema(schema):  # certainly accepted by check_schema: no need to import jsonschema
        return None
    import json

    import jsonschema

    key = json.dumps(schema, sort_keys=True, default=repr)
    if key in _valid_schemas:
        return None
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        return f"invalid params schema{f' at {where}' if where else ''}: {exc.message}"
    _valid_schemas.add(key)
    return None


_valid_schemas: set[str] = set()


def _lookup(kind: str, store: Mapping[str, Any], name: str) -> Any:
    try:
        return store[name]
    except KeyError:
        raise UnknownNameError(kind, name, store) from None


def _blame(exc: BaseException, impls, pm) -> str:
    """The name of the plugin whose hook implementation raised ``exc`` (from the traceback)."""
    codes = {getattr(i.function, "__code__", None): i.plugin for i in impls}
    tb = exc.__traceback__
    while tb is not None:
        plugin = codes.get(tb.tb_frame.f_code)
        if plugin is not None:
            return pm.get_name(plugin) or repr(plugin)
        tb = tb.tb_next
    return "unknown plugin"


def _rfsrules_version() -> str:
    from .. import __version__

    return __version__


def _module_version(obj: object) -> str | None:
    version = getattr(obj, "__version__", None)
    return str(version) if version is not None else None


_default: PluginManager | None = None
_config: dict[str, Any] = {"disabled": (), "entry_points": True}


def configure_plugins(*, disabled: Iterable[str] = (), no_plugins: bool = False) -> None:
    """Set how the process-wide manager loads (CLI ``--disable-plugin``/``-p no:NAME``, ``--no-plugins``).

    Resets the process-wide manager; it is loaded again, with these settings, on next use.
    """
    global _default
    _config["disabled"] = tuple(parse_disable_options(disabled))
    _config["entry_points"] = not no_plugins
    _default = None


def plugin_config() -> dict[str, Any]:
    """The settings :func:`configure_plugins` last set (keyword arguments for ``PluginManager``)."""
    return dict(_config)


def parse_disable_options(values: Iterable[str]) -> list[str]:
    """``["no:pii", "geo,other"]`` -> ``["pii", "geo", "other"]`` (pytest's ``-p no:NAME`` spelling)."""
    out = []
    for value in values:
        for part in re.split(r"[,\s]+", str(value)):
            part = part[3:] if part.startswith("no:") else part
            if part:
                out.append(part)
    return out


def get_plugin_manager() -> PluginManager:
    """The process-wide manager, loaded on first use (not at import time)."""
    global _default
    if _default is None:
        _default = PluginManager(**_config).load()
    return _default


def set_plugin_manager(manager: PluginManager | None) -> None:
    """Replace the process-wide manager (tests, ``--disable-plugin``); None resets to lazy default."""
    global _default
    _default = manager


def default_registry() -> CheckRegistry:
    """The check registry of the process-wide manager."""
    return get_plugin_manager().checks


__all__ = [
    "DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "CheckSpec", "PluginInfo", "PluginManager", "PluginNameClash",
    "configure_plugins", "default_registry", "get_plugin_manager", "hookimpl", "parse_disable_options",
    "plugin_config", "rfsrules_register_checks", "rfsrules_register_engines", "set_plugin_manager",
]


def __getattr__(name: str) -> Any:
    # Keep ``from rfsrules.plugins.manager import hookimpl`` (and the hook names) working.
    if name == "hookimpl" or name.startswith("rfsrules_"):
        return getattr(hookspecs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
