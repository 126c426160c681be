"""CheckSpec: the one declaration of a check (parameters schema, docs, per-engine implementations) and the registry.

Python implementation protocols, by ``CheckSpec.level``:

``value``
    ``spec.python(rule, ctx) -> test`` with ``test(value) -> None | (reason, message)``. The engine calls it
    once per present, non-null value at each of ``rule.fields`` (each element for ``[*]`` paths); missing
    and null values are the business of ``required``/``not_null`` and are skipped.
``record``
    ``spec.python(rule, ctx) -> test`` with ``test(record, line) -> None | list[CheckFailure]``. Sees the whole
    record (a dict). Stateful checks (``unique``) keep their state on the returned object.
``batch``
    ``spec.python(rule, ctx) -> accumulator`` with ``add(record)`` (called per checked record unless
    ``accumulator.needs_records`` is False), ``merge(other)`` and ``finish(records_checked) -> list[CheckFailure]``.
    Optionally ``accumulator.values_of`` (a plain ``FieldPath``) with ``add_values(values)``: the engine may
    then pass, instead of records, the value at that path (MISSING when absent) of each checked record, in
    order and in runs (the Python engine hands over one list per block of lines). For ``--jobs`` runs the
    accumulator must be picklable; ``merge`` combines the accumulators of consecutive parts of the batch.

A ``CheckFailure`` is ``(field, value, reason, message)``; ``field`` is the concrete path (``items[2].sku``) or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from ..errors import RfsrulesError, UnknownNameError

LEVELS = ("value", "record", "batch")
REDACTED_VALUE = "[redacted]"
"""What reports show instead of a value flagged by a check with ``redact_values=True``."""
FIELD_MODES = ("none", "one", "many", "optional")


class CheckFailure(NamedTuple):
    """One failing field of one record (or of the batch, for batch checks)."""

    field: str | None
    value: Any
    reason: str
    message: str


@dataclass(frozen=True)
class CompileContext:
    """What a check may know when it is compiled: the reference time and engine options."""

    ref_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckSpec:
    """The single declaration of a check. The ruleset schema, lint, docs and ``rfsrules explain`` read it.

    :param name: the name used in YAML (``check: range``); plugins namespace theirs (``pii.email_masked``).
    :param level: ``value``, ``record`` or ``batch`` (see the module docstring).
    :param summary: one line, shown in listings.
    :param description: what it checks, in Markdown.
    :param params: JSON Schema ``properties`` of the check's own parameters.
    :param required: names of required parameters.
    :param fields: ``none``, ``one`` (``field:``), ``many`` (``fields:`` or ``field:``) or ``optional``.
    :param python: builds the Python implementation (required: it defines the semantics).
    :param validate: extra semantic checks ``validate(params) -> [(param_name_or_None, message)]``.
    :param validate_fields: checks of the rule's parsed field paths, ``validate_fields(fields) -> [message]``
        (for example "a composite key cannot use ``[*]`` paths"); ``rfsrules lint`` reports each
        message at the rule's ``field``/``fields`` key.
    :param example: a YAML rule using the check (linted by the test-suite).
    :param failing_record: a record the example flags, for the docs.
    :param preceding_records: records that come before ``failing_record`` in the documented example
        batch, for checks that compare records (``unique``, batch checks); ``failing_record`` is last.
    :param engines: implementations for other engines, keyed by engine name (``duckdb``, ...).
    :param unsupported: engines that declare they cannot run the check, with the reason.
    :param redact_values: the values this check flags are sensitive (personal data, secrets): reports
        show ``REDACTED_VALUE`` instead of them, whatever the engine or output format.
    :param path_params: parameters holding file paths; the loader resolves them against the ruleset's
        directory (refusing paths outside the project root) before the check is compiled.
    :param validate_file: ``(param, resolved path) -> [problem, ...]``: what is wrong with the contents
        of a file a path parameter names (``rfsrules lint`` reports each at the parameter's line:col).
    """

    name: str
    level: str
    summary: str
    python: Callable[..., Any]
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    fields: str = "one"
    default_severity: str = "medium"
    default_dimension: str = "accuracy"
    validate: Callable[[Mapping[str, Any]], list[tuple[str | None, str]]] | None = None
    validate_fields: Callable[[tuple[Any, ...]], list[str]] | None = None
    example: str = ""
    failing_record: Mapping[str, Any] | None = None
    preceding_records: tuple[Mapping[str, Any], ...] = ()
    engines: Mapping[str, Any] = field(default_factory=dict)
    unsupported: Mapping[str, str] = field(default_factory=dict)
    path_params: tuple[str, ...] = ()
    validate_file: Callable[[str, str], list[str]] | None = None
    redact_values: bool = False
    plugin: str = "rfsrules"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"check {self.name!r}: level must be one of {LEVELS}")
        if self.fields not in FIELD_MODES:
            raise ValueError(f"check {self.name!r}: fields must be one of {FIELD_MODES}")

    def params_schema(self) -> dict[str, Any]:
        """The JSON Schema object for this check's parameters alone."""
        return {"type": "object", "properties": dict(self.params), "required": list(self.required)}

    def with_plugin(self, plugin: str) -> "CheckSpec":
        return replace(self, plugin=plugin)


class CheckNameClash(RfsrulesError):
    """Two plugins registered a check under the same name."""

    def __init__(self, name: str, first: str, second: str):
        self.name, self.first, self.second = name, first, second
        super().__init__(f"check {name!r} is registered by both plugin {first!r} and plugin {second!r}")


class CheckRegistry:
    """Checks by name. Filled by the plugin manager from ``rfsrules_register_checks`` hooks."""

    def __init__(self, specs: Iterable[CheckSpec] = ()):
        self._specs: dict[str, CheckSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CheckSpec) -> None:
        if spec.name in self._specs:
            raise CheckNameClash(spec.name, self._specs[spec.name].plugin, spec.plugin)
        self._specs[spec.name] = spec

    def get(self, name: str) -> CheckSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownNameError("check", name, self._specs) from None

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def __iter__(self):
        return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        return sorted(self._specs)
