"""Bounded-memory line splitting for JSON Lines input and the exact (slow-path) decoding of one line."""

from __future__ import annotations

import json
import time
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


def exact_loads(text: str | bytes) -> Any:
    """Parse JSON with the standard library: integers of any size stay ``int``; NaN/Infinity are rejected."""
    return json.loads(text, parse_constant=_reject_constant)


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
    try:
        return exact_loads(text)
    except json.JSONDecodeError as exc:
        msg = exc.msg[:1].lower() + exc.msg[1:]
        msg = msg[:-3] if msg.endswith(" at") else msg  # "unterminated string starting at" + " at column N"
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {msg} at column {exc.colno}", excerpt(raw))
    except ValueError as exc:  # NaN / Infinity from _reject_constant
        return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {exc}", excerpt(raw))
    except RecursionError:
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON: nesting too deep", excerpt(raw))


class LineBlocks:
    """Splits a binary stream into blocks of lines without ever holding more than one over-long line's prefix.

    Iterating yields lists of raw lines (``bytes`` without the ``\\n``); a line longer than
    ``max_line_bytes`` is replaced by :data:`TOO_LONG` and the rest of it is skipped unread.
    Lines are numbered consecutively from 1 across blocks, so the caller counts them itself.
    ``bytes_read`` is updated as data arrives; ``progress(bytes_read)`` is called at most 10 times a second.
    ``limit`` stops after that many bytes (a byte range of a file, ending at a line boundary);
    ``skip_bom`` drops a UTF-8 byte order mark at the start (only the start of a file has one).
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
        read = self.stream.read
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
