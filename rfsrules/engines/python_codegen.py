"""Generates the Python engine's per-record function from compiled rule groups.

The generated source holds only identifiers and code written in this module: local names such as
``x3``/``v3``/``r3``, namespace names such as ``K4`` (a key), ``vt7`` (a check's test), ``get9`` (a
cache lookup), and rule indexes as integer literals. Every ruleset value (field names, patterns,
messages, parameters) reaches the code through the namespace dict, never as source text.

Shape of ``process(rec, line)``:

* phase A, per field: extract it once (sharing prefixes: ``data`` is read once for ``data.value`` and
  ``data.status``), then evaluate its value checks. Built-in ``type`` tests are skipped for Python
  types the fixed semantics accept (``str`` for ``string``, ``int`` for ``integer``, ``dict`` for
  ``object``...). Remaining built-in tests on ``str``/``int`` values are read from a per-field cache
  keyed by the exact value. Phase A has no side effects except error counts, so the detecting variant
  may ``return 1`` when it meets a float of magnitude >= 2**63 (an integer orjson could not keep).
* phase B reports value failures, runs presence checks for absent/null fields, record checks and batch
  accumulators. Every check call is guarded: an exception marks that rule only.
"""

from __future__ import annotations

from typing import Any, Callable

from ..paths import MISSING

CACHE_LIMIT = 16384
"""Distinct values remembered per field and value type; past it, values are checked without caching."""

BIG_FLOAT = 2.0 ** 63
NOT_FOUND = object()
NOT_PRESENT = object()
_FILENAME = "<rfsrules-python-engine>"


class _Names:
    """The generated module's namespace: every object gets a name made of a prefix and a counter."""

    def __init__(self):
        self.ns: dict[str, Any] = {}
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def bind(self, prefix: str, obj: Any) -> str:
        name = self.fresh(prefix)
        self.ns[name] = obj
        return name


class ValueTest:
    """One value check on one field: rule index, test, cacheable (built-in, pure), Python types it surely passes."""

    __slots__ = ("ri", "test", "cacheable", "passes")

    def __init__(self, ri: int, test: Callable, cacheable: bool, passes: frozenset):
        self.ri, self.test, self.cacheable, self.passes = ri, test, cacheable, passes


def generate(groups, collector, on_cache_full: Callable) -> tuple[Callable, Callable, str]:
    """``(process, process_exact, source)`` for ``groups`` (see the module docstring).

    ``on_cache_full(section, py_type, rebind)`` is called when a field's cache reaches
    :data:`CACHE_LIMIT`; ``rebind()`` makes the running code stop filling that cache.
    """
    gen = _Generator(collector, on_cache_full)
    for gi, group in enumerate(groups):
        gen.group(gi, group)
    return gen.finish()


