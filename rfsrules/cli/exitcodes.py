"""Process exit codes of the ``rfsrules`` command; their meaning never changes (see docs/cli.md)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What an ``rfsrules`` process exit status means.

    ``OK`` (0): the command succeeded; for ``check``, every report passed its gate.
    ``CHECK_FAILED`` (1): ``check`` ran completely and some report failed its gate
    (a failing rule or breached threshold at or above ``--fail-on``, quality below its minimum,
    or, with ``--keep-going``, a rule that could not run).
    ``ERROR`` (2): nothing trustworthy was produced: bad usage or option, unreadable or invalid
    ruleset, unreadable input, unknown engine/check, lint issues found, an internal error, or
    (without ``--keep-going``) a rule whose check raised.
    """

    OK = 0
    CHECK_FAILED = 1
    ERROR = 2


__all__ = ["ExitCode"]
