"""Shared CLI plumbing: error reporting, --debug, KEY=VALUE options, metadata files, --ref-time, output."""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

import typer

from ..errors import EngineUnsupportedError, RfsrulesError, RulesetError, UsageError
from .exitcodes import ExitCode

PROG = "rfsrules"
DEBUG_ENV = "RFSRULES_DEBUG"


def masked(text: str) -> str:
    """``text`` with the values of secret environment variables a ruleset used replaced by ``***``
    (see docs/security.md): error messages may quote a parameter that came from one."""
    from ..results import mask_secrets

    return mask_secrets(text)


def error_line(message: str) -> None:
    """Print ``rfsrules: error: message`` on stderr."""
    typer.echo(masked(f"{PROG}: error: {message}"), err=True)


def debug_enabled(ctx: typer.Context | None = None, flag: bool = False) -> bool:
    """True when ``--debug`` was given (on the command or globally) or ``RFSRULES_DEBUG=1``."""
    if flag or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        return True
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("debug"):
            return True
        ctx = ctx.parent
    return False


@contextmanager
def handle_errors(debug: bool) -> Iterator[None]:
    """Turn rfsrules exceptions into stderr messages and exit code 2; tracebacks only with ``debug``.

    A ``RulesetError`` prints every issue as ``path:line:col: message``, one per line, then a
    one-line summary. Any other exception is reported in one line as an internal error.
    """
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        error_line("interrupted")
        raise typer.Exit(ExitCode.ERROR) from None
    except SystemExit as exc:  # not ours (we exit through typer.Exit): a plugin called sys.exit()
        _maybe_traceback(debug)
        error_line(f"a plugin or check called sys.exit({exc.code!r}) while the command ran; nothing can be "
                   "concluded from this run")
        raise typer.Exit(ExitCode.ERROR) from None
    except RulesetError as exc:
        _maybe_traceback(debug)
        for issue in exc.issues:
            typer.echo(masked(f"{issue.path}:{issue.line}:{issue.col}: {issue.message}"), err=True)
        count = len(exc.issues)
        error_line(f"{count} problem{'s' if count != 1 else ''} in the ruleset; nothing was checked")
        raise typer.Exit(ExitCode.ERROR) from None
    except EngineUnsupportedError as exc:
        _maybe_traceback(debug)
        for issue in exc.issues:
            typer.echo(masked(f"{issue.path}:{issue.line}:{issue.col}: {issue.message}"), err=True)
        error_line(f"engine {exc.engine!r} cannot run {len(exc.issues)} rule(s) of this ruleset")
        raise typer.Exit(ExitCode.ERROR) from None
    except RfsrulesError as exc:
        _maybe_traceback(debug)
        error_line(str(exc))
        raise typer.Exit(ExitCode.ERROR) from None
    except OSError as exc:
        _maybe_traceback(debug)
        where = f" {exc.filename!r}" if exc.filename else ""
        error_line(f"cannot access{where}: {exc.strerror or exc}")
        raise typer.Exit(ExitCode.ERROR) from None
    except Exception as exc:  # an rfsrules bug or a plugin bug: still one line unless --debug
        _maybe_traceback(debug)
        hint = "" if debug else f" (run with --debug or {DEBUG_ENV}=1 for the traceback)"
        error_line(f"internal error: {type(exc).__name__}: {exc}{hint}")
        raise typer.Exit(ExitCode.ERROR) from None


def _maybe_traceback(debug: bool) -> None:
    if debug:
        sys.stderr.write(masked(traceback.format_exc()))


def parse_assignments(values: list[str] | None, option: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``: values are typed as JSON when they parse, else strings."""
    import orjson

    out: dict[str, Any] = {}
    for item in values or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} expects KEY=VALUE, got {item!r}")
        try:
            out[key] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            out[key] = raw
    return out


def _plain(value: Any) -> Any:
    """YAML-loaded data with dates and times turned into ISO strings (as they would be in JSON)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_metadata_file(path: str) -> dict[str, Any]:
    """A batch metadata mapping from a JSON or YAML file (``--metadata``)."""
    import orjson

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read metadata file {path!r}: {exc.strerror or exc}") from None
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as Windows editors write it
        raw = raw[3:]
    suffix = Path(path).suffix.lower()
    data: Any
    if suffix == ".json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"metadata file {path!r} is not valid JSON: {exc}") from None
    else:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            data = _plain(YAML(typ="safe", pure=True).load(raw.decode("utf-8")))
        except (YAMLError, UnicodeDecodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"metadata file {path!r} is not valid YAML or JSON: {first}") from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number",
                type(None): "null (the file is empty)"}.get(type(data), type(data).__name__)
        raise UsageError(f"metadata file {path!r} must hold a mapping (a JSON object), not {kind}")
    return data


ROOT_HELP = ("Project root: extends: and files named by check parameters may not leave it "
             "(default: the directory of each ruleset file).")
OUTSIDE_HELP = "Let extends: and file parameters name files outside the project root."


def checked_root(root: str | None) -> str | None:
    """``--root``: an existing directory, made absolute (real path, as the loader compares real paths)."""
    if root is None:
        return None
    if not os.path.isdir(root):
        raise UsageError(f"--root {root!r} is not a directory")
    return os.path.realpath(root)


def parse_ref_time(text: str | None) -> datetime:
    """``--ref-time``: an ISO-8601 date-time (``Z`` or offset; naive means UTC) or ``now`` (the default)."""
    if text is None or text.strip().lower() == "now":
        return datetime.now(timezone.utc)
    from ..runner import parse_ref_time as parse_reference  # what rfsrules.check(ref_time=...) accepts

    try:
        return parse_reference(text)
    except UsageError:
        raise UsageError(f"invalid --ref-time {text!r}: expected an ISO-8601 date-time "
                         "such as 2026-01-15T12:00:00Z") from None


def write_output(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (``-`` means stdout); failures become a UsageError."""
    if path == "-":
        typer.echo(text, nl=False)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path!r}: {exc.strerror or exc}") from None


def stdout_is_terminal() -> bool:
    """Whether stdout is an interactive terminal (colours), honouring ``NO_COLOR``."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
