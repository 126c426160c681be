"""Compiles a ruleset's rule IR for the Python engine: check implementations grouped by ``where`` and field,
rule states, and the collector that counts failures and keeps examples (code generation: python_codegen).

Built-in value checks are treated as pure functions of the value (their results are cached per value);
value checks of plugins are called for every value.
"""

from __future__ import annotations

import json

import orjson
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..checks.spec import REDACTED_VALUE, CheckRegistry, CheckSpec, CompileContext
from ..paths import MISSING, FieldPath
from ..results import Violation, json_safe
from ..ruleset.model import Rule
from . import python_codegen
from .python_codegen import PRESENCE, ValueTest, generate
from .python_inline import surely_passing

BUILTIN_PREFIX = "rfsrules.checks.builtin."
PRESENCE_CHECKS = ("required", "not_null")
FAST_JUDGED_AFTER = 8192
"""Lines read before the typed pre-decoder may be dropped for refusing most of them."""
FIELD_SCOPED = frozenset({"required", "not_null", "unique", "row_count", "null_rate", "duplicate_rate",
                          "statistic", "expression"})
"""Built-in record/batch checks that read only their declared fields (or their expression's fields)."""

class RuleState:
    """Counts and examples of one rule during a run."""

    __slots__ = ("rule", "spec", "index", "level", "severity", "dimension", "counts_record", "violations",
                 "failures", "examples", "last_key", "status", "error", "error_count", "plugin", "impl")

    def __init__(self, rule: Rule, spec: CheckSpec | None, index: int, counts_record: bool):
        self.rule = rule
        self.spec = spec
        self.index = index
        self.level = spec.level if spec is not None else rule.level
        self.severity = str(rule.severity or (spec.default_severity if spec else "medium"))
        self.dimension = rule.dimension or (spec.default_dimension if spec else None)
        self.counts_record = counts_record and self.level != "batch"
        self.violations = 0
        self.failures = 0
        self.examples: list[Violation] = []
        self.last_key = -1
        self.status = "passed"
        self.error: str | None = None
        self.error_count = 0
        self.plugin: str | None = None
        self.impl: Any = None


