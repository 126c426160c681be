"""Helpers for the plugin tests: throw-away plugin modules, check specs and fake installed distributions."""

from __future__ import annotations

import itertools
import textwrap
import types
from pathlib import Path
from typing import Any, Callable, Iterable

from rfsrules.checks.spec import CheckSpec
from rfsrules.plugins.hookspecs import hookimpl

_ids = itertools.count(1)


def value_check(name: str, test: Callable[[Any], Any] = lambda value: None, **fields: Any) -> CheckSpec:
    """A value-level CheckSpec whose Python implementation is ``test``."""
    fields.setdefault("fields", "many")
    fields.setdefault("summary", f"test check {name}")
    return CheckSpec(name=name, level="value", python=lambda rule, ctx: test, **fields)


def make_plugin(name: str | None = None, *, checks: Iterable[CheckSpec] = (), api: Any = None,
                **hooks: Callable) -> types.ModuleType:
    """A plugin module object registering ``checks`` plus any other hook implementations given by name."""
    module = types.ModuleType(name or f"test_plugin_{next(_ids)}")
    specs = list(checks)
    if specs:
        module.rfsrules_register_checks = hookimpl(lambda: list(specs))
    for hook_name, func in hooks.items():
        setattr(module, hook_name, func if hasattr(func, "rfsrules_impl") else hookimpl(func))
    if api is not None:
        module.RFSRULES_PLUGIN_API = api
    return module


def install_fake_dist(site: Path, dist: str, version: str, entry_points: dict[str, str],
                      modules: dict[str, str] | None = None) -> Path:
    """Write an installed-looking distribution (dist-info with ``rfsrules`` entry points) under ``site``.

    ``modules`` maps module file names (``acme_plugin.py``) to their source. Put ``site`` on
    ``sys.path`` (``monkeypatch.syspath_prepend``) to make it visible to ``importlib.metadata``.
    """
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[rfsrules]\n{lines}")
    for filename, source in (modules or {}).items():
        (site / filename).write_text(textwrap.dedent(source))
    return site


PLUGIN_SOURCE = '''
from rfsrules.checks.spec import CheckSpec
from rfsrules.plugins.hookspecs import hookimpl

__version__ = "{version}"
RFSRULES_PLUGIN_API = {api}


def _build(rule, ctx):
    def test(value):
        if isinstance(value, int) and not isinstance(value, bool) and value % 2:
            return "odd_value", f"{{value}} is odd"
        return None
    return test


@hookimpl
def rfsrules_register_checks():
    return [CheckSpec(name="{check}", level="value", fields="many", summary="Integers must be even.",
                      python=_build, params={{"strict": {{"type": "boolean"}}}})]
'''
"""Source of a small but real plugin module: one value check ``{check}`` that rejects odd integers."""


def plugin_source(check: str = "acme.even", *, version: str = "1.2.3", api: int = 1) -> str:
    """The source of a plugin module registering the ``check`` that rejects odd integers."""
    return PLUGIN_SOURCE.format(check=check, version=version, api=api)
