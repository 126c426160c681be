"""Lazy, immutable chains: ``extract_from(...)`` plans, ``scan_data_for(...)`` pattern scans and their steps.

A chain is a plan: a source plus a tuple of steps. Every method that adds a step returns a NEW chain, so
one chain can be branched into several without the branches affecting each other. Nothing runs until the
chain is used: ``collect()``, ``count()``, ``first()``, ``len()``, iteration, indexing, ``bool()``,
``in`` or ``==``. A one-shot source (a generator) is read once, lazily, and shared by every chain built
from it; each chain object computes its own result at most once, so using a chain twice gives the same
result.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..paths import MISSING
from .config import read_field

ON_ERROR_MODES = ("raise", "skip", "collect")
"""What a chain does when a user function raises: re-raise, drop the item, or keep an error item."""


def error_text(exc: BaseException) -> str:
    """``"<ExceptionType>: <message>"``, the form used in error items and ``check_error`` violations."""
    return f"{type(exc).__name__}: {exc}"


def _check_mode(mode: str) -> str:
    if mode not in ON_ERROR_MODES:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR_MODES)}, got {mode!r}")
    return mode


def _describe(fn: Any) -> str:
    if isinstance(fn, str):
        return repr(fn)
    return getattr(fn, "__name__", None) or type(fn).__name__


def as_function(key: Callable[[Any], Any] | str, what: str) -> Callable[[Any], Any]:
    """A callable from a callable or a field name (``"severity"``, dotted ``"a.b"``; missing raises KeyError)."""
    if callable(key):
        return key
    if isinstance(key, str) and key:

        def read(item: Any, _path: str = key) -> Any:
            value = read_field(item, _path)
            if value is MISSING:
                raise KeyError(_path)
            return value

        read.__name__ = repr(key)
        return read
    raise TypeError(f"{what} needs a callable or a field name, got {type(key).__name__}")


def canonical_key(value: Any) -> Any:
    """A hashable stand-in for ``value``: itself when hashable, else a tagged tuple built recursively.

    Two values get equal canonical keys exactly when they compare equal (dicts regardless of key order).
    """
    try:
        hash(value)
        return value
    except TypeError:
        pass
    if isinstance(value, Mapping):
        items = [(canonical_key(k), canonical_key(v)) for k, v in value.items()]
        return ("<mapping>", frozenset(items))
    if isinstance(value, (set, frozenset)):
        return ("<set>", frozenset(canonical_key(v) for v in value))
    if isinstance(value, (list, tuple)) or (isinstance(value, Sequence) and not isinstance(value, (str, bytes))):
        return ("<sequence>", tuple(canonical_key(v) for v in value))
    return ("<object>", id(value))


class _Source:
    """A chain's input, shared by every chain derived from it.

    A sequence (list, tuple, range) is iterated directly each time. Any other iterable (a generator, an
    iterator, a set) is pulled lazily on first use and what was pulled is kept, so every chain sees the
    same items and a ``take(n)`` reads only ``n`` of them.
    """

    __slots__ = ("_producer", "_sequence", "_cache", "_iterator", "_done", "_lock", "_busy", "_error")

    def __init__(self, producer: Callable[[], Iterable[Any]], sequence: Sequence | None = None):
        self._producer = producer
        self._sequence = sequence
        self._cache: list[Any] = []
        self._iterator: Iterator[Any] | None = None
        self._done = False
        self._lock = threading.RLock()
        self._busy = False
        self._error: BaseException | None = None

    def __iter__(self) -> Iterator[Any]:
        if self._sequence is not None:
            return iter(self._sequence)
        return self._pull()

    def _pull(self) -> Iterator[Any]:
        index = 0
        while True:
            with self._lock:
                if index < len(self._cache):
                    item = self._cache[index]
                elif self._done:
                    return
                elif self._error is not None:
                    # The source raised before: a dead generator would now look exhausted, and the
                    # chain would silently return the items read so far. Raise the same error again.
                    raise self._error
                else:
                    if self._busy:
                        raise RuntimeError("a chain was used inside the evaluation of its own source")
                    self._busy = True
                    try:
                        if self._iterator is None:
                            self._iterator = iter(self._producer())
                        item = next(self._iterator)
                    except StopIteration:
                        self._done = True
                        return
                    except Exception as exc:
                        if self._iterator is not None:  # the producer itself may be retried
                            self._error = exc
                        raise
                    finally:
                        self._busy = False
                    self._cache.append(item)
            yield item
            index += 1

    def items(self) -> tuple:
        """Every item, as a tuple."""
        return tuple(self)


def source_of(items: Iterable[Any]) -> _Source:
    """A shared source over an iterable (not touched before the first evaluation)."""
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"expected an iterable of items, got {type(items).__name__}")
    if isinstance(items, Sequence):
        return _Source(lambda: items, items)
    return _Source(lambda: items)


class _Run:
    """State of one evaluation: the error mode and the error items collected so far."""

    __slots__ = ("mode", "errors")

    def __init__(self, mode: str):
        self.mode = mode
        self.errors: list[Any] = []

    def failed(self, error_item: dict) -> None:
        """Record a failure after the caller has re-raised in ``raise`` mode."""
        if self.mode == "collect":
            self.errors.append(error_item)


def _item_error(exc: BaseException, item: Any) -> dict:
    return {"error": error_text(exc), "item": item}


class _Step:
    """One step of a plan: ``run(items, run) -> items`` (iterables, consumed lazily where possible)."""

    name = "step"
    args: tuple = ()

    def run(self, items: Iterable[Any], run: _Run) -> Iterable[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(self.args)})"


class _Map(_Step):
    name = "transform_to"

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = as_function(fn, "transform_to")
        self.args = (_describe(fn),)

    def run(self, items, run):
        fn = self.fn
        for item in items:
            try:
                value = fn(item)
            except Exception as exc:
                if run.mode == "raise":
                    raise
                run.failed(_item_error(exc, item))
                continue
            yield value


class _Filter(_Step):
    name = "filter_by"

    def __init__(self, predicate: Callable[[Any], Any]):
        self.fn = as_function(predicate, "filter_by")
        self.args = (_describe(predicate),)

    def run(self, items, run):
        fn = self.fn
        for item in items:
            try:
                keep = fn(item)
            except Exception as exc:
                if run.mode == "raise":
                    raise
                run.failed(_item_error(exc, item))
                continue
            if keep:
                yield item


class _Sort(_Step):
    name = "sort_by"

    def __init__(self, key: Callable[[Any], Any] | str, reverse: bool):
        self.fn = as_function(key, "sort_by")
        self.reverse = bool(reverse)
        self.args = (_describe(key),) + (("reverse=True",) if self.reverse else ())

    def run(self, items, run):
        keyed: list[tuple[Any, Any]] = []
        for item in items:
            try:
                keyed.append((self.fn(item), item))
            except Exception as exc:
                if run.mode == "raise":
                    raise
                run.failed(_item_error(exc, item))
        try:
            # sorted() is stable, also with reverse=True (equal keys keep their input order).
            keyed.sort(key=lambda pair: pair[0], reverse=self.reverse)
        except TypeError as exc:
            raise TypeError(f"sort_by: keys cannot be compared ({exc})") from exc
        return [item for _, item in keyed]


class _Group(_Step):
    name = "group_by"

    def __init__(self, key: Callable[[Any], Any] | str):
        self.fn = as_function(key, "group_by")
        self.args = (_describe(key),)

    def run(self, items, run):
        groups: dict[Any, dict] = {}
        for item in items:
            try:
                key = self.fn(item)
            except Exception as exc:
                if run.mode == "raise":
                    raise
                run.failed(_item_error(exc, item))
                continue
            slot = canonical_key(key)
            group = groups.get(slot)
            if group is None:
                groups[slot] = group = {"key": key, "items": []}
            group["items"].append(item)
        return list(groups.values())


class _Take(_Step):
    name = "take"

    def __init__(self, n: int):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"take() needs a non-negative integer, got {n!r}")
        self.n = n
        self.args = (str(n),)

    def run(self, items, run):
        return itertools.islice(items, self.n)


class _Distinct(_Step):
    name = "distinct"

    def __init__(self, key: Callable[[Any], Any] | str | None):
        self.fn = None if key is None else as_function(key, "distinct")
        self.args = () if key is None else (_describe(key),)

    def run(self, items, run):
        seen: set = set()
        for item in items:
            try:
                marker = canonical_key(item if self.fn is None else self.fn(item))
            except Exception as exc:
                if run.mode == "raise":
                    raise
                run.failed(_item_error(exc, item))
                continue
            if marker not in seen:
                seen.add(marker)
                yield item


class Chain:
    """A lazy, immutable plan over a sequence of items (built by :func:`extract_from`).

    Steps: :meth:`transform_to`, :meth:`filter_by`, :meth:`sort_by`, :meth:`group_by`, :meth:`take`,
    :meth:`distinct`, :meth:`on_error`. Results: :meth:`collect`, :meth:`count`, :meth:`first`, and the
    sequence protocol (``len``, iteration, indexing, ``bool``, ``in``, ``==`` with lists).
    Key and predicate arguments take a callable or a field name (``"severity"``, ``"a.b"``).
    """

    __slots__ = ("_source", "_steps", "_mode", "_label", "_cache", "_lock")

    def __init__(self, source: _Source, steps: tuple = (), on_error: str = "raise", label: str = "extract_from"):
        self._source = source
        self._steps = tuple(steps)
        self._mode = _check_mode(on_error)
        self._label = label
        self._cache: tuple | None = None
        self._lock = threading.RLock()

    # ---- building (each returns a new chain) -------------------------------------------------------

    @classmethod
    def _preserving(cls) -> type:
        """The chain class returned by steps that keep the kind of the items (filter, sort, take, distinct)."""
        return cls

    def _with(self, step: _Step | None, cls: type | None = None, mode: str | None = None) -> "Chain":
        cls = cls or Chain
        steps = self._steps if step is None else self._steps + (step,)
        return cls._new(self, steps, self._mode if mode is None else mode)

    @classmethod
    def _new(cls, parent: "Chain", steps: tuple, mode: str) -> "Chain":
        return cls(parent._source, steps, mode, parent._label)

    def transform_to(self, fn: Callable[[Any], Any] | str) -> "Chain":
        """Replace each item by ``fn(item)``."""
        return self._with(_Map(fn))

    def filter_by(self, predicate: Callable[[Any], Any] | str) -> "Chain":
        """Keep the items for which ``predicate(item)`` is truthy."""
        return self._with(_Filter(predicate), self._preserving())

    def sort_by(self, key: Callable[[Any], Any] | str, reverse: bool = False) -> "Chain":
        """Sort by ``key(item)``; stable (equal keys keep their order, also with ``reverse=True``)."""
        return self._with(_Sort(key, reverse), self._preserving())

    def group_by(self, key: Callable[[Any], Any] | str) -> "Chain":
        """Items become groups ``{"key": k, "items": [...]}`` in first-seen order of the keys."""
        return self._with(_Group(key))

    def take(self, n: int) -> "Chain":
        """Keep the first ``n`` items (only as many items as needed are computed by the steps before)."""
        return self._with(_Take(n), self._preserving())

    def distinct(self, key: Callable[[Any], Any] | str | None = None) -> "Chain":
        """Drop items equal (or with a key equal) to an earlier one; unhashable values are compared by value."""
        return self._with(_Distinct(key), self._preserving())

    def on_error(self, mode: str) -> "Chain":
        """How the whole chain treats a raising function: ``raise`` (default), ``skip`` or ``collect``.

        ``collect`` keeps ``{"error": "<Type>: msg", "item": item}`` for each failure; error items skip the
        remaining steps and follow the normal results, in the order the failures happened.
        """
        return self._with(None, type(self), _check_mode(mode))

    # ---- running ----------------------------------------------------------------------------------

    def _stream(self, run: _Run) -> Iterable[Any]:
        items: Iterable[Any] = iter(self._source)
        for step in self._steps:
            items = step.run(items, run)
        return items

    def _evaluate(self) -> tuple:
        with self._lock:
            if self._cache is None:
                run = _Run(self._mode)
                results = list(self._stream(run))
                self._cache = tuple(results + run.errors)
            return self._cache

    def collect(self) -> list:
        """The results as a new plain list."""
        return list(self._evaluate())

    def count(self) -> int:
        """How many results there are."""
        return len(self._evaluate())

    def first(self, default: Any = None) -> Any:
        """The first result, or ``default`` when there is none (computes only what it needs)."""
        if self._cache is not None:
            return self._cache[0] if self._cache else default
        found = self.take(1)._evaluate()
        return found[0] if found else default

    def __len__(self) -> int:
        return len(self._evaluate())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._evaluate())

    def __getitem__(self, index: int | slice) -> Any:
        result = self._evaluate()
        if isinstance(index, slice):
            return list(result[index])
        return result[index]

    def __bool__(self) -> bool:
        return bool(self._evaluate())

    def __contains__(self, item: Any) -> bool:
        return item in self._evaluate()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Chain):
            return self._evaluate() == other._evaluate()
        if isinstance(other, (list, tuple)):
            return list(self._evaluate()) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        plan = "".join(f".{step!r}" for step in self._steps)
        mode = "" if self._mode == "raise" else f".on_error({self._mode!r})"
        return f"<{type(self).__name__} {self._label}(...){plan}{mode}>"


def extract_from(items: Iterable[Any], *, on_error: str = "raise") -> Chain:
    """Start a lazy chain over ``items`` (any iterable; a generator is read once, on first use)."""
    return Chain(source_of(items), (), on_error, "extract_from")


# ---- scan_data_for ---------------------------------------------------------------------------------


def _name_patterns(patterns: Mapping[str, Callable] | Iterable[Callable]) -> tuple[tuple[str, Callable], ...]:
    if isinstance(patterns, Mapping):
        named = tuple((str(name), fn) for name, fn in patterns.items())
    elif isinstance(patterns, (str, bytes)) or not isinstance(patterns, Iterable):
        raise TypeError("scan_data_for needs a mapping {name: predicate} or a list of predicates")
    else:
        named = []
        for index, fn in enumerate(patterns):
            name = getattr(fn, "__name__", None)
            named.append((name if name and name != "<lambda>" else f"pattern_{index}", fn))
        named = tuple(named)
    for name, fn in named:
        if not callable(fn):
            raise TypeError(f"pattern {name!r} is not callable")
    return named


def _default_match(record: Any, pattern: str) -> dict:
    return {"pattern": pattern, "record": record}


class _Scan(_Step):
    """For each record (in order) and each pattern (in declaration order) that matches: ``extract(record, name)``."""

    name = "in_data"

    def __init__(self, patterns: tuple[tuple[str, Callable], ...], extract: Callable[[Any, str], Any]):
        self.patterns = patterns
        self.extract = extract
        self.args = (f"{len(patterns)} pattern(s)",)

    def run(self, items, run):
        for record in items:
            for name, predicate in self.patterns:
                try:
                    matched = predicate(record)
                    if not matched:
                        continue
                    value = self.extract(record, name)
                except Exception as exc:
                    if run.mode == "raise":
                        raise
                    run.failed({"error": error_text(exc), "pattern": name, "record": record})
                    continue
                yield value


class PatternScan(Chain):
    """The matches of a pattern scan: a chain of ``{"pattern": name, "record": record}`` until :meth:`extract`."""

    __slots__ = ()

    @classmethod
    def _preserving(cls) -> type:
        return Chain

    def extract(self, fn: Callable[[Any, str], Any]) -> Chain:
        """Replace each match by ``fn(record, pattern_name)`` (called only for matching pairs)."""
        if not callable(fn):
            raise TypeError("extract() needs a callable fn(record, pattern_name)")
        scan = self._steps[0]
        return Chain(self._source, (_Scan(scan.patterns, fn),) + self._steps[1:], self._mode, self._label)


class PatternScanner:
    """``scan_data_for(patterns)``: waits for :meth:`in_data` to name the records to scan."""

    __slots__ = ("_patterns", "_mode")

    def __init__(self, patterns: tuple[tuple[str, Callable], ...], mode: str):
        self._patterns = patterns
        self._mode = mode

    @property
    def pattern_names(self) -> list[str]:
        """The pattern names, in declaration order."""
        return [name for name, _ in self._patterns]

    def on_error(self, mode: str) -> "PatternScanner":
        """``raise`` (default), ``skip`` or ``collect`` (``{"error", "pattern", "record"}`` items)."""
        return PatternScanner(self._patterns, _check_mode(mode))

    def in_data(self, records: Iterable[Any]) -> PatternScan:
        """The lazy scan of ``records``; call ``.extract(fn)`` to shape each match."""
        return PatternScan(source_of(records), (_Scan(self._patterns, _default_match),), self._mode, "scan_data_for")

    def __repr__(self) -> str:
        return f"<PatternScanner {self.pattern_names}>"


def scan_data_for(
    patterns: Mapping[str, Callable[[Any], Any]] | Iterable[Callable[[Any], Any]], *, on_error: str = "raise"
) -> PatternScanner:
    """Scan records for patterns: ``{name: predicate(record)}`` or a list of predicates (named by ``__name__``).

    A pattern matches a record when its predicate returns a truthy value. Results come record by record,
    patterns in declaration order within a record. A raising predicate (or ``extract`` function) raises by
    default; ``on_error="skip"`` ignores that pair, ``on_error="collect"`` keeps
    ``{"error": "<Type>: msg", "pattern": name, "record": record}``.
    """
    return PatternScanner(_name_patterns(patterns), _check_mode(on_error))

