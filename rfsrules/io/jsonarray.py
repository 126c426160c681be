"""Streaming reader for a ``.json`` file holding one array of objects (``[{...}, {...}]``)."""

from __future__ import annotations

import codecs
import json
import re
from typing import IO, Any, Callable, Iterator

from ..results import Reason
from .lines import (CHUNK_SIZE, Malformed, NumberOutOfRange, _reject_constant, chunk_reader, excerpt, finite_float,
                    overflowing_number)

_WHITESPACE = " \t\r\n"
_TOKEN_TAIL = re.compile(r"[0-9A-Za-z.+-]*").fullmatch
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of bytes that are not UTF-8
_RESUMABLE = Reason.INVALID_ENCODING.value
"""The one element error after which the next element can still be found: invalid UTF-8 is only detected
once the element has been decoded (bytes that are not UTF-8 cannot be JSON syntax), so its end is known.
Every other error leaves the end of the element unknown and stops reading."""


class _ArrayStream:
    """A growing text window over the decoded stream: ``buf[pos:]`` is what has not been consumed."""

    def __init__(self, stream: IO[bytes], chunk_size: int, on_read: Callable[[int], None] | None):
        self.read = chunk_reader(stream)
        self.chunk_size = chunk_size
        self.on_read = on_read
        self.utf8 = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.dirty = False  # some chunk had bytes that are not UTF-8

    def fill(self) -> bool:
        """Append the next chunk; False when the stream is exhausted."""
        if self.eof:
            return False
        chunk = self.read(self.chunk_size)
        if self.on_read is not None:
            self.on_read(len(chunk))
        text = self.utf8.decode(chunk, final=not chunk)
        if not self.dirty and _ESCAPED_BYTE.search(text):
            self.dirty = True
        if not chunk:
            self.eof = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str | None:
        """The next non-whitespace character (consuming the whitespace), or None at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self.fill():
                return None


def iter_json_array(stream: IO[bytes], *, max_line_bytes: int, chunk_size: int = CHUNK_SIZE,
                    on_read: Callable[[int], None] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(position, element)`` for each element of a top-level JSON array, streaming.

    ``position`` is the element's 1-based index in the array (it plays the role of a line number).
    Memory holds one element at a time plus one read chunk. A document that is a single object counts as
    one element. Problems yield ``(position, Malformed)``: an element larger than ``max_line_bytes``
    (``line_too_long``), invalid UTF-8 (``invalid_encoding``) or invalid JSON (``malformed_json``, also a
    number too large for a double). After invalid UTF-8 reading goes on with the next element (the
    element's end is known); after any other error the next element cannot be located reliably, so
    reading stops there. A read error (truncated gzip) propagates after the elements decoded before it.
    """
    src = _ArrayStream(stream, chunk_size, on_read)
    raw_decode = json.JSONDecoder(parse_float=finite_float, parse_constant=_reject_constant).raw_decode
    index = 0
    src.fill()
    if src.buf.startswith("\ufeff"):
        src.pos = 1
    first = src.peek()
    if first is None:
        return
    if first not in "[{":
        yield 1, Malformed(Reason.NOT_AN_OBJECT.value, "expected a JSON array of objects",
                           excerpt(src.buf[src.pos:src.pos + 80]))
        return
    single = first == "{"
    if not single:
        src.pos += 1
        if src.peek() == "]":
            src.pos += 1
            yield from _trailing(src, 1)
            return
    while True:
        index += 1
        value = _decode_element(src, raw_decode, max_line_bytes)
        yield index, value
        if isinstance(value, Malformed) and value.reason != _RESUMABLE:
            return
        if single:
            yield from _trailing(src, index + 1, single=True)
            return
        sep = src.peek()
        if sep == ",":
            src.pos += 1
            continue
        if sep == "]":
            src.pos += 1
            yield from _trailing(src, index + 1)
            return
        if sep is None:
            yield index + 1, Malformed(Reason.MALFORMED_JSON.value, "invalid JSON: unterminated array")
        else:
            yield index + 1, Malformed(Reason.MALFORMED_JSON.value,
                                       f"invalid JSON: expected ',' or ']' but found {sep!r}",
                                       excerpt(src.buf[src.pos:src.pos + 80]))
        return


def _decode_element(src: _ArrayStream, raw_decode, max_line_bytes: int) -> Any:
    """Decode the value starting at ``src.pos``, reading more input until it is complete."""
    if src.peek() is None:
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON: unterminated array")
    while True:
        start = src.pos
        try:
            value, end = raw_decode(src.buf, start)
        except json.JSONDecodeError as exc:
            # more input can change the verdict when nothing but token characters follow the error
            # (a chunk boundary inside `true`, `1.5e3` or a \uXXXX escape) or a string is open
            truncated = exc.msg.startswith("Unterminated") or _TOKEN_TAIL(src.buf, exc.pos) is not None
            if truncated and len(src.buf) - start > max_line_bytes:
                return _too_big(max_line_bytes)
            if truncated and not src.eof:
                src.fill()
                continue
            msg = exc.msg[:1].lower() + exc.msg[1:]
            return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {msg}", excerpt(src.buf[start:start + 80]))
        except NumberOutOfRange as exc:
            span = overflowing_number(src.buf, start)
            if span is not None and not src.eof and _TOKEN_TAIL(src.buf, span[1]) is not None:
                if len(src.buf) - start > max_line_bytes:
                    return _too_big(max_line_bytes)
                src.fill()  # the number may go on in the next chunk ("e-300" would bring it into range)
                continue
            where = f" at character {span[0] - start + 1} of the element" if span is not None else ""
            return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {exc}{where}",
                             excerpt(src.buf[start:start + 80]))
        except ValueError as exc:  # NaN / Infinity
            return Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {exc}", excerpt(src.buf[start:start + 80]))
        except RecursionError:
            return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON: nesting too deep")
        if not src.eof and not isinstance(value, (dict, list)) and _TOKEN_TAIL(src.buf, end) is not None:
            src.fill()  # a number or literal reaching the end of the buffer may go on in the next chunk
            continue
        if end - start > max_line_bytes:
            return _too_big(max_line_bytes)
        src.pos = end
        if src.dirty:
            bad = _ESCAPED_BYTE.search(src.buf, start, end)
            if bad is not None:
                # valid JSON apart from its bytes, so its end is known: reading goes on after it
                return Malformed(_RESUMABLE, f"invalid UTF-8 at character {bad.start() - start + 1} of the element")
        return value


def _too_big(max_line_bytes: int) -> Malformed:
    return Malformed(Reason.LINE_TOO_LONG.value, f"array element larger than {max_line_bytes} bytes (max_line_bytes)")


def _trailing(src: _ArrayStream, index: int, single: bool = False) -> Iterator[tuple[int, Any]]:
    if src.peek() is not None:
        what = ("extra data after the first value (one JSON value per line is JSON Lines: name the file "
                ".jsonl)") if single else "extra data after the array"
        yield index, Malformed(Reason.MALFORMED_JSON.value, f"invalid JSON: {what}",
                               excerpt(src.buf[src.pos:src.pos + 80]))
