"""Run a ruleset (YAML text, path, mapping or Ruleset) against in-memory records, in-process, for tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from ..plugins.manager import PluginManager
    from ..report import Report
    from ..results import RuleResult
    from ..ruleset.model import Ruleset

DEFAULT_RULE_ID = "rule-under-test"


class RulesetRunner:
    """Checks records against a ruleset in-process and returns the ``Report`` (the ``rfsrules_runner`` fixture).

    :param plugins: extra plugins to load for these runs: plugin objects (a module with hook
        implementations, e.g. the package under test before it is installed) or importable names.
    :param engine: the engine name (``python`` by default).
    :param ref_time: reference time for freshness checks (ISO string or datetime; default: now).
    :param manager: the plugin manager to start from (default: the process-wide one).

    Calling the runner: ``runner(ruleset, records, metadata=None, ref_time=None, max_examples=None,
    fail_on="high", context=None, engine=None) -> Report``. ``ruleset`` is YAML text (anything with a
    newline), a path (``str`` or ``Path``), a mapping (a ruleset as data) or a ``Ruleset``. Every
    failure is kept as an example unless ``max_examples`` says otherwise.
    """

    def __init__(self, *, plugins: Iterable[object] = (), engine: str = "python", ref_time: Any = None,
                 manager: "PluginManager | None" = None):
        self.plugins = tuple(plugins)
        self.engine = engine
        self.ref_time = ref_time
        self._base = manager
        self._manager: "PluginManager | None" = None

    def manager(self) -> "PluginManager":
        """The plugin manager these runs use: the base manager plus :attr:`plugins`."""
        if self._manager is None:
            from ..plugins.manager import get_plugin_manager

            base = self._base if self._base is not None else get_plugin_manager()
            if self.plugins:
                names = [p for p in self.plugins if isinstance(p, str)]
                objects = [p for p in self.plugins if not isinstance(p, str)]
                base = base.derive(extra_modules=names, extra_plugins=objects)
            self._manager = base
        return self._manager

    def load(self, ruleset: Any) -> "Ruleset":
        """Load ``ruleset`` (YAML text, path, mapping or ``Ruleset``) with this runner's checks."""
        from ..ruleset.loader import load_ruleset, load_ruleset_text
        from ..ruleset.model import Ruleset

        registry = self.manager().checks
        if isinstance(ruleset, Ruleset):
            return ruleset
        if isinstance(ruleset, Mapping):
            return load_ruleset_text(_dump_yaml(ruleset), registry=registry, base_dir=str(Path.cwd()))
        if isinstance(ruleset, Path) or (isinstance(ruleset, str) and "\n" not in ruleset):
            return load_ruleset(str(ruleset), registry=registry)
        if isinstance(ruleset, str):
            return load_ruleset_text(ruleset, registry=registry, base_dir=str(Path.cwd()))
        raise TypeError(f"ruleset must be YAML text, a path, a mapping or a Ruleset, not {type(ruleset).__name__}")

    def __call__(self, ruleset: Any, records: Iterable[Mapping[str, Any]], *,
                 metadata: Mapping[str, Any] | None = None, ref_time: Any = None,
                 max_examples: int | None = None, fail_on: str = "high",
                 context: Mapping[str, Any] | None = None, engine: str | None = None) -> "Report":
        from ..plugins.local import manager_for_ruleset
        from ..runner import check

        loaded = self.load(ruleset)
        registry = manager_for_ruleset(loaded, base=self.manager()).checks
        return check(list(records), loaded, engine=engine or self.engine,
                     ref_time=ref_time if ref_time is not None else self.ref_time,
                     metadata=metadata, context=context, max_examples=max_examples,
                     fail_on=fail_on, registry=registry, keep_going=True)

    def rule(self, rule: Mapping[str, Any] | str, records: Iterable[Mapping[str, Any]], **options: Any
             ) -> "RuleResult":
        """Run one rule (a mapping or YAML text of one rule) and return its ``RuleResult``.

        The rule's ``id`` defaults to ``rule-under-test``; options are those of calling the runner.
        """
        if isinstance(rule, str):
            from ruamel.yaml import YAML

            rule = YAML(typ="safe", pure=True).load(rule)
        if not isinstance(rule, Mapping):
            raise TypeError(f"rule must be a mapping or YAML text of one, not {type(rule).__name__}")
        rule = {"id": DEFAULT_RULE_ID, **dict(rule)}
        doc = {"rfsrules": 1, "name": "rfsrules-runner", "version": "0.0.0", "rules": [rule]}
        return self(doc, records, **options).rule(str(rule["id"]))


def _dump_yaml(data: Mapping[str, Any]) -> str:
    from ruamel.yaml import YAML

    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(_plain(data), buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


__all__ = ["DEFAULT_RULE_ID", "RulesetRunner"]
