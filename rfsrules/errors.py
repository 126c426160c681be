"""Exception hierarchy: ruleset and usage problems raise, data problems become violations."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Issue:
    """One problem found in a ruleset, located at ``path:line:col`` (1-based)."""

    path: str
    line: int
    col: int
    message: str
    code: str = "RFL000"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class RfsrulesError(Exception):
    """Base class of every error rfsrules raises on purpose."""


class RulesetError(RfsrulesError):
    """A ruleset (or the files it extends) has one or more problems; ``issues`` lists all of them."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = sorted(issues, key=lambda i: (i.path, i.line, i.col, i.message))
        super().__init__("\n".join(str(i) for i in self.issues))


class UsageError(RfsrulesError):
    """The caller asked for something impossible (bad option, missing file, unknown format)."""


class InputError(RfsrulesError):
    """A data source cannot be opened or read at all (not: a malformed record, which is a violation)."""


class UnknownNameError(RfsrulesError, KeyError):
    """A name (check, engine, format, ...) is not registered; the message suggests close matches."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        self.kind, self.name = kind, name
        self.suggestions = did_you_mean(name, known)
        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class EngineUnsupportedError(RfsrulesError):
    """An engine cannot run some rules of a ruleset; raised before any data is read."""

    def __init__(self, engine: str, issues: Sequence[Issue]):
        self.engine, self.issues = engine, list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class PluginError(RfsrulesError):
    """A plugin failed while loading or inside a hook."""

    def __init__(self, plugin: str, hook: str, cause: BaseException | str):
        self.plugin, self.hook, self.cause = plugin, hook, cause
        super().__init__(f"plugin {plugin!r} failed in {hook}: {cause}")


class ValidationFailed(RfsrulesError):
    """Raised by ``Report.raise_for_status()`` when a report did not pass its gate."""

    def __init__(self, report):
        self.report = report
        super().__init__(f"validation failed: {report.summary.violations_total} violation(s)")


def did_you_mean(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``known``, best first."""
    return difflib.get_close_matches(str(name), sorted(set(known)), n=n, cutoff=0.6)
