"""``rfsrules lint``: report every problem in ruleset files without reading any data."""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer

from .common import OUTSIDE_HELP, ROOT_HELP, checked_root, debug_enabled, handle_errors, masked
from .exitcodes import ExitCode

NAME = "lint"

LINT_FORMAT = "rfsrules.lint/1"
"""Version tag of ``rfsrules lint --format json``."""


class LintFormat(str, enum.Enum):
    """Output formats of ``rfsrules lint``."""

    text = "text"
    json = "json"


def command(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE", show_default=False,
                                               help="Ruleset YAML files to check.")],
    fmt: Annotated[LintFormat, typer.Option("--format", "-f", case_sensitive=False,
                                            help="text: one issue per line; json: a document.")] = LintFormat.text,
    root: Annotated[Optional[str], typer.Option("--root", metavar="DIR", help=ROOT_HELP)] = None,
    allow_outside_root: Annotated[bool, typer.Option("--allow-outside-root", help=OUTSIDE_HELP)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Check ruleset files: print every issue as 'path:line:col: CODE message' and a count.

    Exit status: 0 no issues, 2 issues found (or an error).
    """
    with handle_errors(debug_enabled(ctx, debug)):
        code = run_lint(files, fmt.value, root=root, allow_outside_root=allow_outside_root)
    raise typer.Exit(int(code))


def run_lint(files: list[str], fmt: str = "text", *, root: str | None = None,
             allow_outside_root: bool = False) -> ExitCode:
    """Lint ``files``, print the result in ``fmt`` on stdout and return the exit code."""
    from ..ruleset.loader import lint_files

    issues = sorted(lint_files(files, root=checked_root(root), allow_outside_root=allow_outside_root),
                    key=lambda i: (i.path, i.line, i.col, i.code, i.message))
    if fmt == "json":
        from ..outputs.json_format import dumps

        typer.echo(dumps({
            "format": LINT_FORMAT,
            "files": list(files),
            "count": len(issues),
            "issues": [{"path": i.path, "line": i.line, "col": i.col, "code": i.code, "message": masked(i.message)}
                       for i in issues],
        }), nl=False)
    else:
        for issue in issues:
            typer.echo(masked(f"{issue.path}:{issue.line}:{issue.col}: {issue.code} {issue.message}"))
        typer.echo(count_line(len(issues), len(files)))
    return ExitCode.ERROR if issues else ExitCode.OK


def count_line(issues: int, files: int) -> str:
    """``2 problems in 1 file`` / ``no problems in 3 files``."""
    noun = "file" if files == 1 else "files"
    if not issues:
        return f"no problems in {files} {noun}"
    return f"{issues} problem{'s' if issues != 1 else ''} in {files} {noun}"
