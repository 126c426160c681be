"""Field paths (``data.value``, ``items[*].sku``, ``tags[0]``, ``meta["a.b"]``): parsing and fast extraction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator


class _Missing:
    """Sentinel for a field that is absent (as opposed to present with value null)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (_Missing, ())


MISSING: Any = _Missing()


class _Wildcard:
    def __repr__(self) -> str:
        return "*"

    def __reduce__(self):
        return (_wildcard, ())


def _wildcard():
    return WILDCARD


WILDCARD: Any = _Wildcard()

_TOKEN = re.compile(
    r"""
      (?P<name>(?:[^\W\d]|[$@])[\w$@-]*)     # plain key: a letter (any script), _, $ or @ first
    | \[(?P<index>-?\d+)\]                    # [3]
    | \[(?P<star>\*)\]                        # [*]
    | \[(?P<q>["'])(?P<quoted>(?:(?!(?P=q)).)*)(?P=q)\]   # ["a.b"]
    """,
    re.VERBOSE,
)


_PLAIN_KEY = re.compile(r"(?:[^\W\d]|[$@])[\w$@-]*")
"""A key that a path may write bare (``data``, ``user-id``, ``名前``); others are written ``["a.b"]``."""


class PathSyntaxError(ValueError):
    """A field path could not be parsed; ``offset`` is the 0-based character position."""

    def __init__(self, text: str, offset: int, message: str):
        self.text, self.offset = text, offset
        super().__init__(f"invalid field path {text!r} at character {offset + 1}: {message}")


@dataclass(frozen=True)
class FieldPath:
    """A parsed field path. ``segments`` holds keys (str), indexes (int) and ``WILDCARD``."""

    text: str
    segments: tuple = field(compare=False)

    @property
    def has_wildcard(self) -> bool:
        return any(s is WILDCARD for s in self.segments)

    @property
    def top(self) -> str:
        """The first key of the path (the top-level field it lives under)."""
        return self.segments[0]

    def getter(self) -> Callable[[Any], Any]:
        """A fast function ``record -> value`` (``MISSING`` when absent). Only for paths without ``[*]``."""
        if self.has_wildcard:
            raise ValueError(f"path {self.text!r} has [*]; use iter_values()")
        return _make_getter(self.segments)

    def iter_values(self, record: Any) -> Iterator[tuple[str, Any]]:
        """Yield ``(concrete_path, value)`` for each place the path reaches; value is ``MISSING`` when absent.

        ``items[*].sku`` on ``{"items": [{"sku": 1}, {}]}`` yields ``("items[0].sku", 1)`` and
        ``("items[1].sku", MISSING)``; when ``items`` itself is absent or not an array it yields
        ``("items", MISSING)`` once.
        """
        yield from _walk(record, self.segments, 0, "")

    def __str__(self) -> str:
        return self.text


def parse_path(text: str) -> FieldPath:
    """Parse a field path; raises :class:`PathSyntaxError` naming the offending character."""
    if not isinstance(text, str) or not text:
        raise PathSyntaxError(str(text), 0, "empty path")
    segments: list = []
    pos = 0
    expect_name = True
    while pos < len(text):
        if text[pos] == ".":
            if expect_name:
                raise PathSyntaxError(text, pos, "unexpected '.'")
            pos += 1
            expect_name = True
            if pos == len(text):
                raise PathSyntaxError(text, pos - 1, "path ends with '.'")
            continue
        m = _TOKEN.match(text, pos)
        leading_key = m is not None and m.group("quoted") is not None  # ["a b"] may start a path
        if not m or (m.group("name") is not None and not expect_name) or (
                m.group("name") is None and expect_name and not segments and not leading_key):
            raise PathSyntaxError(text, pos, f"unexpected {text[pos]!r}")
        if m.group("name") is not None:
            segments.append(m.group("name"))
        elif m.group("index") is not None:
            segments.append(int(m.group("index")))
        elif m.group("star") is not None:
            segments.append(WILDCARD)
        else:
            if expect_name and segments:
                raise PathSyntaxError(text, pos, "unexpected '['")
            segments.append(m.group("quoted"))
        expect_name = False
        pos = m.end()
    return FieldPath(text, tuple(segments))


def _step(value: Any, seg: Any) -> Any:
    if type(seg) is str:
        return value.get(seg, MISSING) if type(value) is dict else MISSING
    if type(value) is list and -len(value) <= seg < len(value):
        return value[seg]
    return MISSING


def _make_getter(segments: tuple) -> Callable[[Any], Any]:
    if len(segments) == 1 and type(segments[0]) is str:
        key = segments[0]

        def get1(record, _k=key, _m=MISSING):
            return record.get(_k, _m)

        return get1
    if len(segments) == 2 and type(segments[0]) is str and type(segments[1]) is str:
        k1, k2 = segments

        def get2(record, _k1=k1, _k2=k2, _m=MISSING, _d=dict):
            inner = record.get(_k1, _m)
            if type(inner) is _d:
                return inner.get(_k2, _m)
            return _m

        return get2

    def getn(record, _segs=segments, _m=MISSING):
        value = record
        for seg in _segs:
            value = _step(value, seg)
            if value is _m:
                return _m
        return value

    return getn


def append_segment(prefix: str, seg: Any) -> str:
    """The path text of key or index ``seg`` under ``prefix``: ``("items", 0) -> "items[0]"``, ``("", "a") -> "a"``."""
    return _fmt(prefix, seg)


def _fmt(prefix: str, seg: Any) -> str:
    if type(seg) is int:
        return f"{prefix}[{seg}]"
    if _PLAIN_KEY.fullmatch(seg):
        return f"{prefix}.{seg}" if prefix else seg
    return f'{prefix}["{seg}"]'


def _walk(value: Any, segs: tuple, i: int, prefix: str) -> Iterator[tuple[str, Any]]:
    if i == len(segs):
        yield prefix, value
        return
    seg = segs[i]
    if seg is WILDCARD:
        if type(value) is not list:
            yield prefix, MISSING
            return
        for n, item in enumerate(value):
            yield from _walk(item, segs, i + 1, f"{prefix}[{n}]")
        return
    nxt = _step(value, seg)
    here = _fmt(prefix, seg)
    if nxt is MISSING:
        yield here, MISSING
        return
    yield from _walk(nxt, segs, i + 1, here)
