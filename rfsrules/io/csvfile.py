"""CSV reader: a header row, then one record per row with cells typed by the ruleset's declared field types."""

from __future__ import annotations

import csv
import re
from typing import IO, Any, Callable, Iterator, Mapping, Sequence

from ..errors import InputError
from ..results import Reason
from .lines import (CHUNK_SIZE, TOO_LONG, LineBlocks, Malformed, NumberOutOfRange, exact_loads, excerpt, finite_float,
                    too_long)

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BOOLEANS = {"true": True, "false": False}

# The order in which a cell is tried against the declared types; anything else stays a string.
_CONVERSION_ORDER = ("integer", "number", "boolean", "object", "array")


def convert_cell(cell: str, types: Sequence[str]) -> Any:
    """Type one CSV cell: ``""`` is null; integer/number/boolean/object/array are parsed when they parse.

    A cell that does not parse as any declared type stays a string, so the ``type`` check flags it; so
    does a number too large for a double (``1e400``), as ``NaN`` and ``Infinity`` do.
    """
    if cell == "":
        return None
    for name in _CONVERSION_ORDER:
        if name not in types:
            continue
        if name == "integer" and _INTEGER.fullmatch(cell):
            return int(cell)
        if name == "number":
            if _INTEGER.fullmatch(cell):
                return int(cell)
            if _NUMBER.fullmatch(cell):
                try:
                    return finite_float(cell)
                except NumberOutOfRange:
                    pass
        if name == "boolean":
            value = _BOOLEANS.get(cell.strip().lower())
            if value is not None:
                return value
        if name in ("object", "array") and cell.lstrip()[:1] in ("{", "["):
            try:
                value = exact_loads(cell)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict if name == "object" else list):
                return value
    return cell


def iter_csv(stream: IO[bytes], *, field_types: Mapping[Any, Sequence[str]], max_line_bytes: int,
             chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None,
             position: Callable[[], int] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, record | Malformed)`` for each data row; ``line`` is the row's first physical line.

    The first non-blank row is the header (line 1 usually). A column absent from the header is missing
    from every record; an empty cell is null. Rows with a different number of cells than the header are
    ``malformed_csv``; lines with invalid UTF-8 or longer than ``max_line_bytes`` are malformed too.

    ``field_types`` maps a column name to its declared types, or a tuple of keys (``("data", "value")``,
    see :func:`rfsrules.io.sources.declared_csv_types`) to the types of a nested field: a column named
    ``data.value`` then fills ``record["data"]["value"]``, unless a column ``data.value`` is declared as
    a top-level name or another column is a prefix of it (``data``), which keep it a plain column.
    """
    blocks = LineBlocks(stream, max_line_bytes=max_line_bytes, chunk_size=chunk_size,
                        progress=progress, position=position)
    state = {"line": 0}
    pending: list[tuple[int, Malformed]] = []

    def text_lines() -> Iterator[str]:
        for block in blocks:
            for raw in block:
                state["line"] += 1
                if raw is TOO_LONG:
                    pending.append((state["line"], too_long(max_line_bytes)))
                    yield "\n"
                    continue
                try:
                    yield raw.decode("utf-8") + "\n"
                except UnicodeDecodeError as exc:
                    pending.append((state["line"], Malformed(
                        Reason.INVALID_ENCODING.value, f"invalid UTF-8 at byte {exc.start + 1}", excerpt(raw))))
                    yield "\n"

    # the csv module refuses cells over 128 KiB by default: a cell may be as long as a record may be
    csv.field_size_limit(max(csv.field_size_limit(), max_line_bytes))
    reader = csv.reader(text_lines(), strict=True)  # strict: an unterminated quote is an error at the end
    header: list[str] | None = None
    converters: list[tuple[str, Sequence[str] | None]] = []
    while True:
        start = state["line"] + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from _flush(pending)
            yield start, Malformed(Reason.MALFORMED_CSV.value, f"invalid CSV: {exc}")
            continue
        yield from _flush(pending)
        if not row:
            continue
        if header is None:
            header = row
            duplicates = sorted({name for name in header if header.count(name) > 1})
            if duplicates:
                raise InputError(f"the CSV header names {', '.join(repr(d) for d in duplicates)} more than once "
                                 f"(duplicate columns)")
            converters = _converters(header, field_types)
            continue
        if len(row) != len(header):
            yield start, Malformed(Reason.MALFORMED_CSV.value,
                                   f"CSV row has {len(row)} cells, the header has {len(header)}",
                                   excerpt(",".join(row)))
            continue
        record: dict[str, Any] = {}
        for (name, keys, types), cell in zip(converters, row):
            value = (None if cell == "" else cell) if types is None else convert_cell(cell, types)
            if keys is None:
                record[name] = value
            else:
                target = record
                for k in keys[:-1]:
                    target = target.setdefault(k, {})
                target[keys[-1]] = value
        yield start, record
    yield from _flush(pending)


def _converters(header: Sequence[str], field_types: Mapping[Any, Sequence[str]]
                ) -> list[tuple[str, tuple[str, ...] | None, Sequence[str] | None]]:
    """``(column, nested keys or None, declared types or None)`` for each column of ``header``."""
    nested = {".".join(k): k for k in field_types if isinstance(k, tuple)}
    columns = set(header)
    out: list[tuple[str, tuple[str, ...] | None, Sequence[str] | None]] = []
    for name in header:
        keys = nested.get(name) if name not in field_types else None
        if keys is not None and any(".".join(keys[:i]) in columns for i in range(1, len(keys))):
            keys = None  # a column `data` next to `data.value`: both stay plain columns
        out.append((name, keys, field_types[keys] if keys is not None else field_types.get(name)))
    return out


def _flush(pending: list[tuple[int, Malformed]]) -> Iterator[tuple[int, Malformed]]:
    while pending:
        yield pending.pop(0)
