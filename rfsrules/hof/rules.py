"""``apply_rules_to(records).using(rules).with_context(ctx).collect_violations()``: lazy rule application.

Rules may be a loaded ``Ruleset``, a ruleset file path, IR ``Rule`` objects (run by the Python engine) or
plain callables; a list may mix them. Callables are called per record (``per="record"``, the default,
``fn(record)``) or once with the whole list (``per="batch"``, ``fn(records)``) and return violations:

- ``None``, ``False`` or an empty value: no violation;
- a ``dict``: one violation (``rule_id``/``rule``, ``severity`` (default ``medium``), ``message``,
  ``field``, ``line``, ``record_id``, ``value``, ``dimension``, ``reason``, ``check``, ``source``; other
  keys go to the violation's context);
- a ``str``: one violation with that message;
- a :class:`~rfsrules.results.Violation`: itself;
- a list, tuple, generator or other iterable of the above: several (``None`` elements are skipped).

A rule that raises (or returns anything else, ``True`` included) becomes ONE violation with severity
``critical``, reason ``check_error`` and message ``"<ExceptionType>: <msg>"``; the other rules still run.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Mapping

from ..paths import MISSING, parse_path
from ..results import Reason, Severity, Violation
from ..ruleset.model import Rule, Ruleset
from .chains import Chain, _Source, error_text, source_of
from .config import read_field

PER_MODES = ("record", "batch")
CALLABLE_CHECK = "callable"
"""The ``check`` name carried by violations that come from callable rules."""

_FIXED_KEYS = ("check", "dimension", "reason", "field", "line", "record_id", "value", "source")


class ViolationList(Chain):
    """The violations of a rule application: a lazy, list-like chain of :class:`~rfsrules.results.Violation`.

    ``filter_by``, ``sort_by``, ``take`` and ``distinct`` return another ViolationList; ``group_by`` and
    ``transform_to`` return a plain chain. Rules run once per ViolationList built by ``collect_violations()``,
    on first use, however many chains are derived from it.
    """

    __slots__ = ()

    @classmethod
    def _preserving(cls) -> type:
        return ViolationList


class RuleReturnError(Exception):
    """A callable rule returned something that is not a violation (reported as ``check_error``)."""


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _callable_rule_id(fn: Callable, index: int) -> str:
    rule_id = getattr(fn, "rule_id", None) or getattr(fn, "__name__", None)
    if not rule_id or rule_id == "<lambda>":
        return f"rule_{index}"
    return str(rule_id)


class _CallableRule:
    """A callable plus the defaults its violations get (id, severity, dimension)."""

    __slots__ = ("fn", "rule_id", "severity", "dimension")

    def __init__(self, fn: Callable, index: int):
        self.fn = fn
        self.rule_id = _callable_rule_id(fn, index)
        self.severity = Severity.parse(getattr(fn, "severity", None) or "medium").value
        dimension = getattr(fn, "dimension", None)
        self.dimension = None if dimension is None else str(dimension)


def _normalise_rules(rules: Any) -> tuple:
    """Units to run, in order: ``("ruleset", Ruleset | path)``, ``("ir", (Rule, ...))``, ``("callable", rule)``."""
    if isinstance(rules, (Ruleset, Rule)) or _is_path(rules) or callable(rules):
        rules = [rules]
    if not isinstance(rules, Iterable) or isinstance(rules, (bytes, Mapping)):
        raise TypeError("using() takes a Ruleset, a ruleset path, Rule objects, callables or a list of them")
    units: list[tuple] = []
    for index, rule in enumerate(rules):
        if isinstance(rule, Ruleset) or _is_path(rule):
            units.append(("ruleset", rule))
        elif isinstance(rule, Rule):
            if units and units[-1][0] == "ir":
                units[-1] = ("ir", units[-1][1] + (rule,))
            else:
                units.append(("ir", (rule,)))
        elif callable(rule):
            units.append(("callable", _CallableRule(rule, index)))
        else:
            raise TypeError(
                f"rule #{index} is a {type(rule).__name__}; expected a Ruleset, a path, a Rule or a callable"
            )
    return tuple(units)


class RuleApplication:
    """An immutable plan: records + rules + context. Each method returns a new plan; nothing runs here."""

    __slots__ = ("_records", "_units", "_per", "_context", "_options", "_record_id")

    def __init__(self, records: _Source | str | os.PathLike, units: tuple = (), per: str = "record",
                 context: Mapping[str, Any] | None = None, options: Mapping[str, Any] | None = None,
                 record_id: str | None = None):
        self._records = records
        self._units = units
        self._per = per
        self._context = dict(context or {})
        self._options = dict(options or {})
        self._record_id = record_id

    def _copy(self, **changes: Any) -> "RuleApplication":
        state = {"records": self._records, "units": self._units, "per": self._per, "context": self._context,
                 "options": self._options, "record_id": self._record_id}
        state.update(changes)
        return RuleApplication(**state)

    def using(self, rules: Any, *, per: str = "record", engine: str = "python", ref_time: Any = None,
              metadata: Mapping[str, Any] | None = None) -> "RuleApplication":
        """The rules to apply (replacing earlier ones).

        :param per: ``"record"`` calls each callable rule as ``fn(record)`` for every record;
            ``"batch"`` calls it once as ``fn(records)`` with the whole list.
        :param engine, ref_time, metadata: passed to ``rfsrules.runner.check`` for rulesets and Rule objects.
        """
        if per not in PER_MODES:
            raise ValueError(f"per must be 'record' or 'batch', got {per!r}")
        options = {"engine": engine, "ref_time": ref_time, "metadata": metadata}
        return self._copy(units=_normalise_rules(rules), per=per, options=options)

    def with_context(self, context: Mapping[str, Any] | None = None, /, **more: Any) -> "RuleApplication":
        """Add keys to every violation's context (merged with earlier ones; later keys win).

        Context never overrides a violation's fixed fields (``rule_id``, ``severity``, ``source``, ...) nor
        a key the rule itself put in the violation's context; read it as ``v.context[...]`` or ``v[...]``.
        """
        merged = dict(self._context)
        merged.update(context or {})
        merged.update(more)
        return self._copy(context=merged)

    def collect_violations(self) -> ViolationList:
        """The lazy :class:`ViolationList`; rules run on its first use."""
        if not self._units:
            raise TypeError("call using(rules) before collect_violations()")
        return ViolationList(_Source(self._violations), (), "raise", "apply_rules_to")

    # ---- running ----------------------------------------------------------------------------------

    def _violations(self) -> list[Violation]:
        records: tuple | None = None
        out: list[Violation] = []
        for kind, unit in self._units:
            if kind == "callable":
                if records is None:
                    records = self._callable_records()
                out.extend(self._run_callable(unit, records))
            elif kind == "ir":
                out.extend(self._run_ruleset(self._ruleset_of(unit)))
            else:
                out.extend(self._run_ruleset(unit))
        return out

    def _ruleset_of(self, rules: tuple[Rule, ...]) -> Ruleset:
        """A ruleset holding loose ``Rule`` objects.

        Rules taken from a ruleset's ``metadata_rules:`` section check the batch metadata there too, and
        the record id is ``apply_rules_to(..., record_id=...)`` or, as in a loaded ruleset, ``id``.
        """
        meta = tuple(r for r in rules if r.origin == "metadata_rules")
        data = tuple(r for r in rules if r.origin != "metadata_rules")
        return Ruleset(name="apply_rules_to", version="0", source="<apply_rules_to>", rules=data,
                       metadata_rules=meta, record_id=parse_path(self._record_id or "id"))

    def _run_ruleset(self, ruleset: Ruleset | str | os.PathLike) -> list[Violation]:
        from ..runner import check  # the runner imports engines; load it only when a ruleset runs

        if isinstance(self._records, _Source):
            # Wrapped: rfsrules.check reads a bare list of strings (every item malformed) as file paths.
            data: Any = _InMemoryRecords(self._records.items())
        elif _is_path(self._records):
            data = os.fspath(self._records)
        else:  # a table (DataFrame, Arrow table, DuckDB relation): every engine reads it as it is
            data = self._records
        report = check(data, ruleset, max_examples=None, **self._options)
        return [_merge_context(v, self._context) for v in report.violations()]

    def _callable_records(self) -> tuple:
        if isinstance(self._records, _Source):
            return self._records.items()
        if _is_path(self._records):
            raise TypeError("callable rules need in-memory records, not a file path")
        from ..io.frames import frame_rows

        return tuple(frame_rows(self._records))  # a table's rows, as the engines read them

    def _run_callable(self, rule: _CallableRule, records: tuple) -> list[Violation]:
        if self._per == "batch":
            return self._call(rule, list(records), None, MISSING)
        out: list[Violation] = []
        for position, record in enumerate(records, start=1):
            rid = MISSING if self._record_id is None else read_field(record, self._record_id)
            out.extend(self._call(rule, record, position, rid))
        return out

    def _call(self, rule: _CallableRule, argument: Any, line: int | None, record_id: Any) -> list[Violation]:
        defaults = {"line": line, "record_id": None if record_id is MISSING else record_id}
        try:
            returned = rule.fn(argument)
            return [_merge_context(v, self._context) for v in _to_violations(returned, rule, defaults)]
        except Exception as exc:
            return [Violation(
                rule.rule_id, Severity.CRITICAL.value, error_text(exc), check=CALLABLE_CHECK,
                dimension=rule.dimension, reason=Reason.CHECK_ERROR.value, line=line,
                record_id=defaults["record_id"], context=self._context,
            )]

    def __repr__(self) -> str:
        return f"<RuleApplication {len(self._units)} rule unit(s), per={self._per!r}>"


class _InMemoryRecords:
    """In-memory records for ``rfsrules.check``: iterable as often as an engine needs, never a path list."""

    __slots__ = ("items",)

    def __init__(self, items: tuple):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _merge_context(violation: Violation, context: Mapping[str, Any]) -> Violation:
    """A copy of ``violation`` whose context gains ``context`` keys it does not already have."""
    if not context:
        return violation
    merged = dict(context)
    merged.update(violation.context)
    return Violation(
        violation.rule_id, violation.severity, violation.message, check=violation.check,
        dimension=violation.dimension, reason=violation.reason, field=violation.field, line=violation.line,
        record_id=violation.record_id, value=violation.value, source=violation.source, context=merged,
    )


def _to_violations(returned: Any, rule: _CallableRule, defaults: Mapping[str, Any]) -> list[Violation]:
    if returned is None or returned is False:
        return []
    if returned is True:
        raise RuleReturnError(
            "rule returned True; return None/False/empty when the input passes, "
            "or a dict, str, Violation or a list of them for violations"
        )
    if isinstance(returned, (Violation, Mapping, str)):
        single = _one_violation(returned, rule, defaults)
        return [] if single is None else [single]
    if isinstance(returned, Iterable) and not isinstance(returned, (bytes, bytearray)):
        out = []
        for element in returned:
            if element is None:
                continue
            if not isinstance(element, (Violation, Mapping, str)):
                raise RuleReturnError(f"rule returned a list holding a value of type "
                                      f"{type(element).__name__}; expected dicts, strings or Violations")
            single = _one_violation(element, rule, defaults)
            if single is not None:
                out.append(single)
        return out
    raise RuleReturnError(f"rule returned a value of type {type(returned).__name__}; "
                          "expected None, a dict, a str, a Violation or a list of them")


def _one_violation(item: Violation | Mapping | str, rule: _CallableRule,
                   defaults: Mapping[str, Any]) -> Violation | None:
    if isinstance(item, Violation):
        return item
    if isinstance(item, str):
        if not item:
            return None
        return Violation(rule.rule_id, rule.severity, item, check=CALLABLE_CHECK, dimension=rule.dimension,
                         line=defaults["line"], record_id=defaults["record_id"])
    if not item:
        return None
    data = dict(item)
    rule_id = data.pop("rule_id", None)
    alias = data.pop("rule", None)
    rule_id = str(rule_id or alias or rule.rule_id)
    severity = data.pop("severity", None) or rule.severity
    try:
        severity = Severity.parse(severity).value
    except ValueError:
        raise RuleReturnError(
            f"invalid severity {severity!r} (expected one of low, medium, high, critical)") from None
    message = data.pop("message", None)
    fixed = {key: data.pop(key) for key in _FIXED_KEYS if key in data}
    fixed.setdefault("check", CALLABLE_CHECK)
    fixed.setdefault("dimension", rule.dimension)
    fixed.setdefault("line", defaults["line"])
    fixed.setdefault("record_id", defaults["record_id"])
    if message is None:
        message = f"rule {rule_id} failed"
    return Violation(rule_id, severity, str(message), context=data, **fixed)


def apply_rules_to(records: Iterable[Any] | str | os.PathLike, *, record_id: str | None = None) -> RuleApplication:
    """Start a rule application over ``records`` (an iterable of dicts, or a table: pandas/Polars DataFrame,
    Arrow table, DuckDB relation, read row by row as ``rfsrules.check`` reads it; a file path only for rulesets).

    :param record_id: a dotted field whose value fills ``record_id`` on per-record violations of callable
        rules (rulesets use their own ``record_id``).
    """
    from ..io.frames import frame_kind

    if _is_path(records) or frame_kind(records) is not None:
        return RuleApplication(records, record_id=record_id)
    return RuleApplication(source_of(records), record_id=record_id)
