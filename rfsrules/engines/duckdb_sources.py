"""Input sources of the DuckDB engine: every source becomes a SQL relation of JSON texts with line numbers.

* JSON Lines files (``.jsonl``/``.ndjson``, any unknown extension) are read by DuckDB as raw lines
  (``read_csv`` with one VARCHAR column, no quoting), so JSON types, line numbers, blank lines and
  malformed lines are seen exactly as written. DuckDB's CSV reader also ends lines at a carriage
  return; a file containing ``\\r`` is first copied with each ``\\r`` turned into ``\\t`` (both are JSON
  whitespace outside strings and both are forbidden inside them, and the byte count is kept).
  Gzip files and stdin are decompressed/spooled the same way into a temporary file.
* CSV files and JSON array files are read by rfsrules' own readers (the Python engine's, so typing and
  line numbers are identical) and spooled as ``line<0x01>json`` rows.
* Parquet files are read by DuckDB, each row as ``to_json(row)``; pandas/Polars/Arrow tables and DuckDB
  relations too, each row as the JSON text of :func:`rfsrules.io.frames_sql.row_json_sql` (the record the
  Python engine reads from it); the 1-based position is the line number. Other iterables are in-memory records.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..io.lines import Malformed, chunk_reader, not_an_object
from ..io.sources import GZIP_ERRORS, STDIN, detect_format, is_path_like, unreadable
from .duckdb_sql import sql_string

DEFAULT_MAX_LINE_SIZE = 2 * 1024 * 1024
"""DuckDB's own line limit; a larger ``max_line_bytes`` is honoured by rescanning a source that hits it."""

_CHUNK = 1 << 20
_SCAN_CHUNK = 1 << 20
_BUFFER_FACTOR = 16
"""DuckDB's CSV read buffer is this many times ``max_line_size`` unless ``buffer_size`` is given."""
DELIMITER = "\x01"
"""The CSV delimiter of raw-line reading: a control byte, so a line holding it is not valid JSON anyway;
in strict mode DuckDB rejects such a line (``TOO MANY COLUMNS``) and Python's parser explains why."""
_TRANSLATION = bytes.maketrans(b"\r\x01", b"\t\x02")
PARQUET_EXTENSIONS = (".parquet", ".pq")


@dataclass
class ScanSource:
    """One source as stage 1 reads it.

    :param label: what violations carry as ``source`` (None for in-memory data).
    :param name: the entry of ``summary.sources``.
    :param sql: a relation with column ``raw`` (JSON text) and, if ``line_column``, ``line``.
    :param raw_lines: raw JSON Lines (rejects, blank lines, BOMs and lenient JSON are handled).
    :param path: the file DuckDB reads, for re-reading lines (raw_lines sources).
    :param malformed: ``(line, Malformed)`` found by the Python readers while spooling.
    :param translated: DuckDB reads a copy with ``\\r`` turned into ``\\t`` and ``\\x01`` into ``\\x02``
        (messages of malformed lines are then taken from the original bytes).
    """

    label: str | None
    name: str
    sql: str = ""
    raw_lines: bool = False
    line_column: bool = False
    path: str | None = None
    malformed: list[tuple[int, Malformed]] = field(default_factory=list)
    translated: bool = False
    reopen: Callable[[], Any] | None = None  # a fresh binary stream of the original bytes (raw_lines sources)
    size: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (line, DuckDB error type), lines it rejected
    longest_line: int = 0  # bytes of the longest line when longer than a read chunk (else a smaller bound)


def raw_lines_sql(path: str, *, max_line_size: int, rejects: str | None, compression: str | None = None,
                  skip_errors: bool = False, longest_line: int = 0) -> str:
    """``read_csv`` reading each line of ``path`` as one VARCHAR ``raw`` (NULL for an empty line).

    DuckDB silently drops a line longer than its read buffer (16 x ``max_line_size`` by default), instead
    of rejecting it as too long, so the buffer grows to hold ``longest_line`` (measured while the file was
    scanned or copied): such a line is then rejected and counted like any other."""
    opts = [
        "columns={'raw': 'VARCHAR'}", f"delim='{DELIMITER}'", "quote=''", "escape=''", "header=false",
        "auto_detect=false", "strict_mode=true", "new_line='\\n'", f"max_line_size={int(max_line_size)}",
    ]
    buffer = max(longest_line + 2, 2 * _SCAN_CHUNK)  # lines shorter than a scan chunk are not measured
    if buffer > _BUFFER_FACTOR * int(max_line_size):
        opts.append(f"buffer_size={int(buffer)}")
    if rejects:
        opts += ["store_rejects=true", f"rejects_table='{rejects}'", f"rejects_scan='{rejects}_scan'"]
    elif skip_errors:
        opts.append("ignore_errors=true")
    if compression:
        opts.append(f"compression='{compression}'")
    return f"read_csv({sql_string(path)}, {', '.join(opts)})"


