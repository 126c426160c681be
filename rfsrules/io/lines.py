"""Bounded-memory line splitting for JSON Lines input and the exact (slow-path) decoding of one line."""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
import zlib
from typing import IO, Any, Callable, Iterator, NamedTuple

from ..results import Reason

CHUNK_SIZE = 262144
"""Bytes read per ``read()`` call. Memory held by the reader is at most ``CHUNK_SIZE + max_line_bytes``."""

TOO_LONG = b"\x00rfsrules: line too long\x00"
"""Stands in (by identity) for a line longer than ``max_line_bytes`` in a block of lines.

It is not valid JSON, so a JSON parser rejects it and the caller's slow path checks ``raw is TOO_LONG``.
"""

BLANK = object()
"""Returned by :func:`decode_json_line` for a line holding only whitespace (not a record)."""

_BOM = b"\xef\xbb\xbf"
_EXCERPT_CHARS = 80
_FLOAT_MAX = sys.float_info.max
# a JSON string (skipped) or a JSON number, to locate the number the parser refused
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')
MAX_DEPTH = 1024
"""Deepest nesting of a record (the record itself is level 1): orjson's limit, made the rule for every
engine and Python version (the standard library's own limit follows the interpreter's recursion limits)."""
_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')

_INTEGER_TEXT = re.compile(r"-?\d+").fullmatch

GZIP_ERRORS = (OSError, EOFError, zlib.error)
"""What reading a corrupt or truncated gzip stream raises."""


class Malformed(NamedTuple):
    """A record that could not be read: ``reason`` is a :class:`~rfsrules.results.Reason` value."""

    reason: str
    message: str
    excerpt: str | None = None


def excerpt(raw: bytes | str, limit: int = _EXCERPT_CHARS) -> str:
    """The start of a raw line as text (invalid UTF-8 shown as ``\\xNN``), cut to ``limit`` characters."""
    if isinstance(raw, bytes):
        raw = raw[: limit * 4].decode("utf-8", "backslashreplace")
    raw = raw.rstrip("\r\n")
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


def too_long(max_line_bytes: int) -> Malformed:
    """The malformed-record marker of a line longer than ``max_line_bytes``."""
    return Malformed(Reason.LINE_TOO_LONG.value, f"line longer than {max_line_bytes} bytes (max_line_bytes)")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


class NumberOutOfRange(ValueError):
    """A JSON number too large for a double (``1e400``): JSON cannot carry the infinity it would become."""

    def __init__(self, number: str):
        shown = number if len(number) <= 40 else f"{number[:20]}…{number[-12:]}"
        super().__init__(f"number {shown} is out of range")
        self.number = number


def finite_float(text: str) -> float:
    """``float(text)`` for the ``parse_float`` hook of :mod:`json`; raises :class:`NumberOutOfRange` on overflow."""
    value = float(text)
    if -_FLOAT_MAX <= value <= _FLOAT_MAX:
        return value
    raise NumberOutOfRange(text)


def overflowing_number(text: str, start: int = 0) -> tuple[int, int] | None:
    """``(start, end)`` of the first JSON number at or after ``start`` that overflows a double (strings skipped).

    Meant for text that parsed up to that number, so the scan sees the tokens the parser saw.
    """
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if token[0] != '"' and not _INTEGER_TEXT(token):
            try:
                finite_float(token)
            except NumberOutOfRange:
                return match.span()
    return None


_exact_decode = json.JSONDecoder(parse_float=finite_float, parse_constant=_reject_constant).decode


def exact_loads(text: str | bytes) -> Any:
    """Parse JSON with the standard library: integers of any size stay ``int``; NaN/Infinity are rejected,
    and so are numbers too large for a double (:class:`NumberOutOfRange`).

    As ``json.loads`` with those hooks, without building a decoder per call.
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    else:
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    return _exact_decode(text)


def json_type_name(value: Any) -> str:
    """The JSON name of a parsed value's type (``array``, ``string``, ...), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def not_an_object(value: Any, raw: bytes | str | None = None) -> Malformed:
    """The malformed-record marker of a JSON value that is not an object."""
    text = excerpt(raw) if raw is not None else None
    return Malformed(Reason.NOT_AN_OBJECT.value, f"not a JSON object (got {json_type_name(value)})", text)


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests deeper than ``limit`` levels (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def decode_json_line(raw: bytes, max_line_bytes: int) -> Any:
    """Decode one line exactly; the slow path taken when the fast parser rejected it.

    Returns the parsed value, :data:`BLANK` for a whitespace-only line, or a :class:`Malformed`
    (``invalid_encoding``, ``malformed_json``, ``line_too_long``). Never raises for bad input.
    """
    if raw is TOO_LONG:
        return too_long(max_line_bytes)
    if not raw.strip():
        return BLANK
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Malformed(Reason.INVALID_ENCODING.value, f"invalid UTF-8 at byte {exc.start + 1}", excerpt(raw))
    if text.startswith("\ufeff"):
        text = text[1:]
    if too_deep(text):
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: nesting deeper than {MAX_DEPTH} levels",
                         excerpt(raw))
    try:
        return exact_loads(text)
    except json.JSONDecodeError as exc:
        msg = exc.msg[:1].lower() + exc.msg[1:]
        msg = msg[:-3] if msg.endswith(" at") else msg  # "unterminated string starting at" + " at column N"
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {msg} at column {exc.colno}", excerpt(raw))
    except NumberOutOfRange as exc:
        span = overflowing_number(text)
        where = f" at column {span[0] + 1}" if span is not None else ""
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {exc}{where}", excerpt(raw))
    except ValueError as exc:  # NaN / Infinity from _reject_constant
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {exc}", excerpt(raw))
    except RecursionError:
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON: nesting too deep", excerpt(raw))


