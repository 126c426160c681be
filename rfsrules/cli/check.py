"""``rfsrules check``: run a ruleset over data files and gate on the result."""

from __future__ import annotations

import enum
import os
import sys
import time
from contextlib import contextmanager
from typing import Annotated, Callable, Iterator, Optional

import typer

from ..errors import InputError, UnknownNameError, UsageError
from .common import (
    OUTSIDE_HELP, ROOT_HELP, checked_root, debug_enabled, error_line, handle_errors, load_metadata_file,
    parse_assignments, parse_ref_time, stdout_is_terminal, write_output,
)
from .exitcodes import ExitCode

NAME = "check"

TEXT_EXAMPLES_DEFAULT = 5
"""Examples shown per failing rule in the text format when --max-examples is not given."""
KEPT_EXAMPLES_DEFAULT = 20
"""Examples kept per rule (JSON, JUnit, Markdown) when --max-examples is not given."""
PROGRESS_MIN_BYTES = 50 * 1024 * 1024
"""A progress bar appears on stderr only for inputs larger than this, and only on a terminal."""
_PARALLEL_MIB = 8
"""``rfsrules.engines.auto.PARALLEL_MIN_BYTES`` in MiB, for the help text (a test keeps them equal; importing
the engines module here would slow down every command's start)."""


class OutputFormat(str, enum.Enum):
    """Report formats of ``--format`` (the keys of ``rfsrules.outputs.FORMATS``)."""

    text = "text"
    json = "json"
    junit = "junit"
    markdown = "markdown"


class FailOn(str, enum.Enum):
    """Lowest severity that fails the gate; ``none`` never fails on severity."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"
    none = "none"


def command(
    ctx: typer.Context,
    data: Annotated[list[str], typer.Argument(
        metavar="DATA", show_default=False,
        help="Data files (.jsonl, .ndjson, .jsonl.gz, .json array, .csv) checked as one batch; '-' reads JSONL from stdin.")],
    ruleset: Annotated[str, typer.Option(
        "--ruleset", "-r", metavar="RULESET", show_default=False, help="The ruleset YAML file.")],
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", case_sensitive=False, help="Report format.")] = OutputFormat.text,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write the report to FILE instead of stdout (stdout then stays empty; errors still go to stderr).")] = None,
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", case_sensitive=False,
        help="Lowest severity of a failing rule or breached threshold that fails the check (exit 1).")] = FailOn.high,
    ref_time: Annotated[Optional[str], typer.Option(
        "--ref-time", metavar="ISO",
        help="Reference time for freshness checks, e.g. 2026-01-15T12:00:00Z (default: now, UTC).")] = None,
    max_examples: Annotated[Optional[int], typer.Option(
        "--max-examples", min=0, metavar="N",
        help=f"Examples per rule: shown in text (default {TEXT_EXAMPLES_DEFAULT}) and kept in "
             f"json/junit/markdown (default {KEPT_EXAMPLES_DEFAULT}). Counts are always exact.")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print no report (only errors on stderr); the exit code tells the result.")] = False,
    engine: Annotated[str, typer.Option(
        "--engine", "-e", metavar="NAME",
        help="Engine that runs the rules: auto (DuckDB for large files when installed, else python), "
             "python, duckdb or a plugin's.")] = "auto",
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, metavar="N", show_default=False,
        help="Processes the python engine may use: plain .jsonl files are split at line boundaries and "
             "checked in parallel, with the same report as one process (default: every CPU for "
             f"{_PARALLEL_MIB} MiB or more of .jsonl input, else 1).")] = None,
    metadata: Annotated[Optional[str], typer.Option(
        "--metadata", metavar="FILE", help="Batch metadata (a JSON or YAML mapping) checked by metadata_rules.")] = None,
    meta: Annotated[Optional[list[str]], typer.Option(
        "--meta", metavar="KEY=VALUE",
        help="Set one metadata key (repeatable; overrides --metadata). VALUE is typed as JSON when it parses.")] = None,
    per_file: Annotated[bool, typer.Option(
        "--per-file", help="One report per data file instead of one batch; the exit code is the worst.")] = False,
    keep_going: Annotated[bool, typer.Option(
        "--keep-going",
        help="A rule whose check raised fails the gate (exit 1) instead of stopping with exit 2.")] = False,
    context: Annotated[Optional[list[str]], typer.Option(
        "--context", metavar="KEY=VALUE",
        help="Record KEY in the report's context (repeatable; VALUE typed as JSON when it parses).")] = None,
    max_line_bytes: Annotated[Optional[str], typer.Option(
        "--max-line-bytes", metavar="SIZE",
        help="Longest accepted line (or JSON-array element), e.g. 64MiB; longer ones are malformed "
             "(default 16MiB).")] = None,
    root: Annotated[Optional[str], typer.Option(
        "--root", metavar="DIR", help=ROOT_HELP)] = None,
    allow_outside_root: Annotated[bool, typer.Option("--allow-outside-root", help=OUTSIDE_HELP)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Check DATA against a ruleset and print a report.

    Exit status: 0 passed, 1 the check failed its gate, 2 usage, ruleset or input error
    (or a rule could not run, unless --keep-going).
    """
    with handle_errors(debug_enabled(ctx, debug)):
        code = run_check(
            data=data, ruleset=ruleset, fmt=fmt.value, output=output, fail_on=fail_on.value,
            ref_time=ref_time, max_examples=max_examples, quiet=quiet, engine=engine,
            metadata=metadata, meta=meta, per_file=per_file, keep_going=keep_going, context=context,
            max_line_bytes=max_line_bytes, jobs=jobs, root=root, allow_outside_root=allow_outside_root,
        )
    raise typer.Exit(int(code))


