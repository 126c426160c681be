"""RE2 regular expressions for checks: compile once, match in linear time, fast boolean matchers.

Besides the matcher, :func:`class_table` gives the engine a sound shortcut for patterns written in a
small, fully understood ASCII syntax: characters that no part of the pattern can tell apart are
mapped to one representative byte, so every string maps to a *class key* and two strings with the
same key have the same RE2 answer. Answers are then cached per key (``user_17`` and ``user_42`` share
the key ``uuuu_00``) while RE2 stays the only matcher, linear time included.
"""

from __future__ import annotations

import functools
import re
from typing import Callable

import re2


class RegexError(ValueError):
    """A pattern RE2 cannot compile (bad syntax, or Perl-only features such as backreferences)."""


def _options(never_capture: bool) -> "re2.Options":
    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise print every rejected pattern to stderr
    options.never_capture = never_capture
    return options


def check_pattern(pattern: str) -> str | None:
    """None when RE2 accepts ``pattern``, else the reason it does not (``invalid escape sequence: \\1``)."""
    try:
        compile_matcher(pattern)
    except RegexError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=512)
def compile_matcher(pattern: str, full_match: bool = False) -> Callable[[str], bool]:
    """A function ``text -> bool``: does RE2 ``pattern`` match (search semantics, or the whole text)?

    Raises :class:`RegexError` when RE2 rejects the pattern. Matching calls RE2 directly on the UTF-8
    bytes of the text: first through a one-pattern ``RE2::Set`` (the cheapest call the binding offers,
    a DFA-only scan), and, when the set reports no match, through ``RE2::Match`` to confirm it (a set
    may give up on a DFA that outgrows its memory budget, never the other way round).
    Falls back to the public ``re2`` API if the wrapper's internals ever change.
    """
    if not isinstance(pattern, str):
        raise RegexError(f"pattern must be a string, got {type(pattern).__name__}")
    options = _options(never_capture=True)
    try:
        regexp = re2.compile(pattern, options)
    except re2.error as exc:
        raise RegexError(_reason(exc)) from None
    raw = getattr(regexp, "_regexp", None)
    anchors = getattr(re2, "_Anchor", None)
    if raw is not None and anchors is not None and hasattr(raw, "Match"):
        match = raw.Match
        anchor = anchors.ANCHOR_BOTH if full_match else anchors.UNANCHORED
        set_match = _set_matcher(pattern, anchor, options)

        def matches(text: str) -> bool:
            data = text.encode("utf-8", "surrogatepass")
            if set_match is not None and set_match(data):
                return True
            return match(anchor, data, 0, len(data))[0][0] >= 0

        return matches
    finder = regexp.fullmatch if full_match else regexp.search  # pragma: no cover - other re2 versions
    return lambda text: finder(text) is not None  # pragma: no cover


def _set_matcher(pattern: str, anchor, options) -> Callable[[bytes], list] | None:
    """``RE2::Set.Match`` for the single ``pattern`` (a non-empty list when it matches), or None."""
    try:
        regex_set = re2._re2.Set(anchor, options)
        if regex_set.Add(pattern.encode("utf-8")) != 0 or not regex_set.Compile():
            return None
        return regex_set.Match
    except Exception:  # pragma: no cover - a binding without sets
        return None


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else str(exc)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail)


# --- character-class keys ----------------------------------------------------------------------------

_CLASS_ESCAPES = frozenset("dDwWsS")
_CHAR_ESCAPES = frozenset("ntrfva")
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
_NON_ASCII_SAMPLES = ("\u00e9", "\u00a0", "\u0085", "\u2028", "\u20ac", "\U0001f600", "\u0660", "\u212a")
_CONTINUATION, _LEAD2, _LEAD3, _LEAD4 = 0x80, 0xC0, 0xE0, 0xF0


def _escape_ok(e: str) -> bool:
    """Escapes allowed inside and outside classes: ``\\d``-style classes, ``\\n``-style characters, punctuation."""
    return e in _CLASS_ESCAPES or e in _CHAR_ESCAPES or (e.isascii() and not e.isalnum() and e.isprintable())


