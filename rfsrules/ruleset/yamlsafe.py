"""Safe YAML: ruamel.yaml parse events → plain Python data plus a tree of source locations.

Only the standard tags are accepted (str, int, float, bool, null, map, seq; timestamps stay strings),
nothing is ever constructed from a tag, duplicate keys are errors, and aliases share the anchored
value while counting towards a node budget, so an alias bomb ("billion laughs") stops at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import Issue, RulesetError
from . import codes

CODE_YAML = codes.YAML_ERROR
CODE_LIMITS = codes.LIMITS

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")} | {"!"}
_MAP_TAGS = {_STD + "map", "!"}
_SEQ_TAGS = {_STD + "seq", "!"}

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_DEC = re.compile(r"^[-+]?[0-9](?:_?[0-9])*$")
_INT_OCT = re.compile(r"^0o[0-7](?:_?[0-7])*$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F](?:_?[0-9a-fA-F])*$")
_DIGITS = r"[0-9](?:_?[0-9])*"
_FLOAT = re.compile(rf"^[-+]?(?:\.{_DIGITS}|{_DIGITS}(?:\.(?:{_DIGITS})?)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^([-+]?)\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


@dataclass(frozen=True)
class YamlLimits:
    """Resource limits applied while reading a ruleset file."""

    max_bytes: int = 5 * 1024 * 1024
    max_nodes: int = 100_000
    max_depth: int = 64
    max_alias_chars: int = 1024 * 1024
    """Text that aliases may repeat in all (each alias counts the characters of the keys and strings it
    stands for): a small file must not expand into megabytes of rules or expressions."""


DEFAULT_LIMITS = YamlLimits()


class Pos(NamedTuple):
    """A 1-based position in a file. ``exact`` is set for single-line scalars written without escapes:
    character ``k`` of the value is then at column ``col + exact + k`` (``exact`` = 1 for quoted).
    ``spots`` is set instead for quoted scalars with escapes (``''``, ``\\"``, ``\\n``...) and for block
    scalars (``|``, ``>``): character ``k`` of the value is at ``spots[k]`` = ``(line, col)``, with one
    more entry for the end of the value."""

    file: str
    line: int
    col: int
    exact: int | None = None
    spots: tuple[tuple[int, int], ...] | None = None

    def at(self, offset: int) -> "Pos":
        """The position of character ``offset`` of the scalar (its start when the scalar is not exact)."""
        if self.spots is not None:
            line, col = self.spots[min(max(0, offset), len(self.spots) - 1)]
            return Pos(self.file, line, col)
        if self.exact is None:
            return self
        return Pos(self.file, self.line, self.col + self.exact + max(0, offset), None)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Loc:
    """Source locations of one value: its own position, and for containers those of its members.

    ``children`` mirrors the data (a dict for mappings, a list for sequences); ``keys`` holds the
    position of each mapping key. ``str_tag`` is True for a scalar written with an explicit ``!!str``.
    """

    __slots__ = ("pos", "children", "keys", "str_tag")

    def __init__(self, pos: Pos, children: Any = None, keys: dict | None = None, str_tag: bool = False):
        self.pos = pos
        self.children = children
        self.keys = keys
        self.str_tag = str_tag

    def child(self, key: Any) -> "Loc | None":
        """The location of member ``key`` (a mapping key or a sequence index), or None."""
        ch = self.children
        if isinstance(ch, dict):
            return ch.get(key)
        if isinstance(ch, list) and isinstance(key, int) and -len(ch) <= key < len(ch):
            return ch[key]
        return None

    def key_pos(self, key: str) -> Pos | None:
        """The position of mapping key ``key`` (None if unknown)."""
        return self.keys.get(key) if self.keys else None

    def find(self, path) -> "Loc":
        """The location at ``path`` or, if it does not exist, of its nearest existing ancestor."""
        loc = self
        for part in path:
            nxt = loc.child(part)
            if nxt is None:
                return loc
            loc = nxt
        return loc

    def locate(self, path, *, key: bool = False) -> Pos:
        """The position of the value at ``path`` (of its key when ``key`` and it is a mapping member)."""
        path = tuple(path)
        if key and path and isinstance(path[-1], str):
            parent = self.find(path[:-1])
            if parent.keys and path[-1] in parent.keys and self._reaches(path[:-1]):
                return parent.keys[path[-1]]
        return self.find(path).pos

    def _reaches(self, path) -> bool:
        loc = self
        for part in path:
            loc = loc.child(part)
            if loc is None:
                return False
        return True

    def __repr__(self) -> str:
        return f"Loc({self.pos})"


def resolve_plain(text: str) -> Any:
    """Type a plain (unquoted) scalar as YAML 1.2's core schema does: null, bool, int, float or str."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT_DEC.match(text):
        return int(text.replace("_", ""))
    if _INT_OCT.match(text):
        return int(text[2:].replace("_", ""), 8)
    if _INT_HEX.match(text):
        return int(text[2:].replace("_", ""), 16)
    if _FLOAT.match(text):
        return float(text.replace("_", ""))
    m = _INF.match(text)
    if m:
        return -math.inf if m.group(1) == "-" else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Stop(Exception):
    def __init__(self, issue: Issue):
        self.issue = issue


def _text_size(value: Any) -> int:
    """Characters of the strings and keys in ``value`` (other scalars count one)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _text_size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_text_size(v) for v in value)
    return 1


class _Frame:
    __slots__ = ("kind", "data", "loc", "anchor", "size", "pending", "ops", "explicit")

    def __init__(self, kind: str, loc: Loc, anchor: str | None):
        self.kind, self.loc, self.anchor = kind, loc, anchor
        self.size = 1
        self.pending: tuple | None = None  # mapping: (key, key_pos, is_merge)
        if kind == "map":
            self.data: Any = None
            self.ops: list = []  # ("key", key, value, loc, key_pos) | ("merge", [(data, loc), ...])
            self.explicit: dict = {}
        else:
            self.data = []
            loc.children = []


class _Builder:
    def __init__(self, text: str, path: str, limits: YamlLimits):
        self.text, self.path, self.limits = text, path, limits
        self.anchors: dict[str, tuple[Any, Loc, int]] = {}
        self.nodes = 0
        self.anchor_chars: dict[str, int] = {}
        self.alias_chars = 0
        self.stack: list[_Frame] = []
        self.root: tuple[Any, Loc] | None = None
        self.documents = 0

    # -- helpers -----------------------------------------------------------------------------
    def pos(self, mark, exact: int | None = None, spots: tuple[tuple[int, int], ...] | None = None) -> Pos:
        return Pos(self.path, mark.line + 1, mark.column + 1, exact, spots)

    def fail(self, mark, message: str, code: str = CODE_YAML):
        raise _Stop(Issue(self.path, mark.line + 1, mark.column + 1, message, code))

    def repeat(self, anchor: str, value: Any, mark) -> None:
        """Count the text an alias repeats against ``max_alias_chars``."""
        chars = self.anchor_chars.get(anchor)
        if chars is None:
            chars = self.anchor_chars[anchor] = _text_size(value)
        self.alias_chars += chars
        if self.alias_chars > self.limits.max_alias_chars:
            self.fail(mark, f"aliases repeat more than {_human(self.limits.max_alias_chars)} of text (each alias "
                            "counts the text it stands for); is this an alias bomb?", CODE_LIMITS)

    def count(self, n: int, mark) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            self.fail(mark, f"too many YAML nodes (more than {self.limits.max_nodes}, counting each alias "
                            "expansion); is this an alias bomb?", CODE_LIMITS)

    def scalar_exact(self, ev) -> tuple[int | None, tuple[tuple[int, int], ...] | None]:
        """``(exact, spots)`` of :class:`Pos` for a scalar event (both None: only its start is known)."""
        start, end = ev.start_mark, ev.end_mark
        raw = self.text[start.index:end.index]
        if ev.style in ("|", ">"):
            return None, _block_spots(raw, ev.value, start.line + 1)
        if start.line != end.line or ev.style not in (None, "'", '"'):
            return None, None
        if ev.style is None:
            return (0 if raw == ev.value else None), None
        inner = raw[1:-1]
        if inner == ev.value:
            return 1, None
        shifts = _escape_shifts(inner, ev.style)
        if len(shifts) != len(ev.value) + 1:
            return None, None
        line, col = start.line + 1, start.column + 2
        return None, tuple((line, col + s) for s in shifts)

    # -- events ------------------------------------------------------------------------------
    def scalar(self, ev) -> tuple[Any, Loc]:
        tag, value = ev.tag, ev.value
        loc = Loc(self.pos(ev.start_mark, *self.scalar_exact(ev)))
        if tag is None:
            if ev.style is None and ev.implicit[0]:
                return resolve_plain(value), loc
            return value, loc
        if tag not in _SCALAR_TAGS:
            self.fail(ev.start_mark, f"unsupported YAML tag {_show_tag(tag)} (only the standard tags "
                                     "!!str, !!int, !!float, !!bool, !!null, !!map, !!seq and !!timestamp "
                                     "are allowed)")
        if tag in ("!", _STD + "str", _STD + "timestamp"):
            loc.str_tag = tag == _STD + "str"
            return value, loc
        typed = resolve_plain(value)
        want = tag[len(_STD):]
        ok = {
            "int": isinstance(typed, int) and not isinstance(typed, bool),
            "float": isinstance(typed, (int, float)) and not isinstance(typed, bool),
            "bool": isinstance(typed, bool),
            "null": typed is None,
        }[want]
        if not ok:
            self.fail(ev.start_mark, f"cannot read {value!r} as !!{want}")
        return (float(typed) if want == "float" else typed), loc

    def start(self, kind: str, ev) -> None:
        if kind == "map" and ev.tag is not None and ev.tag not in _MAP_TAGS:
            self.fail(ev.start_mark, f"unsupported YAML tag {_show_tag(ev.tag)} on a mapping")
        if kind == "seq" and ev.tag is not None and ev.tag not in _SEQ_TAGS:
            self.fail(ev.start_mark, f"unsupported YAML tag {_show_tag(ev.tag)} on a sequence")
        if len(self.stack) >= self.limits.max_depth:
            self.fail(ev.start_mark, f"YAML nesting deeper than {self.limits.max_depth} levels", CODE_LIMITS)
        self.count(1, ev.start_mark)
        self.stack.append(_Frame(kind, Loc(self.pos(ev.start_mark)), ev.anchor))

    def end(self, ev) -> None:
        frame = self.stack.pop()
        if frame.kind == "map":
            frame.data = self.finish_mapping(frame)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.data, frame.loc, frame.size)
            self.anchor_chars.pop(frame.anchor, None)
        self.emit(frame.data, frame.loc, frame.size, ev.start_mark)

    def finish_mapping(self, frame: _Frame) -> dict:
        data: dict = {}
        children: dict = {}
        keys: dict = {}
        for op in frame.ops:
            if op[0] == "key":
                _, key, value, loc, key_pos = op
                data[key], children[key], keys[key] = value, loc, key_pos
                continue
            for source, source_loc in op[1]:
                for key, value in source.items():
                    if key in frame.explicit or key in data:
                        continue
                    data[key] = value
                    children[key] = source_loc.children.get(key) or source_loc
                    keys[key] = (source_loc.keys or {}).get(key, source_loc.pos)
        frame.loc.children, frame.loc.keys = children, keys
        return data

    def emit(self, value: Any, loc: Loc, size: int, mark, ev=None) -> None:
        if not self.stack:
            self.root = (value, loc)
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            top.data.append(value)
            top.loc.children.append(loc)
            return
        if top.pending is None:
            if ev is None or type(ev).__name__ != "ScalarEvent":
                self.fail(mark, "mapping keys must be plain strings, not collections or aliases")
            key = ev.value
            if ev.style is None and ev.tag is None and key == "<<":
                top.pending = ("<<", loc.pos, True)
                return
            if key in top.explicit:
                first = top.explicit[key]
                self.fail(mark, f"duplicate key {key!r} (first defined at line {first.line}, column {first.col})")
            top.explicit[key] = loc.pos
            top.pending = (key, loc.pos, False)
            return
        key, key_pos, is_merge = top.pending
        top.pending = None
        if is_merge:
            sources = [(value, loc)] if isinstance(value, dict) else None
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                sources = list(zip(value, loc.children))
            if sources is None:
                self.fail(mark, "a merge key '<<' needs a mapping or a list of mappings")
            top.ops.append(("merge", sources))
            return
        top.ops.append(("key", key, value, loc, key_pos))

    def build(self, events) -> tuple[Any, Loc]:
        for ev in events:
            name = type(ev).__name__
            if name == "ScalarEvent":
                self.count(1, ev.start_mark)
                value, loc = self.scalar(ev)
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, loc, 1)
                    self.anchor_chars.pop(ev.anchor, None)
                self.emit(value, loc, 1, ev.start_mark, ev)
            elif name == "MappingStartEvent":
                self.start("map", ev)
            elif name == "SequenceStartEvent":
                self.start("seq", ev)
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                self.end(ev)
            elif name == "AliasEvent":
                if ev.anchor not in self.anchors:
                    self.fail(ev.start_mark, f"unknown alias *{ev.anchor} (no anchor &{ev.anchor} defined before it)")
                value, loc, size = self.anchors[ev.anchor]
                self.count(size, ev.start_mark)
                self.repeat(ev.anchor, value, ev.start_mark)
                self.emit(value, loc, size, ev.start_mark, ev)
            elif name == "DocumentStartEvent":
                self.documents += 1
                if self.documents > 1:
                    self.fail(ev.start_mark, "a ruleset file holds exactly one YAML document (found a second '---')")
        if self.root is None:
            return None, Loc(Pos(self.path, 1, 1))
        return self.root


def parse_yaml(text: str, path: str = "<string>", limits: YamlLimits = DEFAULT_LIMITS) -> tuple[Any, Loc]:
    """Parse one YAML document into plain data (dict/list/str/int/float/bool/None) and its locations.

    Raises :class:`RulesetError` with a single located issue on a syntax error, an unsupported tag,
    a duplicate key or an exceeded limit.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > limits.max_bytes or len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise RulesetError([Issue(path, 1, 1, f"file is larger than the {_human(limits.max_bytes)} limit",
                                  CODE_LIMITS)])
    builder = _Builder(text, path, limits)
    try:
        return builder.build(YAML(typ="safe", pure=True).parse(text))
    except _Stop as stop:
        raise RulesetError([stop.issue]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = exc.problem or "invalid YAML"
        if exc.context:
            message = f"{message} ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                message += f" at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
            message += ")"
        raise RulesetError([Issue(path, line, col, f"YAML syntax error: {message}", CODE_YAML)]) from None
    except YAMLError as exc:
        line, col = _position_of(text, getattr(exc, "position", None))
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise RulesetError([Issue(path, line, col, f"YAML error: {reason}", CODE_YAML)]) from None
    except RecursionError:
        raise RulesetError([Issue(path, 1, 1, "YAML nesting too deep", CODE_LIMITS)]) from None


_ESCAPE_LENGTHS = {"x": 4, "u": 6, "U": 10}


def _escape_shifts(inner: str, style: str) -> list[int]:
    """The offset in ``inner`` (a quoted scalar's text between its quotes, on one line) where each
    character of its value starts, plus the end: ``''`` is one character in single quotes,
    ``\\"``, ``\\n``, ``\\x41``, ``\\u00e9`` ... one character in double quotes."""
    out: list[int] = []
    i, n = 0, len(inner)
    while i < n:
        out.append(i)
        if style == "'" and inner.startswith("''", i):
            i += 2
        elif style == '"' and inner[i] == "\\":
            i += _ESCAPE_LENGTHS.get(inner[i + 1:i + 2], 2)
        else:
            i += 1
    out.append(n)
    return out


def _block_spots(raw: str, value: str, header_line: int) -> tuple[tuple[int, int], ...] | None:
    """``(line, col)`` of each character of a block scalar's value (and of its end), or None when the
    text cannot be matched to the value (an explicit indentation indicator, tabs, ...).

    Each content line, without the block's indentation, appears in the value in order; what separates
    two of them in the value (a newline, or a space when folded) is placed at the end of the first.
    """
    lines = raw.split("\n")
    header, content = lines[0], lines[1:]
    if any(ch.isdigit() for ch in header.split("#")[0]):
        return None
    indents = [len(x) - len(x.lstrip(" ")) for x in content if x.strip(" ")]
    if not indents:
        return None
    indent = min(indents)
    spots: list[tuple[int, int]] = []
    cursor = 0
    for k, text in enumerate(content):
        line = header_line + 1 + k
        body = text[indent:] if text.strip(" ") else ""
        if body:
            if not value.startswith(body, cursor):
                return None
            spots.extend((line, indent + 1 + c) for c in range(len(body)))
            cursor += len(body)
        if cursor < len(value) and value[cursor] in "\n ":
            spots.append((line, indent + 1 + len(body)))
            cursor += 1
    if cursor != len(value):
        return None
    spots.append(spots[-1] if spots else (header_line, 1))
    return tuple(spots)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


def _position_of(text: str, index: int | None) -> tuple[int, int]:
    if not isinstance(index, int) or index < 0:
        return 1, 1
    before = text[:index]
    line = before.count("\n") + 1
    return line, index - (before.rfind("\n") + 1) + 1


def _human(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"