def run_check(
    *, data: list[str], ruleset: str, fmt: str = "text", output: str | None = None,
    fail_on: str = "high", ref_time: str | None = None, max_examples: int | None = None,
    quiet: bool = False, engine: str = "auto", metadata: str | None = None,
    meta: list[str] | None = None, per_file: bool = False, keep_going: bool = False,
    context: list[str] | None = None, max_line_bytes: str | None = None, jobs: int | None = None,
    root: str | None = None, allow_outside_root: bool = False,
) -> ExitCode:
    """Everything ``rfsrules check`` does after option parsing; returns the exit code.

    Raises rfsrules errors (usage, ruleset, input) for the caller to report.
    """
    from ..outputs import render
    from ..outputs.common import RenderOptions

    reference = parse_ref_time(ref_time)
    if output is not None and not output.strip():
        raise UsageError("--output needs a file name ('-' for stdout)")
    if output == "-":
        output = None  # stdout, as without --output (so --quiet still prints nothing)
    metadata_map = load_metadata_file(metadata) if metadata else None
    overrides = parse_assignments(meta, "--meta")
    if overrides:
        metadata_map = {**(metadata_map or {}), **overrides}
    context_map = parse_assignments(context, "--context")
    line_limit = _line_limit(max_line_bytes)
    _check_inputs(data)
    loaded = _load_ruleset(ruleset, root, allow_outside_root)
    engine = _check_engine(engine, quiet, loaded)

    kept = max_examples if max_examples is not None else KEPT_EXAMPLES_DEFAULT
    from ..runner import check as run

    with _progress(data, enabled=not quiet, per_file=per_file) as progress:
        result = run(
            data[0] if len(data) == 1 else list(data), loaded, engine=engine, ref_time=reference,
            metadata=metadata_map, context=context_map or None, max_examples=kept, fail_on=fail_on,
            keep_going=keep_going, per_file=per_file, progress=progress, max_line_bytes=line_limit, jobs=jobs,
        )
    reports = list(result) if isinstance(result, (list, tuple)) else [result]
    for report in reports:
        report.gate(fail_on)

    if fmt == "text":
        shown = max_examples if max_examples is not None else TEXT_EXAMPLES_DEFAULT
    else:
        shown = kept
    color = fmt == "text" and output is None and stdout_is_terminal()
    if output is not None or not quiet:
        text = render(fmt, reports if per_file else reports[0], RenderOptions(max_examples=shown, color=color))
        if output is not None:
            write_output(output, text)
        else:
            _print_report(text)
        from ..plugins.local import manager_for_ruleset

        manager = manager_for_ruleset(loaded)
        for report in reports:
            # with --per-file the written text holds every file's report: each hook call gets its own
            one = text if len(reports) == 1 else render(fmt, report, RenderOptions(max_examples=shown, color=color))
            manager.notify_report_rendered(report, fmt, one)

    errored = [r for report in reports for r in report.rules + report.metadata_rules if r.status == "error"]
    if errored and not keep_going:
        first = errored[0]
        more = f" and {len(errored) - 1} more" if len(errored) > 1 else ""
        from ..outputs.common import printable

        error_line(f"rule {first.id!r} could not run: {printable(first.error)}{more} "
                   "(use --keep-going to report this as a failed check instead)")
        return ExitCode.ERROR
    return ExitCode.OK if all(r.summary.passed for r in reports) else ExitCode.CHECK_FAILED