def spooled_sql(path: str) -> str:
    """``read_csv`` of a spool written by :class:`Spool` (columns ``line``, ``raw``)."""
    return (f"read_csv({sql_string(path)}, columns={{'line': 'BIGINT', 'raw': 'VARCHAR'}}, delim='{DELIMITER}', "
            f"quote='', escape='', header=false, auto_detect=false, new_line='\\n', max_line_size=2147483647)")


class Spool:
    """Writes records as ``line<0x01>json`` rows; JSON text never holds a raw \\x01, \\r or \\n."""

    def __init__(self, path: str):
        self.path = path
        self.handle = open(path, "w", encoding="ascii", newline="\n")
        self.count = 0
        self._dumps = json.JSONEncoder(ensure_ascii=True, allow_nan=True, default=str, separators=(",", ":")).encode

    def write(self, line: int, record: Any) -> None:
        self.handle.write(f"{line}\x01{self._dumps(record)}\n")
        self.count += 1

    def close(self) -> None:
        self.handle.close()


class LongestLine:
    """The length of the longest line of a stream fed chunk by chunk, exact for lines longer than a chunk
    (shorter ones only matter below DuckDB's own buffer, so a lower bound is kept for them)."""

    def __init__(self) -> None:
        self.run = 0  # bytes since the last newline
        self.longest = 0

    def feed(self, chunk, size: int) -> None:
        first = chunk.find(b"\n", 0, size)
        if first < 0:
            self.run += size
            return
        self.longest = max(self.longest, self.run + first)
        self.run = size - chunk.rfind(b"\n", 0, size) - 1

    def result(self) -> int:
        return max(self.longest, self.run)


def scan_file(path: str) -> tuple[bool, int]:
    """``(translate, longest line)``: whether the file holds a ``\\r`` or a ``\\x01`` byte (then it is
    copied, and the copy measures the lines), and its longest line (see :class:`LongestLine`). Read in
    chunks into one reused buffer that stays in the CPU cache; a memory map of a huge file would count
    towards the resident memory."""
    delimiter = DELIMITER.encode()
    buffer = bytearray(_SCAN_CHUNK)
    lines = LongestLine()
    with open(path, "rb", buffering=0) as fh:
        while True:
            size = fh.readinto(buffer)
            if not size:
                return False, lines.result()
            if buffer.find(b"\r", 0, size) >= 0 or buffer.find(delimiter, 0, size) >= 0:
                return True, 0
            lines.feed(buffer, size)


def original_lines(src: "ScanSource", wanted: Iterable[int]) -> dict[int, bytes]:
    """The original bytes (without ``\\n``) of lines ``wanted`` of a raw-lines source, in one streaming pass."""
    wanted = set(wanted)
    out: dict[int, bytes] = {}
    if not wanted or src.reopen is None:
        return out
    last = max(wanted)
    try:
        with src.reopen() as stream:
            for number, line in enumerate(stream, 1):
                if number in wanted:
                    out[number] = line[:-1] if line.endswith(b"\n") else line
                if number >= last:
                    break
    except GZIP_ERRORS:
        pass
    return out