def _class_end(pattern: str, i: int) -> int | None:
    """Index just after the ``]`` closing the class that opens at ``i``; None for forms not understood."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":
        return None  # a literal ']' first: legal, but not worth the risk
    while j < n and pattern[j] != "]":
        c = pattern[j]
        if c == "\\":
            if j + 1 >= n or not _escape_ok(pattern[j + 1]):
                return None
            j += 2
        elif c == "[" or not (" " <= c <= "~"):
            return None  # POSIX classes ([:alpha:]), nested brackets, control characters
        else:
            j += 1
    return j + 1 if j < n else None


def pattern_atoms(pattern: str) -> list[str] | None:
    """The source text of every character-matching atom of ``pattern`` (``\\w`` stands for ``\\b``/``\\B``),
    or None when the pattern uses anything outside the understood syntax.

    Understood: printable ASCII literals, ``.``, escapes ``\\d \\D \\w \\W \\s \\S \\n \\t \\r \\f \\v \\a``
    and escaped punctuation, bracket classes of those (with ranges and ``^``), groups ``(...)`` and
    ``(?:...)``, ``|``, the quantifiers ``* + ? {n} {n,} {n,m}`` (lazy or not), and the anchors
    ``^ $ \\A \\z \\b \\B``. Flags (``(?i)``), Unicode classes, ``\\x``/``\\Q``/``\\C`` and
    non-ASCII literals are refused: with them, characters outside the atoms could differ.
    """
    if not pattern.isascii():
        return None
    atoms: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            e = pattern[i + 1]
            if e in "bB":
                atoms.append(r"\w")
            elif e in "Az":
                pass
            elif _escape_ok(e):
                atoms.append(pattern[i:i + 2])
            else:
                return None
            i += 2
        elif c == "[":
            j = _class_end(pattern, i)
            if j is None:
                return None
            atoms.append(pattern[i:j])
            i = j
        elif c == "(":
            if pattern.startswith("(?", i):
                if not pattern.startswith("(?:", i):
                    return None  # flags, named groups, lookarounds (RE2 rejects the latter anyway)
                i += 3
            else:
                i += 1
        elif c in ")|^$*+?":
            i += 1
        elif c == "{":
            m = _REPEAT.match(pattern, i)
            if m is None:
                return None
            i = m.end()
        elif c in "}]" or not (" " <= c <= "~"):
            return None
        else:
            atoms.append(c)  # a literal, or "." (any character but a newline)
            i += 1
    return atoms


def _membership(atom: str) -> tuple[int, bool] | None:
    """RE2's own answer for ``atom``: an ASCII bit mask and whether it matches non-ASCII characters
    (None when the samples disagree: then non-ASCII characters are not all alike for this atom)."""
    try:
        regexp = re2.compile(atom, _options(never_capture=True))
    except re2.error:
        return None
    mask = 0
    for code in range(128):
        if regexp.fullmatch(chr(code)) is not None:
            mask |= 1 << code
    outside = {regexp.fullmatch(ch) is not None for ch in _NON_ASCII_SAMPLES}
    if len(outside) != 1:
        return None
    return mask, outside.pop()


@functools.lru_cache(maxsize=256)
def class_table(pattern: str) -> bytes | None:
    """A ``bytes.translate`` table mapping the UTF-8 bytes of any string to its class key, or None.

    Two ASCII characters map to the same byte when every atom of the pattern (as RE2 itself reads each
    atom) contains both or neither; non-ASCII characters are all alike for the understood syntax and
    keep their UTF-8 shape (lead bytes by length, continuation bytes), so keys never mix them up with
    ASCII classes. Strings with equal keys therefore get equal answers from RE2 for this pattern,
    whether searched or fully matched.
    """
    atoms = pattern_atoms(pattern)
    if atoms is None:
        return None
    memberships = []
    for atom in dict.fromkeys(atoms):
        found = _membership(atom)
        if found is None:
            return None
        memberships.append(found[0])
    representative: dict[tuple, int] = {}
    table = bytearray(256)
    for code in range(128):
        signature = tuple((mask >> code) & 1 for mask in memberships)
        table[code] = representative.setdefault(signature, code)
    for byte in range(128, 256):
        if byte < 0xC0:
            table[byte] = _CONTINUATION
        elif byte < 0xE0:
            table[byte] = _LEAD2
        elif byte < 0xF0:
            table[byte] = _LEAD3
        else:
            table[byte] = _LEAD4
    return bytes(table)