def _line_limit(text: str | None) -> int | None:
    """``--max-line-bytes``: a size such as ``64MiB`` or a number of bytes (at least 1 KiB)."""
    if text is None:
        return None
    from ..units import parse_size

    try:
        size = parse_size(int(text) if text.strip().isdigit() else text)
    except ValueError as exc:
        raise UsageError(f"invalid --max-line-bytes {text!r}: {exc}") from None
    if size < 1024:
        raise UsageError(f"invalid --max-line-bytes {text!r}: give at least 1KiB")
    return size


def _check_inputs(data: list[str]) -> None:
    if sum(1 for d in data if d == "-") > 1:
        raise UsageError("'-' (stdin) may be given only once")
    for item in data:
        if item == "-":
            continue
        if not os.path.exists(item):
            raise InputError(f"cannot read {item!r}: No such file or directory")
        if os.path.isdir(item):
            raise InputError(f"cannot read {item!r}: is a directory (give the data files)")


def _load_ruleset(path: str, root: str | None = None, allow_outside_root: bool = False):
    if not os.path.exists(path):
        raise UsageError(f"cannot read ruleset {path!r}: No such file or directory")
    if os.path.isdir(path):
        raise UsageError(f"cannot read ruleset {path!r}: is a directory")
    from ..ruleset.loader import load_ruleset

    return load_ruleset(path, root=checked_root(root), allow_outside_root=allow_outside_root)


def _print_report(text: str) -> None:
    """Write the report on stdout; a failed write (a full disk) is an error in one line."""
    try:
        typer.echo(text, nl=False)
    except BrokenPipeError:
        raise  # a reader that stopped early (| head): Python's usual quiet exit
    except OSError as exc:
        raise UsageError(f"cannot write the report to stdout: {exc.strerror or exc}") from None


def _check_engine(name: str, quiet: bool, loaded=None) -> str:
    """The engine name to run (``--engine``, matched case-insensitively as ``--format`` is), among the
    installed engines and those of the ruleset's own ``plugins:``."""
    from ..plugins.manager import get_plugin_manager

    manager = get_plugin_manager()
    if not quiet:
        for problem in manager.load_errors:
            typer.echo(f"rfsrules: warning: {problem}", err=True)
    if loaded is not None and loaded.plugins:
        from ..plugins.local import manager_for_ruleset

        manager = manager_for_ruleset(loaded)
    known = ["auto", *manager.engines]
    if name in known:
        return name
    folded = [k for k in known if k.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    raise UnknownNameError("engine", name, known)


def _total_bytes(data: list[str]) -> int:
    total = 0
    for item in data:
        if item != "-":
            try:
                total += os.path.getsize(item)
            except OSError:
                pass
    return total


@contextmanager
def _progress(data: list[str], *, enabled: bool,
              per_file: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for large inputs on a terminal (never in CI or when piped)."""
    try:
        interactive = sys.stderr.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not (enabled and interactive and not os.environ.get("CI") and _total_bytes(data) > PROGRESS_MIN_BYTES):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    # no refresh thread (auto_refresh): --jobs forks worker processes only from a single-threaded process
    with Progress("checking", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        grand_total = _total_bytes(data)
        task = bar.add_task("checking", total=grand_total)
        last = [0.0]
        # with --per-file each file is a run of its own, reporting (done, total) of that file only: the
        # files before the current one are added, so that the bar goes once from 0 to the whole size
        run = {"offset": 0, "done": 0, "total": 0}

        def update(done: int, total: int) -> None:
            if per_file:
                if done < run["done"] or (run["total"] and total != run["total"]):
                    run["offset"] += run["total"]  # the next file's run has started
                run["done"], run["total"] = done, total
                done, total = run["offset"] + done, max(grand_total, run["offset"] + total)
            now = time.monotonic()
            bar.update(task, completed=done, total=total, refresh=now - last[0] >= 0.1)
            if now - last[0] >= 0.1:
                last[0] = now

        yield update