def copy_translated(stream, out_path: str, max_line_bytes: int | None = None) -> tuple[int, BaseException | None, int]:
    """Copy ``stream`` to ``out_path`` with ``\\r`` turned into ``\\t``; returns (complete lines, read
    error, longest line written). Chunks are written as they come (a line of a gigabyte is never held);
    with ``max_line_bytes``, a line longer than that is cut to ``max_line_bytes + 2`` bytes (it is too long
    whatever follows, and DuckDB then rejects it as such within a bounded read buffer).

    A read error (corrupt gzip) stops the copy after the last complete line, as the Python engine stops.
    """
    lines = 0
    error = None
    keep = None if max_line_bytes is None else max_line_bytes + 2
    measure = LongestLine()
    read = chunk_reader(stream)  # keeps what a truncated gzip stream decoded before the error
    run = 0  # bytes of the current line in the input
    with open(out_path, "wb") as out:
        written = complete = 0  # bytes written; bytes written up to the last newline

        def put(data: bytes) -> None:
            nonlocal written
            if data:
                out.write(data)
                measure.feed(data, len(data))  # the copy's lines, as DuckDB will read them
                written += len(data)

        while True:
            try:
                chunk = read(_CHUNK)
            except GZIP_ERRORS as exc:
                error = exc
                break
            if not chunk:
                break
            chunk = chunk.translate(_TRANSLATION)
            first = chunk.find(b"\n")
            if first < 0:  # the whole chunk continues the current line
                put(chunk if keep is None else chunk[:max(0, keep - run)])
                run += len(chunk)
                continue
            put(chunk[:first] if keep is None else chunk[:max(0, min(first, keep - run))])
            put(b"\n")
            last = chunk.rfind(b"\n")
            put(chunk[first + 1:last + 1])  # whole lines, each shorter than a chunk
            lines += 1 + chunk.count(b"\n", first + 1, last + 1)
            complete = written
            tail = chunk[last + 1:]
            put(tail if keep is None else tail[:keep])
            run = len(tail)
        if error is not None:
            out.truncate(complete)  # the partial line before the damage is not a record
        elif written > complete:
            lines += 1
    return lines, error, measure.result()


