"""Project-local plugins: a ruleset's ``plugins:`` list of importable modules or ``.py`` files next to it.

The loader resolves the list once (:func:`resolve_plugin_refs`: file paths become absolute, and may
not leave the ruleset's directory) and stores the result in ``Ruleset.plugins``; whoever needs the
checks of those plugins asks :func:`manager_with_plugins` for a manager that has them on top of the
process-wide plugins. Managers and loaded files are cached, so repeated calls are cheap.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from ..errors import PluginError, RfsrulesError

if TYPE_CHECKING:  # pragma: no cover
    from ..checks.spec import CheckRegistry
    from ..ruleset.model import Ruleset
    from .manager import PluginManager

MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")

_files: dict[tuple[str, int, int], tuple[types.ModuleType, str]] = {}
_managers: dict[tuple, "PluginManager"] = {}
_MAX_CACHED_MANAGERS = 16


class PluginRefError(PluginError):
    """Entries of a ruleset's ``plugins:`` list that cannot be used.

    ``problems`` is a list of ``(index, message)``: the 0-based position of the entry in the list
    (so a loader can point at its line and column) and what is wrong with it.
    """

    def __init__(self, refs: Sequence[str], problems: Sequence[tuple[int, str]]):
        self.refs, self.problems = tuple(refs), sorted(problems)
        first = self.problems[0][0] if self.problems else 0
        self.plugin = str(self.refs[first]) if self.refs else "?"
        self.hook, self.cause = "plugins", "; ".join(m for _, m in self.problems)
        RfsrulesError.__init__(self, "\n".join(m for _, m in self.problems))


def is_file_ref(ref: str) -> bool:
    """True when a ``plugins:`` entry names a file (ends with ``.py`` or contains a path separator)."""
    return ref.endswith(".py") or "/" in ref or "\\" in ref


def resolve_plugin_refs(refs: Iterable[object], base_dir: str | Path, *, root: str | Path | None = None,
                        allow_outside_root: bool = False) -> tuple[str, ...]:
    """Check and resolve a ruleset's ``plugins:`` entries; raises :class:`PluginRefError` listing every bad one.

    Module names (``acme_checks``, ``pii``) are kept as written: at load time an installed plugin's
    entry-point name is used first, else the module is imported. File entries (``checks/local.py``)
    are resolved against ``base_dir`` (the ruleset's directory) and returned as absolute paths; a file
    outside ``root`` (default: ``base_dir``) is refused unless ``allow_outside_root``.
    """
    base = Path(base_dir).resolve()
    limit = Path(root).resolve() if root is not None else base
    out: list[str] = []
    problems: list[tuple[int, str]] = []
    refs = list(refs)
    for index, ref in enumerate(refs):
        if not isinstance(ref, str) or not ref.strip():
            problems.append((index, f"plugins entry {ref!r} must be a module name or a path to a .py file"))
            continue
        if not is_file_ref(ref):
            if not MODULE_NAME.match(ref):
                problems.append((index, f"plugin {ref!r} is not a valid Python module name "
                                        "(use a path ending in .py for a local file)"))
            out.append(ref)
            continue
        path = Path(ref)
        real = (path if path.is_absolute() else base / path).resolve()
        if not allow_outside_root and not real.is_relative_to(limit):
            problems.append((index, f"plugin file {ref!r} is outside the ruleset's directory {str(limit)!r}"))
        elif real.suffix != ".py":
            problems.append((index, f"plugin file {ref!r} must be a Python file ending in .py"))
        elif not real.is_file():
            problems.append((index, f"plugin file {ref!r} does not exist (looked for {str(real)!r})"))
        out.append(str(real))
    if problems:
        raise PluginRefError([str(r) for r in refs], problems)
    return tuple(out)


def load_plugin_file(path: str | Path) -> tuple[types.ModuleType, str]:
    """Import a local plugin file once per content version; returns ``(module, display_name)``.

    The module gets a private name in ``sys.modules`` (so worker processes and pickling find it);
    ``display_name`` is the path relative to the working directory when below it, else absolute.
    Raises :class:`PluginError` naming the file when it cannot be read or raises on import.
    """
    real = Path(path).resolve()
    display = _display(real)
    try:
        stat = real.stat()
    except OSError as exc:
        raise PluginError(display, "import", f"cannot read plugin file: {exc.strerror or exc}") from None
    key = (str(real), stat.st_mtime_ns, stat.st_size)
    if key in _files:
        return _files[key]
    import hashlib  # only for plugin files (OpenSSL takes milliseconds to load)

    digest = hashlib.sha1(str(real).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", real.stem)
    modname = f"_rfsrules_local_{stem}_{digest}"
    spec = importlib.util.spec_from_file_location(modname, real)
    if spec is None or spec.loader is None:
        raise PluginError(display, "import", "not an importable Python file")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(modname)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # sys.exit() on import must not end a check as if it passed
        if previous is not None:
            sys.modules[modname] = previous
        else:
            sys.modules.pop(modname, None)
        raise PluginError(display, "import", f"{type(exc).__name__}: {exc}") from exc
    _files[key] = (module, display)
    return module, display


def _display(real: Path) -> str:
    try:
        return str(real.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(real)


def _stamp(ref: str) -> tuple:
    try:
        st = Path(ref).stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (None, None)


def manager_with_plugins(refs: Iterable[str], base: "PluginManager | None" = None) -> "PluginManager":
    """A loaded manager with ``base``'s plugins (default: the process-wide one) plus ``refs``.

    ``refs`` are resolved ``plugins:`` entries (:func:`resolve_plugin_refs`; relative file paths are
    taken from the working directory). With no refs, ``base`` itself is returned. Problems (import
    errors, newer plugin API, unknown hooks, a name clash) raise :class:`PluginRefError` whose
    ``problems`` point at the offending entries.
    """
    from .manager import get_plugin_manager

    refs = tuple(refs)
    base = base if base is not None else get_plugin_manager()
    if not refs:
        return base
    if base.pm is None:
        base.load()
    key = (base.load_id, refs, tuple(_stamp(r) for r in refs if is_file_ref(r)))
    cached = _managers.get(key)
    if cached is not None:
        return cached
    problems: list[tuple[int, str]] = []
    names: dict[str, int] = {}
    for index, ref in enumerate(refs):
        try:
            if is_file_ref(ref):
                _, display = load_plugin_file(ref)
                names[display] = index
            else:
                _import_named(ref)
                names[ref] = index
        except PluginError as exc:
            problems.append((index, str(exc)))
    if problems:
        raise PluginRefError(refs, problems)
    files = [r for r in refs if is_file_ref(r)]
    modules = [r for r in refs if not is_file_ref(r)]
    try:
        manager = base.derive(extra_modules=modules, extra_files=files)
    except PluginError as exc:
        index = names.get(getattr(exc, "second", None) or exc.plugin, 0)
        raise PluginRefError(refs, [(index, str(exc))]) from exc
    if len(_managers) >= _MAX_CACHED_MANAGERS:
        _managers.pop(next(iter(_managers)))
    _managers[key] = manager
    return manager


def _import_named(name: str) -> None:
    from importlib.metadata import entry_points

    from .manager import ENTRY_POINT_GROUP

    eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    try:
        if eps:
            eps[0].load()
        else:
            importlib.import_module(name)
    except Exception as exc:
        raise PluginError(name, "import", f"{type(exc).__name__}: {exc}") from exc


def registry_with_plugins(names: Iterable[str], base_dir: str | Path | None = None, *,
                          root: str | Path | None = None, allow_outside_root: bool = False,
                          base: "PluginManager | None" = None) -> "CheckRegistry":
    """The check registry with a ruleset's ``plugins:`` loaded on top of ``base`` (process-wide by default).

    With ``base_dir`` the names are resolved first (:func:`resolve_plugin_refs`); without it they
    must already be resolved (as in ``Ruleset.plugins``).
    """
    refs = (resolve_plugin_refs(names, base_dir, root=root, allow_outside_root=allow_outside_root)
            if base_dir is not None else tuple(names))
    return manager_with_plugins(refs, base=base).checks


def manager_for_ruleset(ruleset: "Ruleset", base: "PluginManager | None" = None) -> "PluginManager":
    """The manager to run ``ruleset`` with: ``base`` (process-wide by default) plus ``ruleset.plugins``."""
    return manager_with_plugins(ruleset.plugins, base=base)


def clear_caches() -> None:
    """Forget cached managers and loaded plugin files (tests that rewrite plugin files use it)."""
    _managers.clear()
    _files.clear()


__all__ = [
    "PluginRefError", "clear_caches", "is_file_ref", "load_plugin_file", "manager_for_ruleset",
    "manager_with_plugins", "registry_with_plugins", "resolve_plugin_refs",
]
