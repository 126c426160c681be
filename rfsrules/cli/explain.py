"""``rfsrules explain``: a check's documentation from its declaration, or the list of checks."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import UsageError
from .common import debug_enabled, handle_errors
from .exitcodes import ExitCode

NAME = "explain"


def command(
    ctx: typer.Context,
    check: Annotated[Optional[str], typer.Argument(metavar="CHECK", show_default=False,
                                                   help="A check name, e.g. range.")] = None,
    list_checks: Annotated[bool, typer.Option("--list", "-l", help="List every registered check.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Explain a check: what it tests, its parameters, an example and the failure it reports."""
    with handle_errors(debug_enabled(ctx, debug)):
        from ..plugins.manager import default_registry

        registry = default_registry()
        if list_checks:
            typer.echo(list_text(registry), nl=False)
        elif check is None:
            raise UsageError("give a check name (e.g. 'rfsrules explain range') or --list")
        else:
            typer.echo(explain_text(registry.get(check), registry), nl=False)
    raise typer.Exit(int(ExitCode.OK))


def list_text(registry) -> str:
    """One line per check: name, level and summary."""
    specs = list(registry)
    width = max((len(s.name) for s in specs), default=0)
    lines = [f"{s.name.ljust(width)}  {s.level:<6}  {s.summary}" for s in specs]
    return "\n".join(lines) + "\n" if lines else "(no checks registered)\n"


def explain_text(spec, registry) -> str:
    """The documentation page of one check, rendered by ``rfsrules.checks.docs`` (the same text as
    docs/checks.md: parameters from the declaration, the failure computed by running the example)."""
    from ..checks.docs import render_check_markdown

    text = render_check_markdown(spec, registry)
    return text if text.endswith("\n") else text + "\n"