def render_message(template: str, values: Mapping[str, Any]) -> str:
    """Replace ``{name}`` placeholders by plain substitution (no format mini-language, nothing evaluated)."""
    out = template
    for name, value in values.items():
        token = "{" + name + "}"
        if token in out:
            out = out.replace(token, _text(value))
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is MISSING:
        return "<missing>"
    try:
        return json.dumps(json_safe(value), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


class Collector:
    """Receives failures from the generated code: counts per rule, examples, failing records per dimension."""

    def __init__(self, states: Sequence[RuleState], *, max_examples: int | None, context: Mapping[str, Any],
                 record_id: FieldPath | None, with_lines: bool = True):
        self.states = states  # shared with the plan; filled while compiling
        self.max_examples = max_examples
        self.context = dict(context or {})
        self.record_id = record_id.getter() if record_id is not None and not record_id.has_wildcard else None
        self.record_id_text = record_id.text if self.record_id is not None else None
        self.with_lines = with_lines
        self.source: str | None = None
        self.epoch = 0
        self.records_failed = 0
        self.last_failed = -1
        self.failed_by_dimension: dict[str, int] = {}
        self.dimension_last: dict[str, int] = {}
        self.error_total = [0]
        # worker processes of a --jobs run: examples stay raw tuples (their lines are relative to the
        # worker's byte range until the parent knows the offset) and failing lines may be recorded
        self.deferred = False
        self.failed_lines: list[int] | None = None
        self.dimension_lines: dict[str, list[int]] | None = None

    def begin_source(self, label: str | None) -> None:
        """Start a new source: line numbers restart, so the per-record keys move to a new epoch."""
        self.source = label
        self.epoch += 1 << 40

    def value_failures(self, results, rec, line, field_text, value) -> None:
        for ri, reason, message in results:
            self.fail(ri, field_text, value, reason, message, rec, line)

    def report(self, entries, rec, line) -> None:
        """What phase A of the generated code found in one record, in order: ``(field, value, results)``
        for failing values (``results`` = ``((rule index, reason, message), ...)``), or
        ``(PRESENCE, [(rule index, test), ...], None)`` for an absent or null field with presence checks."""
        for field_text, value, results in entries:
            if field_text is PRESENCE:
                for ri, test in value:
                    try:
                        failures = test(rec, line)
                    except Exception as exc:
                        self.error(ri, exc)
                        continue
                    if failures:
                        self.record_failures(ri, failures, rec, line)
                continue
            for ri, reason, message in results:
                self.fail(ri, field_text, value, reason, message, rec, line)

    def report_line(self, entries, raw: bytes, line, exact: bool) -> Any:
        """:meth:`report` for a line the typed decoder accepted (``python_fastpath``): the record is parsed,
        as the ordinary path would parse it (``exact``: with exact numbers), only when a presence test or a
        kept example needs it. Returns the record, or None when it was not needed."""
        rec = None
        for field_text, value, results in entries:
            if rec is None and (field_text is PRESENCE or any(self.keeps(ri) for ri, _, _ in results)):
                rec = parse_line(raw, exact)
            if field_text is PRESENCE:
                self.report(((field_text, value, results),), rec, line)
                continue
            for ri, reason, message in results:
                self.fail(ri, field_text, value, reason, message, rec, line)
        return rec

    def keeps(self, ri: int) -> bool:
        """Whether rule ``ri`` still keeps examples (which need the record for its id)."""
        return self.max_examples is None or len(self.states[ri].examples) < self.max_examples

    def wildcard_failures(self, items, rec, line) -> None:
        for field_text, value, results in items:
            for ri, reason, message in results:
                self.fail(ri, field_text, value, reason, message, rec, line)

    def record_failures(self, ri, failures, rec, line) -> None:
        for failure in failures:
            fld, value, reason, message = failure
            self.fail(ri, fld, value, reason, message, rec, line)

    def fail(self, ri, field_text, value, reason, message, rec, line) -> None:
        st = self.states[ri]
        st.failures += 1
        key = self.epoch + (line or 0)
        if st.last_key != key:
            st.last_key = key
            st.violations += 1
            if st.counts_record:
                if self.last_failed != key:
                    self.last_failed = key
                    self.records_failed += 1
                    if self.failed_lines is not None:
                        self.failed_lines.append(line)
                dim = st.dimension
                if dim is not None and self.dimension_last.get(dim) != key:
                    self.dimension_last[dim] = key
                    self.failed_by_dimension[dim] = self.failed_by_dimension.get(dim, 0) + 1
                    if self.dimension_lines is not None:
                        self.dimension_lines.setdefault(dim, []).append(line)
        if self.max_examples is None or len(st.examples) < self.max_examples:
            if self.deferred:
                st.examples.append((field_text, value, reason, message, self.record_id_of(rec), line, self.source))
            else:
                st.examples.append(self.violation(st, field_text, value, reason, message, rec, line))

    def record_id_of(self, rec) -> Any:
        """The ``record_id`` field of ``rec`` (None when the ruleset has none or the record lacks it)."""
        if self.record_id is not None and isinstance(rec, dict):
            record_id = self.record_id(rec)
            return None if record_id is MISSING else record_id
        return None

    def violation(self, st: RuleState, field_text, value, reason, message, rec, line) -> Violation:
        return self.make_violation(st, field_text, value, reason, message, self.record_id_of(rec), line, self.source)

    def make_violation(self, st: RuleState, field_text, value, reason, message, record_id, line,
                       source) -> Violation:
        """The example of one failure (the rule's ``message`` template rendered, context attached)."""
        shown_line = line if self.with_lines else None
        rule = st.rule
        if rule.message:
            values = dict(rule.params)
            shown = REDACTED_VALUE if st.spec is not None and st.spec.redact_values else value
            values.update({"field": field_text if field_text is not None else "", "value": shown,
                           "rule_id": rule.id, "line": shown_line if shown_line is not None else "",
                           "reason": str(reason), "message": message, "severity": st.severity})
            message = render_message(rule.message, values)
        return Violation(rule.id, st.severity, message, check=rule.check, dimension=st.dimension,
                         reason=str(reason), field=field_text, line=shown_line, record_id=record_id,
                         value=value, source=source, context=self.context)

    def error(self, ri, exc: BaseException) -> None:
        """A check raised: the rule's status becomes ``error``; the first error is kept and the rest counted."""
        self.error_total[0] += 1
        st = self.states[ri]
        st.error_count += 1
        if st.error is None:
            plugin = st.spec.plugin if st.spec is not None else "rfsrules"
            st.status = "error"
            st.plugin = plugin
            st.error = f"{type(exc).__name__}: {exc} (plugin {plugin})"


@dataclass
class _Section:
    path: FieldPath
    value_tests: list = field(default_factory=list)  # ValueTest
    presence: list = field(default_factory=list)  # (rule index, test)
    uniques: list = field(default_factory=list)  # (rule index, Unique) of single-field built-in unique rules
    batch_values: list = field(default_factory=list)  # (rule index, list the values are appended to)
    detect: bool = False
    caches: dict = field(default_factory=dict)  # Python type (str, int) -> {value: result}
    full: set = field(default_factory=set)  # types whose cache is full but still hits: lookups only
    uncached: set = field(default_factory=set)  # types whose values rarely repeat: no cache at all


@dataclass
class _Group:
    where: Callable[[dict], Any] | None
    rule_indexes: list = field(default_factory=list)
    sections: dict = field(default_factory=dict)  # path text -> _Section
    record_tests: list = field(default_factory=list)  # (rule index, test)
    batch: list = field(default_factory=list)  # (rule index, accumulator)
    batch_by_values: set = field(default_factory=set)  # rule indexes fed through add_values
    counter: list = field(default_factory=lambda: [0])

    def section(self, path: FieldPath) -> _Section:
        sec = self.sections.get(path.text)
        if sec is None:
            sec = self.sections[path.text] = _Section(path)
        return sec


@dataclass
class Plan:
    """A compiled rule list: ``process_block(block, line, slow, notobj)`` (raw JSON lines), ``process_exact``
    (one parsed record, exact integers), the rule states and the batch accumulators.

    The functions may be replaced while running (see :meth:`rebuild`): drivers re-read them per block.
    ``records_seen`` is maintained by the driver (per block) to judge value caches; drivers call
    :meth:`flush` after each block (batch values are collected in lists and handed over in bulk).
    """

    states: list[RuleState]
    collector: Collector
    groups: list[_Group]
    needs_digit_scan: bool
    value_batches: list = field(default_factory=list)  # (rule index, accumulator, list of values)
    uniques: list = field(default_factory=list)  # (rule index, built-in unique test) of every unique rule
    process_block: Callable = None  # type: ignore[assignment]
    process_exact: Callable[[dict, int], Any] = None  # type: ignore[assignment]
    source: str = ""  # the generated source (for tests and debugging)
    records_seen: int = 0
    rebuilds: int = 0
    multi_source: bool = False  # a batch of several sources: first lines of unique keys carry the source
    fast: Any = None  # python_fastpath.FastShape: the typed pre-decoder of JSON lines, None when not used
    fast_misses: list = field(default_factory=lambda: [0])  # lines the typed decoder refused

    def rebuild(self) -> None:
        """(Re)generate the functions from the groups' current cache decisions."""
        from ..io.lines import exact_loads

        generated = generate(self.groups, self.collector, self._cache_full, digit_scan=self.needs_digit_scan,
                             exact_loads=exact_loads, fast=self.fast, fast_misses=self.fast_misses,
                             multi_source=self.multi_source)
        self.process_block, self.process_exact = generated.process_block, generated.process_exact
        self.source = generated.source
        self.rebuilds += 1

    def _cache_full(self, section, py_type: type, rebind: Callable[[], None]) -> None:
        """A field's value cache reached its limit: keep it for lookups when it hits often enough,
        else drop caching for that field and type and regenerate the code without it."""
        if py_type in section.uncached or py_type in section.full:
            rebind()
            return
        rebind()  # the running code stops filling at once
        misses = python_codegen.CACHE_LIMIT
        if misses * 2 >= max(self.records_seen, 1):
            section.uncached.add(py_type)
            section.caches.pop(py_type, None)
            self.rebuild()
        else:
            section.full.add(py_type)

    def set_sources(self, labels: list) -> None:
        """The labels of a batch's sources, by index, for messages naming where a key was first seen."""
        for _ri, unique in self.uniques:
            if hasattr(unique, "labels"):  # the built-in Unique (a stand-in may be any record test)
                unique.labels = list(labels)

    def begin_source(self, label: str | None, index: int) -> None:
        """Source ``index`` of the batch starts: line numbers restart, unique keys are marked with it."""
        self.collector.begin_source(label)
        for _ri, unique in self.uniques:
            if hasattr(unique, "begin_source"):
                unique.begin_source(index)

    def judge_fast_path(self) -> None:
        """Drop the typed pre-decoder when it refuses most lines (records with fields the rules do not name,
        for instance): trying it would only add its cost to the ordinary path. Drivers of JSON lines call
        this after each block."""
        if self.fast is not None and self.records_seen >= FAST_JUDGED_AFTER \
                and self.fast_misses[0] * 2 > self.records_seen:
            self.fast = None
            self.rebuild()

    def flush(self) -> None:
        """Hand the collected batch values to their accumulators (``add_values``)."""
        for ri, acc, values in self.value_batches:
            if values:
                try:
                    acc.add_values(values)
                except Exception as exc:
                    self.collector.error(ri, exc)
                values.clear()

    def batch_rules(self):
        for group in self.groups:
            for ri, acc in group.batch:
                count = group.counter[0] if group.where is not None else None
                yield self.states[ri], acc, count


def parse_line(raw: bytes, exact: bool) -> Any:
    """A JSON line as the ordinary path parses it: orjson, or exactly when it holds integers beyond 64 bits."""
    if exact:
        from ..io.lines import exact_loads

        return exact_loads(raw)
    return orjson.loads(raw)


def compile_rules(rules: Sequence[Rule], registry: CheckRegistry, ctx: CompileContext, *,
                  max_examples: int | None, context: Mapping[str, Any], record_id: FieldPath | None,
                  track_records: bool = True, typed_decoder: bool = True, multi_source: bool = False) -> Plan:
    """Build the implementations of ``rules`` and generate the per-record function.

    ``typed_decoder`` allows the msgspec pre-decoder of JSON lines (``python_fastpath``) when the rules
    permit it; it changes speed only, never results.
    """
    states: list[RuleState] = []
    collector = Collector(states, max_examples=max_examples, context=context, record_id=record_id,
                          with_lines=track_records)
    # the group without ``where`` comes first: it also holds the detection of huge integers in fields that
    # ``where`` expressions read, which must happen before any ``where`` is evaluated
    groups: dict[Any, _Group] = {None: _Group(None)}
    needs_digit_scan = False
    value_batches: list = []
    uniques: list = []
    for rule in rules:
        spec = registry.get(rule.check)
        st = RuleState(rule, spec, len(states), track_records)
        states.append(st)
        if not rule.enabled:
            st.status = "skipped"
            continue
        try:
            impl = spec.python(rule, ctx)
            where = _compile_where(rule)
        except Exception as exc:  # a check that cannot even be built is an error of that rule only
            collector.error(st.index, exc)
            collector.error_total[0] -= 1
            continue
        st.impl = impl
        key = None if rule.where is None else (rule.where_text or id(rule.where))
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(where)
            needs_digit_scan |= _add_detection(groups[None], _where_refs(rule))
        group.rule_indexes.append(st.index)
        builtin = spec.plugin.startswith(BUILTIN_PREFIX)
        if st.level == "value":
            fast = getattr(impl, "fast", None) if builtin else None
            passes = surely_passing(fast) if builtin else frozenset()
            for path in rule.fields:
                group.section(path).value_tests.append(ValueTest(st.index, impl, builtin, passes, fast))
        elif st.level == "record":
            single = len(rule.fields) == 1 and not rule.fields[0].has_wildcard
            if builtin and rule.check == "unique":
                uniques.append((st.index, impl))
            if builtin and rule.check in PRESENCE_CHECKS and single:
                group.section(rule.fields[0]).presence.append((st.index, impl))
            elif builtin and rule.check == "unique" and single and getattr(impl, "mode", None) == "one":
                group.section(rule.fields[0]).uniques.append((st.index, impl))
                needs_digit_scan |= _add_detection(group, list(rule.fields))
            else:
                group.record_tests.append((st.index, impl))
                needs_digit_scan |= _add_detection(group, _rule_refs(rule, builtin))
        else:
            group.batch.append((st.index, impl))
            path = getattr(impl, "values_of", None)
            if isinstance(path, FieldPath) and not path.has_wildcard and callable(getattr(impl, "add_values", None)):
                values: list = []
                group.section(path).batch_values.append((st.index, values))
                group.batch_by_values.add(st.index)
                value_batches.append((st.index, impl, values))
                needs_digit_scan |= _add_detection(group, [path])
            else:
                needs_digit_scan |= _add_detection(group, _rule_refs(rule, builtin))
    plan = Plan(states, collector, list(groups.values()), needs_digit_scan, value_batches, uniques)
    plan.multi_source = multi_source
    if typed_decoder:
        from .python_fastpath import shape_of

        plan.fast = shape_of(plan.groups, states)
    plan.rebuild()
    plan.rebuilds = 0
    return plan


def _compile_where(rule: Rule):
    if rule.where is None:
        return None
    from ..expr import compile_python

    return compile_python(rule.where)


def _where_refs(rule: Rule) -> list[FieldPath] | None:
    try:
        from ..expr import field_refs

        return list(field_refs(rule.where))
    except Exception:
        return None


def _rule_refs(rule: Rule, builtin: bool) -> list[FieldPath] | None:
    """The fields a record/batch rule reads, or None when it may read anything (whole record)."""
    if not builtin or rule.check not in FIELD_SCOPED:
        return None
    if rule.check == "expression":
        try:
            from ..expr import field_refs, parse_expression

            return list(field_refs(parse_expression(str(rule.params.get("expr", "")))))
        except Exception:
            return None
    return list(rule.fields)


def _add_detection(group: _Group, refs: list[FieldPath] | None) -> bool:
    """Make phase A look at ``refs`` for floats that were huge integers; True if that is impossible."""
    if refs is None:
        return True
    for path in refs:
        if path.has_wildcard:
            return True
        group.section(path).detect = True
    return False
