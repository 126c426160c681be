"""Guards around what third-party plugin checks hand to the engines.

A plugin check that returns something other than its level's protocol allows (``True``, a bare
string, one ``CheckFailure`` instead of a list) must not crash the run or garble a report: the
manager wraps the ``python`` builder of every check that is not built in, so such a result raises a
``TypeError`` naming the check inside the test, which every engine already turns into an ``error``
status of that rule only (naming the plugin). Built-in checks are not wrapped (no cost on their
path); a wrapped value test costs one extra call per value.
"""

from __future__ import annotations

import functools
from typing import Any, Callable


def _shown(result: Any) -> str:
    text = repr(result)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(result).__name__} ({text})"


def _is_failure(item: Any) -> bool:
    """A ``CheckFailure`` or a plain ``(field, value, reason, message)`` tuple with string texts."""
    return (isinstance(item, tuple) and len(item) == 4 and (item[0] is None or isinstance(item[0], str))
            and isinstance(item[2], str) and isinstance(item[3], str))


def _failures(check: str, result: Any, what: str) -> Any:
    """``result`` when it is None or a list/tuple of failures; else a TypeError naming the check."""
    if result is None:
        return None
    if isinstance(result, (list, tuple)) and not _is_failure(result):
        for item in result:
            if not _is_failure(item):
                raise TypeError(f"check {check!r}: {what} returned a list holding {_shown(item)}; "
                                "expected CheckFailure(field, value, reason, message) items")
        return result
    hint = " (a single failure: return it in a list)" if _is_failure(result) else ""
    raise TypeError(f"check {check!r}: {what} returned {_shown(result)}{hint}; "
                    "expected None or a list of CheckFailure")


def _value_test(check: str, test: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def guarded(value: Any) -> Any:
        result = test(value)
        if result is None:
            return None
        if (isinstance(result, (tuple, list)) and len(result) == 2
                and isinstance(result[0], str) and isinstance(result[1], str)):
            return result if type(result) is tuple else tuple(result)
        raise TypeError(f"check {check!r} returned {_shown(result)} for a value; "
                        "expected None or a (reason, message) pair of strings")

    guarded.__wrapped__ = test  # type: ignore[attr-defined]
    return guarded


class GuardedRecordTest:
    """A plugin's record test whose results are checked; other attributes are the test's own."""

    def __init__(self, check: str, test: Callable[[Any, Any], Any]):
        self.__dict__["_check"] = check
        self.__dict__["_test"] = test

    def __call__(self, record: Any, line: Any) -> Any:
        return _failures(self._check, self._test(record, line), "its record test")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "_test" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["_test"], name)


class GuardedAccumulator:
    """A plugin's batch accumulator whose ``finish`` result is checked.

    Every other attribute (``add``, ``add_values``, ``values_of``, ``needs_records``) is the
    accumulator's own, so the per-record path costs nothing more; ``merge`` unwraps its argument.
    It pickles (``--jobs``) when the accumulator does.
    """

    def __init__(self, check: str, acc: Any):
        self.__dict__["_check"] = check
        self.__dict__["_acc"] = acc

    def merge(self, other: Any) -> Any:
        inner = other.__dict__["_acc"] if isinstance(other, GuardedAccumulator) else other
        return self._acc.merge(inner)

    def finish(self, records_checked: int) -> Any:
        return _failures(self._check, self._acc.finish(records_checked), "finish()") or []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "_acc" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["_acc"], name)

    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def guarded_build(build: Callable[..., Any], level: str, check: str, rule: Any, ctx: Any) -> Any:
    """The plugin's ``build(rule, ctx)``, its result wrapped so that wrong results raise in the test."""
    impl = build(rule, ctx)
    if level == "value":
        if not callable(impl):
            raise TypeError(f"check {check!r}: its python builder returned {_shown(impl)}, "
                            "expected a function test(value)")
        return _value_test(check, impl)
    if level == "record":
        if not callable(impl):
            raise TypeError(f"check {check!r}: its python builder returned {_shown(impl)}, "
                            "expected a function test(record, line)")
        return GuardedRecordTest(check, impl)
    if not callable(getattr(impl, "finish", None)):
        raise TypeError(f"check {check!r}: its python builder returned {_shown(impl)}, "
                        "expected an accumulator with add(record), merge(other) and finish(records_checked)")
    return GuardedAccumulator(check, impl)


def guard_check(spec: Any) -> Any:
    """``spec`` with its ``python`` builder guarded (a partial of a module function: it pickles
    whenever the plugin's builder does)."""
    from dataclasses import replace

    build = spec.python
    if isinstance(build, functools.partial) and build.func is guarded_build:
        return spec
    return replace(spec, python=functools.partial(guarded_build, build, spec.level, spec.name))


__all__ = ["GuardedAccumulator", "GuardedRecordTest", "guard_check", "guarded_build"]