class _Generator:
    def __init__(self, collector, on_cache_full: Callable):
        self.on_cache_full = on_cache_full
        self.names = _Names()
        self.names.ns.update({
            "M": MISSING, "NF": NOT_FOUND, "NP": NOT_PRESENT, "S": str, "I": int, "F": float, "D": dict,
            "BIG": BIG_FLOAT, "NBIG": -BIG_FLOAT, "ERRS": collector.error_total, "LIMIT": CACHE_LIMIT,
            "err": collector.error, "vf": collector.value_failures, "vfw": collector.wildcard_failures,
            "rf": collector.record_failures,
        })
        self.collector = collector
        self.helpers: list[str] = []
        self.spaces: list[dict] = []  # the namespaces the generated functions run in (filled by finish())
        self.phase_a: list[tuple[str, bool]] = []  # (line, only in the detecting variant)
        self.phase_b: list[str] = []

    # --- groups and sections ---------------------------------------------------------------------

    def group(self, gi: int, group) -> None:
        pad = "    "
        if group.where is not None:
            keep = f"k{gi}"
            w = self.names.bind("w", group.where)
            werr = self.names.bind("werr", _group_error(self.collector, group.rule_indexes))
            self._a([f"{pad}try:", f"{pad}    {keep} = {w}(rec) is True", f"{pad}except Exception as e:",
                     f"{pad}    {keep} = False", f"{pad}    {werr}(e)", f"{pad}if {keep}:"])
            self.phase_b.append(f"{pad}if {keep}:")
            pad += "    "
        a_start, b_start = len(self.phase_a), len(self.phase_b)
        prefixes: dict[tuple, str] = {}
        for sec in group.sections.values():
            self.section(sec, pad, prefixes)
        for ri, test in group.record_tests:
            self.phase_b += self._guarded_record_call(self.names.bind("rt", test), ri, pad)
        if group.batch and group.where is not None:
            self.phase_b.append(f"{pad}{self.names.bind('cnt', group.counter)}[0] += 1")
        for ri, acc in group.batch:
            if getattr(acc, "needs_records", True) is False:
                continue
            a = self.names.bind("ba", acc.add)
            self.phase_b += [f"{pad}try:", f"{pad}    {a}(rec)", f"{pad}except Exception as e:", f"{pad}    err({ri}, e)"]
        if group.where is not None:
            if len(self.phase_a) == a_start:
                self._a([f"{pad}pass"])
            if len(self.phase_b) == b_start:
                self.phase_b.append(f"{pad}pass")

    def section(self, sec, pad: str, prefixes: dict) -> None:
        if sec.path.has_wildcard:
            self._wildcard(sec, pad)
            return
        v = self.extract(sec.path, pad, prefixes)
        k = self.names.fresh("")
        r = f"r{k}"
        fld = self.names.bind("fld", sec.path.text)
        detect = f"if t is F and ({v} >= BIG or {v} <= NBIG):"
        if not sec.value_tests:
            if sec.detect:
                self._a([f"{pad}t = type({v})", pad + detect, f"{pad}    return 1"], detect_only=True)
            if sec.presence:
                self.phase_b.append(f"{pad}if {v} is M or {v} is None:")
                for ri, test in sec.presence:
                    self.phase_b += self._guarded_record_call(self.names.bind("pt", test), ri, pad + "    ")
            return
        inner = pad + "        "
        self._a([f"{pad}if {v} is M or {v} is None:", f"{pad}    {r} = NP", f"{pad}else:", f"{pad}    t = type({v})",
                 f"{pad}    if t is S:"])
        self._a(self._typed_branch(sec, str, v, r, inner))
        self._a([f"{pad}    elif t is I:"])
        self._a(self._typed_branch(sec, int, v, r, inner))
        self._a([f"{pad}    else:"])
        self._a([inner + detect, f"{inner}    return 1"], detect_only=True)
        self._a(self._inline_tests(sec.value_tests, v, r, inner))
        self.phase_b.append(f"{pad}if {r} is not None:")
        if sec.presence:
            self.phase_b.append(f"{pad}    if {r} is NP:")
            for ri, test in sec.presence:
                self.phase_b += self._guarded_record_call(self.names.bind("pt", test), ri, pad + "        ")
            self.phase_b += [f"{pad}    else:", f"{pad}        vf({r}, rec, line, {fld}, {v})"]
        else:
            self.phase_b += [f"{pad}    if {r} is not NP:", f"{pad}        vf({r}, rec, line, {fld}, {v})"]

    def extract(self, path, pad: str, prefixes: dict) -> str:
        """Emit code reading ``path`` from ``rec`` into a local (reusing already-read prefixes); return its name."""
        segments = path.segments
        if not all(type(s) is str for s in segments):
            v = self.names.fresh("v")
            self._a([f"{pad}{v} = {self.names.bind('g', path.getter())}(rec)"])
            return v
        current = "rec"
        for depth in range(1, len(segments) + 1):
            key = segments[:depth]
            known = prefixes.get(key)
            if known is not None:
                current = known
                continue
            x = self.names.fresh("x")
            k = self.names.bind("K", segments[depth - 1])
            if current == "rec":
                self._a([f"{pad}{x} = rec.get({k}, M)"])
            else:
                self._a([f"{pad}{x} = {current}.get({k}, M) if type({current}) is D else M"])
            prefixes[key] = current = x
        return current

    def _wildcard(self, sec, pad: str) -> None:
        if not sec.value_tests:
            return  # presence checks on [*] paths run as record checks; detection does not walk arrays
        r = f"r{self.names.fresh('')}"
        it = self.names.bind("iv", sec.path.iter_values)
        inner = pad + "        "
        self._a([f"{pad}{r} = None", f"{pad}for fp, v in {it}(rec):", f"{pad}    if v is M or v is None:",
                 f"{pad}        continue", f"{pad}    t = type(v)", f"{pad}    if t is S:"])
        self._a(self._typed_branch(sec, str, "v", "w", inner))
        self._a([f"{pad}    elif t is I:"])
        self._a(self._typed_branch(sec, int, "v", "w", inner))
        self._a([f"{pad}    else:"])
        self._a(self._inline_tests(sec.value_tests, "v", "w", inner))
        self._a([f"{pad}    if w is not None:", f"{pad}        if {r} is None:", f"{pad}            {r} = []",
                 f"{pad}        {r}.append((fp, v, w))"])
        self.phase_b += [f"{pad}if {r} is not None:", f"{pad}    vfw({r}, rec, line)"]

    # --- value tests -------------------------------------------------------------------------------

    def _typed_branch(self, sec, py_type: type, v: str, r: str, pad: str) -> list[str]:
        """Code for a value of a known Python type: tests it surely passes are dropped; built-in ones are
        cached (unless the section's values of that type rarely repeat)."""
        remaining = [t for t in sec.value_tests if py_type not in t.passes]
        if not remaining:
            return [f"{pad}{r} = None"]
        if not all(t.cacheable for t in remaining) or py_type in sec.uncached:
            return self._inline_tests(remaining, v, r, pad)
        evaluator = self._evaluator(remaining)
        cache = sec.caches.setdefault(py_type, {})
        get = self.names.bind("get", cache.get)
        if py_type in sec.full:
            return [f"{pad}{r} = {get}({v}, NF)", f"{pad}if {r} is NF:", f"{pad}    {r} = {evaluator}({v})"]
        c = self.names.bind("cache", cache)
        fill = self.names.fresh("fill")
        full = self.names.bind("full", self._full_callback(sec, py_type, fill, evaluator))
        self.helpers.append("\n".join([
            f"def {fill}(v):", "    n = ERRS[0]", f"    r = {evaluator}(v)", "    if ERRS[0] == n:",
            f"        if len({c}) < LIMIT:", f"            {c}[v] = r", "        else:",
            f"            {full}()", "    return r"]))
        return [f"{pad}{r} = {get}({v}, NF)", f"{pad}if {r} is NF:", f"{pad}    {r} = {fill}({v})"]

    def _full_callback(self, sec, py_type: type, fill: str, evaluator: str) -> Callable[[], None]:
        spaces = self.spaces

        def rebind() -> None:
            for ns in spaces:
                ns[fill] = ns[evaluator]

        def cache_full() -> None:
            self.on_cache_full(sec, py_type, rebind)

        return cache_full

    def _evaluator(self, tests) -> str:
        name = self.names.fresh("ev")
        self.helpers.append("\n".join([f"def {name}(v):", "    t = type(v)"] + self._inline_tests(tests, "v", "out", "    ")
                                      + ["    return out"]))
        return name

    def _inline_tests(self, tests, v: str, r: str, pad: str) -> list[str]:
        """Run ``tests`` on ``v`` (type in local ``t``), collecting ``(rule index, reason, message)`` into ``r``."""
        lines = [f"{pad}{r} = None"]
        for test in tests:
            vt = self.names.bind("vt", test.test)
            inner = pad
            passes = [self.names.bind("T", p) for p in sorted(test.passes, key=lambda p: p.__name__)]
            if passes:
                lines.append(f"{pad}if " + " and ".join(f"t is not {p}" for p in passes) + ":")
                inner = pad + "    "
            item = f"({test.ri}, q[0], q[1])"
            lines += [f"{inner}try:", f"{inner}    q = {vt}({v})", f"{inner}except Exception as e:", f"{inner}    q = None",
                      f"{inner}    err({test.ri}, e)", f"{inner}if q is not None:",
                      f"{inner}    {r} = ({item},) if {r} is None else {r} + ({item},)"]
        return lines

    def _guarded_record_call(self, name: str, ri: int, pad: str) -> list[str]:
        return [f"{pad}try:", f"{pad}    q = {name}(rec, line)", f"{pad}except Exception as e:", f"{pad}    q = None",
                f"{pad}    err({ri}, e)", f"{pad}if q:", f"{pad}    rf({ri}, q, rec, line)"]

    def _a(self, lines: list[str], detect_only: bool = False) -> None:
        self.phase_a += [(line, detect_only) for line in lines]

    # --- assembly --------------------------------------------------------------------------------

    def finish(self) -> tuple[Callable, Callable, str]:
        helpers = "\n\n".join(self.helpers) + "\n"
        variants = {}
        for detect in (True, False):
            body = [line for line, only in self.phase_a if detect or not only] + self.phase_b + ["    return None"]
            variants[detect] = "def process(rec, line):\n" + "\n".join(body) + "\n"
        helper_ns = dict(self.names.ns)
        # Generated code only: identifiers and literals of this module, no ruleset text (see module docstring).
        exec(compile(helpers, _FILENAME, "exec"), helper_ns)  # noqa: S102
        spaces = self.spaces
        spaces.append(helper_ns)
        for detect in (True, False):
            ns = dict(helper_ns)
            exec(compile(variants[detect], _FILENAME, "exec"), ns)  # noqa: S102
            spaces.append(ns)
        source = helpers + "\n" + variants[True] + "\n" + variants[False]
        return spaces[1]["process"], spaces[2]["process"], source


def _group_error(collector, indexes: list[int]):
    def where_failed(exc: BaseException) -> None:
        for ri in indexes:
            collector.error(ri, exc)

    return where_failed
