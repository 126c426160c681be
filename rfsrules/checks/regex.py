"""RE2 regular expressions for checks: compile once, match in linear time, fast boolean matchers."""

from __future__ import annotations

import functools
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
    bytes of the text (several times faster than going through ``re2.search``), falling back to the
    public ``re2`` API if the wrapper's internals ever change.
    """
    if not isinstance(pattern, str):
        raise RegexError(f"pattern must be a string, got {type(pattern).__name__}")
    try:
        regexp = re2.compile(pattern, _options(never_capture=True))
    except re2.error as exc:
        raise RegexError(_reason(exc)) from None
    raw = getattr(regexp, "_regexp", None)
    anchors = getattr(re2, "_Anchor", None)
    if raw is not None and anchors is not None and hasattr(raw, "Match"):
        match = raw.Match
        anchor = anchors.ANCHOR_BOTH if full_match else anchors.UNANCHORED

        def matches(text: str) -> bool:
            data = text.encode("utf-8", "surrogatepass")
            return match(anchor, data, 0, len(data))[0][0] >= 0

        return matches
    finder = regexp.fullmatch if full_match else regexp.search  # pragma: no cover - other re2 versions
    return lambda text: finder(text) is not None  # pragma: no cover


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else str(exc)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail)
