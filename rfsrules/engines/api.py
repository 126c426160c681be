"""The engine protocol: compile a ruleset's rule IR, run it over sources, return a Report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from ..checks.spec import CheckRegistry
    from ..errors import Issue
    from ..report import Report
    from ..ruleset.model import Ruleset


@dataclass(frozen=True)
class RunOptions:
    """Options every engine honours.

    :param ref_time: reference time for freshness checks (``--ref-time``; default: now, UTC).
    :param max_examples: example violations kept per rule (counts are always exact).
    :param fail_on: lowest severity that fails the gate (``none`` disables severity failures).
    :param metadata: the batch's metadata mapping, checked by ``metadata_rules``.
    :param context: merged into every violation (``with_context``) and the report.
    :param keep_going: a rule whose check raised is reported with status ``error``; when False the
        caller (CLI) exits 2.
    :param max_line_bytes: a longer input line is a malformed record (``line_too_long``).
    :param progress: called as ``progress(bytes_read, bytes_total)`` now and then, or None.
    """

    ref_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    max_examples: int = 20
    fail_on: str = "high"
    metadata: Mapping[str, Any] | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    keep_going: bool = False
    max_line_bytes: int = 16 * 1024 * 1024
    progress: Callable[[int, int], None] | None = None
    jobs: int = 1
    measure_resources: bool = True


class Engine(Protocol):
    """What an engine provides. Engines compile ``ruleset.rules`` (the IR) and never re-read YAML."""

    name: str

    def unsupported(self, ruleset: "Ruleset") -> "list[Issue]":
        """Rules this engine cannot run, one issue per rule (with the ruleset location); empty if all run."""

    def run(self, ruleset: "Ruleset", sources: Iterable[Any], options: RunOptions) -> "Report":
        """Check ``sources`` (paths, ``-`` for stdin, or in-memory records) as one batch."""


@dataclass(frozen=True)
class EngineSpec:
    """A registered engine: ``factory(registry) -> Engine``; ``extra`` names the pip extra it needs."""

    name: str
    factory: Callable[["CheckRegistry"], Engine]
    summary: str = ""
    extra: str | None = None
    plugin: str = "rfsrules"
