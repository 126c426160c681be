"""Helpers shared by the report renderers: options, gate explanation and value formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Iterable, Sequence

import orjson

from ..report import Report
from ..results import RuleResult, Severity, ThresholdBreach, Violation, json_safe, mask_secrets


@dataclass(frozen=True)
class RenderOptions:
    """How a report is rendered.

    :param max_examples: example violations shown per rule (None: every example the report kept).
    :param color: ANSI colours in the text format (the CLI enables them only on a terminal).
    """

    max_examples: int | None = None
    color: bool = False


def as_reports(reports: Report | Sequence[Report]) -> list[Report]:
    """A list of reports from one report or a sequence of them, registered secrets masked
    (:meth:`Report.masked`, docs/security.md): renderers only ever see masked reports."""
    if isinstance(reports, Report):
        return [reports.masked()]
    return [r.masked() for r in reports]


def all_rules(report: Report) -> list[RuleResult]:
    """Data rules then metadata rules, as they appear in every format."""
    return list(report.rules) + list(report.metadata_rules)


def severity_rank(severity: str) -> int:
    """The rank of a severity name (``low`` lowest); 0 for an unknown name."""
    try:
        return Severity.parse(severity).rank
    except ValueError:
        return 0


def gate_breaches(report: Report) -> list[ThresholdBreach]:
    """The breached thresholds that fail the gate: at or above ``fail_on``, and quality below its minimum."""
    summary = report.summary
    floor = None if summary.fail_on == "none" else severity_rank(summary.fail_on)
    return [b for b in summary.breaches
            if b.name == "quality_score_min" or (floor is not None and severity_rank(b.severity) >= floor)]


def gate_reasons(report: Report) -> list[str]:
    """Why ``report`` failed its gate, in words (empty when it passed).

    Mirrors :meth:`rfsrules.report.Report.gate`: failing rules and breached thresholds at or above
    ``fail_on``, quality below its minimum (always), and rules that could not run (always).
    """
    summary = report.summary
    fail_on = summary.fail_on
    reasons: list[str] = []
    rules = all_rules(report)
    if fail_on != "none":
        floor = severity_rank(fail_on)
        failing = [r for r in rules if r.status == "failed" and severity_rank(r.severity) >= floor]
        if failing:
            reasons.append(f"{plural(len(failing), 'failing rule')} at or above {fail_on}")
        breached = [b for b in gate_breaches(report) if b.name != "quality_score_min"]
        if breached:
            reasons.append(f"{plural(len(breached), 'threshold')} breached at or above {fail_on}")
    if any(b.name == "quality_score_min" for b in summary.breaches):
        reasons.append("quality score below its minimum")
    errors = [r for r in rules if r.status == "error"]
    if errors:
        reasons.append(f"{plural(len(errors), 'rule')} could not run")
    if not reasons and not summary.passed:
        reasons.append("the gate failed")
    return reasons


def plural(count: int, noun: str) -> str:
    """``1 rule``, ``2 rules``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# Characters that must not reach a terminal, a CI log or a one-line cell as they are: C0/C1 controls
# (newlines could forge report lines, ESC starts terminal sequences), Unicode line separators,
# bidirectional overrides (they reorder what is displayed) and lone surrogates (not encodable).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line with data-controlled characters made visible (``\\n``, ``\\x1b``, ``\\ud800``).

    Record ids, field names, values and messages come from the data; every renderer passes them
    through here so that a value cannot add lines to a report, send terminal escape sequences or
    make the output unencodable. Registered secrets (docs/security.md) are masked first.
    """
    return _UNPRINTABLE.sub(_escape_char, mask_secrets(str(text)))


def format_value(value: Any, limit: int = 60) -> str:
    """A record value as compact JSON, shortened to ``limit`` characters."""
    safe = json_safe(value)
    try:
        text = orjson.dumps(safe).decode()
    except TypeError:  # integers beyond 64 bits
        import json

        text = json.dumps(safe, ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def format_record_id(record_id: Any) -> str:
    """A record id as written in example lines (strings bare, others as JSON)."""
    if isinstance(record_id, str):
        return record_id if len(record_id) <= 60 else record_id[:57] + "..."
    return format_value(record_id)


def shows_value(violation: Violation) -> bool:
    """Whether an example line shows ``field = value`` (not for missing fields or batch results)."""
    return violation.field is not None and violation.reason != "missing_field" and violation.line is not None


def format_score(value: float | None) -> str:
    """A 0..1 score with three decimals, cut (not rounded) so that a score below a level's cut-off never
    reads as the cut-off (0.6999 is ``0.699``, with level ``poor``); ``n/a`` when not measured."""
    if value is None:
        return "n/a"
    return str(Decimal(repr(value)).quantize(_THOUSANDTH, rounding=ROUND_FLOOR))


_THOUSANDTH = Decimal("0.001")


def format_percent(value: float | None) -> str:
    """A fraction as a percentage with one decimal, ``n/a`` when unknown."""
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_number(value: float) -> str:
    """A threshold value: integers bare, fractions with up to four significant decimals."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def describe_breach(breach: ThresholdBreach) -> str:
    """``error_rate 0.12 > max 0.05`` for ``*_max`` thresholds, ``... < min ...`` for ``*_min`` ones."""
    if breach.name.endswith("_min"):
        relation = f"< min {format_number(breach.threshold)}"
    else:
        relation = f"> max {format_number(breach.threshold)}"
    return f"{breach.metric} {format_number(breach.value)} {relation}"


def example_location(violation: Violation, multi_source: bool, metadata: bool = False) -> str:
    """``line 12``, ``events.jsonl:12`` (several sources), ``batch`` or ``metadata``."""
    if metadata:
        return "metadata"
    if violation.line is None:
        return "batch"
    if multi_source and violation.source:
        return f"{violation.source}:{violation.line}"
    return f"line {violation.line}"


def shown_examples(rule: RuleResult, options: RenderOptions) -> list[Violation]:
    """The examples of ``rule`` that ``options`` asks to show."""
    if options.max_examples is None:
        return list(rule.examples)
    return list(rule.examples[: max(options.max_examples, 0)])


def failing_rules(report: Report) -> Iterable[RuleResult]:
    """Rules that failed or could not run, data rules first."""
    return [r for r in all_rules(report) if r.status in ("failed", "error")]


def example_parts(violation: Violation, multi_source: bool, metadata: bool = False) -> list[str]:
    """The pieces of one example line: location, ``id=...``, ``field = value`` (or field), message."""
    parts = [example_location(violation, multi_source, metadata)]
    if violation.record_id is not None and not metadata:
        parts.append(f"id={format_record_id(violation.record_id)}")
    if shows_value(violation):
        parts.append(f"{violation.field} = {format_value(violation.value)}")
    elif violation.field:
        parts.append(violation.field)
    parts.append(violation.message)
    return [printable(part) for part in parts]