class SourceLoader:
    """Turns the items of one ``check()`` call into :class:`ScanSource` objects (spooling where needed)."""

    def __init__(self, con, tmpdir: str, ruleset, options):
        self.con = con
        self.tmpdir = tmpdir
        self.ruleset = ruleset
        self.options = options
        self.count = 0

    def _tmp(self, suffix: str) -> str:
        self.count += 1
        return os.path.join(self.tmpdir, f"src{self.count}{suffix}")

    def load(self, item: Any) -> ScanSource:
        if is_path_like(item):
            path = os.fspath(item)
            if path == STDIN:
                import sys

                stream = getattr(sys.stdin, "buffer", None)
                if stream is None:
                    import io

                    stream = io.BytesIO(sys.stdin.read().encode("utf-8"))
                return self._stdin(stream)
            return self._file(path)
        from ..io.frames import frame_kind

        kind = frame_kind(item)
        if kind == "duckdb":
            return self._relation(item)
        if kind is not None:
            return self._frame(item, kind)
        return self._records(item)

    # --- files --------------------------------------------------------------------------------------

    def _file(self, path: str) -> ScanSource:
        lower = path.lower()
        size = os.path.getsize(path)
        if lower.endswith(PARQUET_EXTENSIONS):
            sql = f"(SELECT to_json(t)::VARCHAR AS raw FROM read_parquet({sql_string(path)}) t)"
            return ScanSource(path, path, sql=sql, size=size)
        fmt, compressed = detect_format(path)
        if fmt in ("csv", "json"):
            return self._python_reader(path, fmt, compressed, size)
        if compressed:
            with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                return self._jsonl_stream(gz, path, size=size, reopen=lambda: gzip.open(path, "rb"))
        translate, longest = scan_file(path)
        limit = self.options.max_line_bytes
        if translate or (longest > limit + 1 and longest + 2 > _BUFFER_FACTOR * max_line_size_for(limit)):
            # a line longer than DuckDB's read buffer would be dropped silently: read a copy in which
            # over-long lines are cut (they are malformed anyway), so the buffer stays bounded
            with open(path, "rb") as fh:
                return self._jsonl_stream(fh, path, size=size, reopen=lambda: open(path, "rb"))
        return ScanSource(path, path, raw_lines=True, path=path, size=size, reopen=lambda: open(path, "rb"),
                          longest_line=longest)

    def _stdin(self, stream) -> ScanSource:
        import shutil

        copy = self._tmp(".stdin")
        with open(copy, "wb") as out:
            shutil.copyfileobj(stream, out, _CHUNK)
        with open(copy, "rb") as fh:
            return self._jsonl_stream(fh, "<stdin>", reopen=lambda: open(copy, "rb"))

    def _jsonl_stream(self, stream, label: str, size: int = 0, reopen=None) -> ScanSource:
        out = self._tmp(".jsonl")
        lines, error, longest = copy_translated(stream, out, self.options.max_line_bytes)
        src = ScanSource(label, label, raw_lines=True, path=out, translated=True, size=size, reopen=reopen,
                         longest_line=longest)
        if error is not None:
            src.malformed.append((lines + 1, unreadable(error)))
        return src

    def _python_reader(self, path: str, fmt: str, compressed: bool, size: int) -> ScanSource:
        from ..io import csvfile, jsonarray
        from ..io.sources import Source, declared_csv_types, open_binary

        source = Source(name=path, kind="file", format=fmt, compressed=compressed, path=path, size=size)
        out = self._tmp(".spool")
        spool = Spool(out)
        src = ScanSource(path, path, line_column=True, path=None, size=size)
        max_bytes = self.options.max_line_bytes
        line = 0
        try:
            with open_binary(source) as (stream, _position):
                try:
                    if fmt == "csv":
                        items: Iterable = csvfile.iter_csv(stream, field_types=declared_csv_types(self.ruleset),
                                                          max_line_bytes=max_bytes)
                    else:
                        items = jsonarray.iter_json_array(stream, max_line_bytes=max_bytes)
                    for line, rec in items:
                        self._spool_item(spool, src, line, rec)
                except GZIP_ERRORS as exc:
                    src.malformed.append((line + 1, unreadable(exc)))
        finally:
            spool.close()
        src.sql = spooled_sql(out)
        return src

    def _spool_item(self, spool: Spool, src: ScanSource, line: int, rec: Any) -> None:
        from collections.abc import Mapping

        if type(rec) is dict:
            spool.write(line, rec)
        elif isinstance(rec, Malformed):
            src.malformed.append((line, rec))
        elif isinstance(rec, Mapping):
            spool.write(line, dict(rec))
        else:
            src.malformed.append((line, not_an_object(rec)))

    # --- in-memory ---------------------------------------------------------------------------------

    def _records(self, records: Iterable[Any]) -> ScanSource:
        from collections.abc import Mapping

        from ..io.frames import plain_record

        out = self._tmp(".spool")
        spool = Spool(out)
        src = ScanSource(None, "<memory>", line_column=True)
        try:
            for line, rec in enumerate(records, 1):
                if isinstance(rec, Mapping):  # values of other libraries as the Python engine reads them
                    rec = plain_record(rec if type(rec) is dict else dict(rec))
                self._spool_item(spool, src, line, rec)
        finally:
            spool.close()
        src.sql = spooled_sql(out)
        return src

    def _frame(self, frame: Any, kind: str) -> ScanSource:
        """A pandas/Polars/Arrow table, registered with DuckDB and read natively, each row as the JSON text of
        :func:`rfsrules.io.frames_sql.row_json_sql`; a pandas frame with columns DuckDB would type by sampling
        (``object`` columns of dicts, lists or mixed values) is spooled from the Python row reader instead."""
        from ..io import frames
        from ..io.frames_sql import row_json_sql

        if kind == "polars-lazy":
            frame, kind = frame.collect(), "polars"
        names = frames.column_names(frame, kind)
        if not names or (kind == "pandas" and not frames.duckdb_reads_pandas(frame)):
            return self._records(frames.frame_rows(frame))
        self.count += 1
        name = f"rfs_frame_{self.count}"
        try:
            self.con.register(name, frames.duckdb_view(frame, kind))
            relation = self.con.table(name)
            if len(relation.columns) != len(names):
                raise ValueError("DuckDB sees other columns")
            sql = row_json_sql(list(relation.columns), list(relation.types), name, names)
            self.con.execute(f"SELECT count(*) FROM (SELECT raw FROM ({sql}) LIMIT 1)").fetchall()  # scannable?
        except Exception:  # e.g. Polars Int128 or Object columns: read the rows in Python instead
            return self._records(frames.frame_rows(frame))
        return ScanSource(None, "<memory>", sql=f"({sql})")

    def _relation(self, relation: Any) -> ScanSource:
        """A DuckDB relation (of any connection) is written out once through its own connection."""
        from ..io.frames import column_names
        from ..io.frames_sql import row_json_sql

        column_names(relation, "duckdb")
        out = self._tmp(".rel")
        text = relation.query("rfs_rel", row_json_sql(list(relation.columns), list(relation.types), "rfs_rel"))
        text.write_csv(out, sep="\x01", header=False, quotechar="\x02", escapechar="\x02")
        sql = (f"read_csv({sql_string(out)}, columns={{'raw': 'VARCHAR'}}, delim='{DELIMITER}', quote='', escape='', "
               f"header=false, auto_detect=false, new_line='\\n', max_line_size=2147483647)")
        return ScanSource(None, "<memory>", sql=sql)


def max_line_size_for(max_line_bytes: int) -> int:
    """DuckDB's ``max_line_size`` for a first scan: its default, or the rfsrules limit (+1) if smaller."""
    return min(DEFAULT_MAX_LINE_SIZE, int(max_line_bytes) + 1)