def chunk_reader(stream: IO[bytes]) -> Callable[[int], bytes]:
    """``stream.read`` for reading in chunks, keeping what a gzip stream decoded before it failed.

    ``GzipFile.read(n)`` discards the data it decompressed when the stream turns out truncated or corrupt
    within those ``n`` bytes. For a gzip stream the returned function gathers the chunk with ``read1``
    instead: on a read error it returns the bytes decoded so far, and the next call raises the error.
    """
    if not isinstance(stream, gzip.GzipFile):
        return stream.read
    read1 = stream.read1
    failed: list[BaseException] = []

    def read(size: int) -> bytes:
        if failed:
            raise failed[0]
        parts = []
        got = 0
        while got < size:
            try:
                part = read1(size - got)
            except GZIP_ERRORS as exc:
                if not parts:
                    raise
                failed.append(exc)
                break
            if not part:
                break
            parts.append(part)
            got += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    return read


class LineBlocks:
    """Splits a binary stream into blocks of lines without ever holding more than one over-long line's prefix.

    Iterating yields lists of raw lines (``bytes`` without the ``\\n``); a line longer than
    ``max_line_bytes`` is replaced by :data:`TOO_LONG` and the rest of it is skipped unread.
    Lines are numbered consecutively from 1 across blocks, so the caller counts them itself.
    ``bytes_read`` is updated as data arrives; ``progress(bytes_read)`` is called at most 10 times a second.
    ``limit`` stops after that many bytes (a byte range of a file, ending at a line boundary);
    ``skip_bom`` drops a UTF-8 byte order mark at the start (only the start of a file has one).
    A read error (a truncated or corrupt gzip stream: :data:`GZIP_ERRORS`) propagates once every complete
    line before it has been yielded; the unfinished line it cut is dropped (it is not a record).
    """

    def __init__(self, stream: IO[bytes], *, max_line_bytes: int, chunk_size: int = CHUNK_SIZE,
                 position: Callable[[], int] | None = None,
                 progress: Callable[[int], None] | None = None, limit: int | None = None,
                 skip_bom: bool = True):
        self.stream = stream
        self.max_line_bytes = max(1, int(max_line_bytes))
        self.chunk_size = chunk_size
        self.position = position
        self.progress = progress
        self.bytes_read = 0
        self.limit = limit
        self.skip_bom = skip_bom

    def __iter__(self) -> Iterator[list[bytes]]:
        read = chunk_reader(self.stream)
        size = self.chunk_size
        limit = self.max_line_bytes
        carry = b""
        skipping = False  # inside an over-long line whose TOO_LONG marker was already emitted
        first = self.skip_bom
        last_report = 0.0
        left = self.limit
        while True:
            if left is not None:
                if left <= 0:
                    break
                chunk = read(min(size, left))
                left -= len(chunk)
            else:
                chunk = read(size)
            if not chunk:
                break
            self.bytes_read += len(chunk)
            if self.progress is not None:
                now = time.monotonic()
                if now - last_report >= 0.1:
                    last_report = now
                    self.progress(self.position() if self.position else self.bytes_read)
            if first:
                first = False
                if chunk.startswith(_BOM):
                    chunk = chunk[3:]
            if skipping:
                cut = chunk.find(b"\n")
                if cut < 0:
                    continue
                chunk = chunk[cut + 1:]
                skipping = False
            data = carry + chunk if carry else chunk
            lines = data.split(b"\n")
            carry = lines.pop()
            if len(carry) > limit:
                # the unfinished last line is already too long: report it now, drop what follows it
                lines.append(TOO_LONG)
                carry = b""
                skipping = True
            if lines:
                if len(data) > limit and max(map(len, lines)) > limit:
                    lines = [TOO_LONG if len(x) > limit else x for x in lines]
                yield lines
        if carry and not skipping:
            yield [TOO_LONG if len(carry) > limit else carry]
        if self.progress is not None:
            self.progress(self.position() if self.position else self.bytes_read)
