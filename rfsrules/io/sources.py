"""Input sources: which files (or stdin, in-memory records, tables) make a batch, their formats, and opening them."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Iterator, Mapping

from ..errors import InputError
from ..results import Reason
from .lines import GZIP_ERRORS, Malformed  # noqa: F401 - GZIP_ERRORS: the engines import it from here

FORMATS = ("jsonl", "json", "csv")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}
STDIN = "-"


@dataclass
class Source:
    """One input of a batch.

    ``kind`` is ``file``, ``stdin`` or ``records`` (an in-memory iterable of dicts, or the rows of a table
    read by :func:`rfsrules.io.frames.frame_rows`). ``name`` is the path
    as given, ``<stdin>`` or ``<memory>``; ``label`` is what violations carry as ``source``
    (None for in-memory records).
    """

    name: str
    kind: str
    format: str = "jsonl"
    compressed: bool = False
    path: str | None = None
    records: Iterable[Any] | None = None
    size: int = 0
    lines_read: int = 0  # updated while reading; locates an "unreadable input" violation

    @property
    def label(self) -> str | None:
        return None if self.kind == "records" else self.name


def detect_format(path: str) -> tuple[str, bool]:
    """``(format, gzip-compressed)`` from a file name: ``.jsonl``/``.ndjson``/``.json``/``.csv``, optional ``.gz``.

    Unknown extensions are read as JSON Lines.
    """
    lower = path.lower()
    compressed = lower.endswith(".gz")
    if compressed:
        lower = lower[:-3]
    return _EXTENSIONS.get(os.path.splitext(lower)[1], "jsonl"), compressed


def is_path_like(item: Any) -> bool:
    return isinstance(item, (str, os.PathLike))


def as_source_items(data: Any) -> list[Any]:
    """Normalise ``check()``'s ``data`` argument into a list of source items (paths, ``-``, tables, record iterables).

    A single path or ``-``; a table (pandas/Polars DataFrame, Polars LazyFrame, PyArrow Table or RecordBatch,
    DuckDB relation); a list/tuple of paths and tables; or any other iterable, taken as the records of one source.
    """
    from .frames import ACCEPTED, frame_kind, not_a_table

    if is_path_like(data) or frame_kind(data) is not None:
        return [data]
    if isinstance(data, (list, tuple)) and data and all(is_path_like(x) or frame_kind(x) is not None for x in data):
        return list(data)
    if isinstance(data, Mapping):
        raise InputError(f"data must be {ACCEPTED}, not a single mapping")
    if isinstance(data, (bytes, bytearray)):
        raise InputError(f"data must be {ACCEPTED}, not bytes")
    described = not_a_table(data)
    if described is not None:
        raise InputError(f"data must be {ACCEPTED}, not {described}")
    try:
        iter(data)
    except TypeError:
        raise InputError(f"data must be {ACCEPTED}, not {type(data).__name__}") from None
    return [data]


def resolve_sources(items: Iterable[Any]) -> list[Source]:
    """Describe each item; raises :class:`InputError` when a file cannot be opened (before anything is read)."""
    out: list[Source] = []
    for item in items:
        if is_path_like(item):
            path = os.fspath(item)
            if path == STDIN:
                out.append(Source(name="<stdin>", kind="stdin"))
                continue
            fmt, compressed = detect_format(path)
            try:
                if os.path.isdir(path):
                    raise IsADirectoryError(21, "Is a directory")
                with open(path, "rb"):
                    pass
                size = os.path.getsize(path)
            except OSError as exc:
                raise InputError(f"cannot read {path!r}: {exc.strerror or exc}") from None
            out.append(Source(name=path, kind="file", format=fmt, compressed=compressed, path=path, size=size))
        else:
            from .frames import frame_kind, frame_rows

            records = frame_rows(item) if frame_kind(item) is not None else item  # checks the columns now
            out.append(Source(name="<memory>", kind="records", records=records))
    return out


@contextlib.contextmanager
def open_binary(source: Source) -> Iterator[tuple[IO[bytes], Callable[[], int] | None]]:
    """Open a file or stdin source for binary reading; yields ``(stream, position)`` where ``position()``
    is how many bytes of the underlying (compressed) file have been consumed (None for stdin)."""
    if source.kind == "stdin":
        stream = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8"))
        yield stream, None  # no position: readers count the bytes they read
        return
    assert source.path is not None
    try:
        raw = open(source.path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {source.path!r}: {exc.strerror or exc}") from None
    with raw:
        if source.compressed:
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                yield gz, raw.tell
        else:
            yield raw, raw.tell


def unreadable(exc: BaseException) -> Malformed:
    """The malformed-record marker for input that stopped being readable (corrupt gzip, I/O error)."""
    return Malformed(Reason.INVALID_ENCODING.value, f"unreadable input: {type(exc).__name__}: {exc}")


def declared_csv_types(ruleset: Any) -> dict[Any, tuple[str, ...]]:
    """Column -> declared types, from ``fields:`` entries and ``type`` rules, for :func:`rfsrules.io.csvfile.iter_csv`.

    A top-level field is keyed by its name. A nested field (``data.value``: keys only, none holding a
    dot) is keyed by its tuple of keys, ``("data", "value")``, so that a CSV column named ``data.value``
    becomes that nested field; every such field a rule (or ``record_id``) names is listed, with the
    types declared for it (possibly none).
    """
    types: dict[Any, list[str]] = {}

    def key(path: Any) -> Any:
        segments = getattr(path, "segments", ())
        if not segments or not all(type(s) is str for s in segments):
            return None
        if len(segments) == 1:
            return segments[0]
        return None if any("." in s for s in segments) else tuple(segments)

    def add(path: Any, declared: Any) -> None:
        name = key(path)
        if name is None or (declared is None and not isinstance(name, tuple)):
            return
        bucket = types.setdefault(name, [])
        names = [] if declared is None else [declared] if isinstance(declared, str) else list(declared)
        bucket.extend(n for n in names if isinstance(n, str) and n not in bucket)

    for spec in getattr(ruleset, "fields", ()):
        add(spec.path, spec.attributes.get("type"))
    for rule in getattr(ruleset, "rules", ()):
        if rule.check == "type" and rule.enabled:
            for path in rule.fields:
                add(path, rule.params.get("type"))
    for rule in getattr(ruleset, "rules", ()):  # nested fields named without a declared type
        for path in (*rule.fields, *_expression_fields(rule)):
            add(path, None)
    add(getattr(ruleset, "record_id", None), None)
    return {k: tuple(v) for k, v in types.items()}


def _expression_fields(rule: Any) -> list[Any]:
    """Fields a rule's ``where`` filter and, for an ``expression`` rule, its expression read."""
    trees = [rule.where] if rule.where is not None else []
    text = rule.params.get("expr") if rule.check == "expression" else None
    if not trees and not isinstance(text, str):
        return []
    from .. import expr as expressions  # loads sqlglot: only for rulesets with expressions

    if isinstance(text, str):
        try:
            trees.append(expressions.parse_expression(text))
        except Exception:  # noqa: BLE001 - the loader reports bad expressions; they type no column
            pass
    return [path for tree in trees for path in expressions.field_refs(tree)]
