"""Generates the Python engine's per-block and per-record functions from compiled rule groups.

The generated source holds only identifiers and code written in this module and in
``python_inline``: local names such as ``x3``/``r3``, namespace names such as ``K4`` (a key), ``vt7`` (a
check's test), ``get9`` (a cache lookup), and rule indexes as integer literals. Every ruleset value
(field names, patterns, messages, parameters) reaches the code through the namespace, never as
source text. Namespace objects are bound as keyword defaults, so the hot loop reads fast locals.

``process_block(block, line, slow, notobj)`` runs a whole block of raw JSON lines: it parses each
line with orjson, hands anything unusual to ``slow`` (blank, malformed, or needing the exact parser) or
``notobj`` (valid JSON but not an object), and checks each record in two phases; it returns the last
line number. ``process_exact(rec, line)`` checks one already-parsed record (exact integers).

* Phase A, per field: extract it once (sharing prefixes: ``data`` is read once for ``data.value`` and
  ``data.status``), then evaluate its value checks by the value's Python type. Built-in ``type`` tests
  are skipped for types the fixed semantics accept; built-in tests with an inline fast path (range
  bounds, set membership, lengths, timestamps, cached pattern answers) decide passing values in a
  line or two and call the real test only otherwise; remaining built-in tests on ``str``/``int`` values
  are read from a per-field cache keyed by the exact value. Phase A has no side effects except error
  counts, so on a float of magnitude >= 2**63 (an integer orjson could not keep) the block variant
  re-parses the line exactly and hands it to ``process_exact`` instead.
* Phase B reports value failures, runs presence checks for absent/null fields, ``unique`` keys
  (inline for string and integer keys), record checks, and feeds batch accumulators (values in bulk
  for those declaring ``values_of``, whole records otherwise). Every check call is guarded: an
  exception marks that rule only.
"""

from __future__ import annotations

from typing import Any, Callable

from ..paths import MISSING
from . import python_inline

CACHE_LIMIT = 16384
"""Distinct values remembered per field and value type; past it, values are checked without caching."""

BIG_FLOAT = 2.0 ** 63
NOT_FOUND = object()
PRESENCE = object()
"""Marks an absent or null field in the failure list ``R`` of a record (see ``Collector.report``)."""
_FILENAME = "<rfsrules-python-engine>"
_EXACT = "\x00exact"  # stands for "re-parse this line exactly" in phase A; dropped from process_exact


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
    """One value check on one field: rule index, test, cacheable (built-in, pure), Python types it surely
    passes, and its inline fast path description (``test.fast`` of built-in tests, else None)."""

    __slots__ = ("ri", "test", "cacheable", "passes", "fast")

    def __init__(self, ri: int, test: Callable, cacheable: bool, passes: frozenset, fast: dict | None = None):
        self.ri, self.test, self.cacheable, self.passes, self.fast = ri, test, cacheable, passes, fast


class Generated:
    """The generated functions and their source (for tests and debugging)."""

    def __init__(self, process_block: Callable, process_exact: Callable, source: str, namespace: dict):
        self.process_block, self.process_exact, self.source, self.namespace = \
            process_block, process_exact, source, namespace


def generate(groups, collector, on_cache_full: Callable, *, digit_scan: bool, exact_loads: Callable,
             fast=None, fast_misses: list | None = None, multi_source: bool = False) -> Generated:
    """Build the functions for ``groups`` (see the module docstring).

    ``on_cache_full(section, py_type, rebind)`` is called when a field's cache reaches
    :data:`CACHE_LIMIT`; ``rebind()`` makes the running code stop filling that cache.
    With ``digit_scan`` every line holding a run of 19 digits is parsed exactly (for rules that read
    whole records, where huge integers cannot be detected field by field).
    With ``fast`` (a ``python_fastpath.FastShape``) each line is first decoded by its typed decoder and,
    when that and the remaining checks succeed, needs nothing else; ``fast_misses[0]`` counts the lines
    the decoder refused.
    """
    gen = _Generator(collector, on_cache_full)
    gen.multi_source = multi_source
    for gi, group in enumerate(groups):
        gen.group(gi, group)
    fast_lines = None
    if fast is not None:
        from . import python_fastpath

        fast_lines = python_fastpath.emit(gen, fast)
        gen.names.ns.update({"fdec": fast.decode, "fmiss": fast_misses if fast_misses is not None else [0],
                             "ONE": (None,), "OPENS": python_fastpath.MAX_OPENINGS, "LBRACKET": b"[",
                             "LBRACE": b"{"})
        gen.fast_containers = fast.containers
    return gen.finish(digit_scan, exact_loads, fast_lines)


class _Generator:
    def __init__(self, collector, on_cache_full: Callable):
        self.on_cache_full = on_cache_full
        self.names = _Names()
        self.names.ns.update({
            "M": MISSING, "NF": NOT_FOUND, "S": str, "I": int, "F": float, "D": dict,
            "BIG": BIG_FLOAT, "NBIG": -BIG_FLOAT, "ERRS": collector.error_total, "LIMIT": CACHE_LIMIT,
            "err": collector.error, "report": collector.report, "rf": collector.record_failures,
            "PRES": PRESENCE,
        })
        self.globals_only = {"ERRS", "LIMIT"}  # names only helpers use (and fill names: rebindable)
        self.collector = collector
        self.helpers: list[str] = []
        self.namespace: dict = {}
        self.phase_a: list[tuple[str, bool]] = []  # (line, only in the block variant)
        self.phase_b: list[str] = []
        self.multi_source = False  # first lines of unique keys carry the source (several sources)
        self.fast_containers = False  # the typed decoder has fields that may hold objects or arrays

    def bind(self, prefix: str, obj: Any) -> str:
        return self.names.bind(prefix, obj)

    # --- groups and sections ---------------------------------------------------------------------

    def group(self, gi: int, group) -> None:
        pad = ""
        if group.where is not None:
            keep = f"k{gi}"
            w = self.bind("w", group.where)
            werr = self.bind("werr", _group_error(self.collector, group.rule_indexes))
            self._a([f"try:", f"    {keep} = {w}(rec) is True", "except Exception as e:",
                     f"    {keep} = False", f"    {werr}(e)", f"if {keep}:"])
            self.phase_b.append(f"if {keep}:")
            pad = "    "
        a_start, b_start = len(self.phase_a), len(self.phase_b)
        prefixes: dict[tuple, str] = {}
        for sec in group.sections.values():
            self.section(sec, pad, prefixes)
        for ri, test in group.record_tests:
            self.phase_b += self._guarded_record_call(self.bind("rt", test), ri, pad)
        if group.batch and group.where is not None:
            self.phase_b.append(f"{pad}{self.bind('cnt', group.counter)}[0] += 1")
        for ri, acc in group.batch:
            if getattr(acc, "needs_records", True) is False or ri in group.batch_by_values:
                continue
            a = self.bind("ba", acc.add)
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
        fld = self.bind("fld", sec.path.text)
        absent = []
        if sec.presence:
            presence = self.bind("pres", list(sec.presence))
            absent = [f"{pad}    if R is None:", f"{pad}        R = []", f"{pad}    R.append((PRES, {presence}, None))"]
        if sec.value_tests:
            # the type first: present values (the common case) never test for MISSING/None
            self._a([f"{pad}t = type({v})"])
            inner = pad + "    "
            first = True
            # a type every test surely passes (``dict`` for ``type: object``) is tested first, for nothing
            passing = frozenset.intersection(*(test.passes for test in sec.value_tests))
            for py_type in (dict, list, bool):
                if py_type in passing:
                    self._a([f"{pad}{'if' if first else 'elif'} t is {self.bind('T', py_type)}:", f"{inner}pass"])
                    first = False
            for py_type, type_name in ((str, "S"), (int, "I")):
                branch = self._branch(sec, py_type, v, fld, inner)
                self._a([f"{pad}{'if' if first else 'elif'} t is {type_name}:"] + (branch or [f"{inner}pass"]))
                first = False
            if absent:
                self._a([f"{pad}elif {v} is M or {v} is None:"] + absent)
            else:
                self._a([f"{pad}elif {v} is M or {v} is None:", f"{inner}pass"])
            self._a([f"{pad}elif t is F:"])
            self._a([f"{inner}if {v} >= BIG or {v} <= NBIG:", f"{inner}    {_EXACT}"], detect_only=True)
            self._a(self._branch(sec, float, v, fld, inner) or [f"{inner}pass"])
            self._a([f"{pad}else:"] + (self._inline_calls(sec.value_tests, v, fld, inner) or [f"{inner}pass"]))
        else:
            if sec.detect:
                self._a([f"{pad}if type({v}) is F and ({v} >= BIG or {v} <= NBIG):", f"{pad}    {_EXACT}"],
                        detect_only=True)
            if absent:
                self._a([f"{pad}if {v} is M or {v} is None:"] + absent)
        for ri, unique in sec.uniques:
            self._unique(ri, unique, v, pad)
        for ri, values in sec.batch_values:
            self.phase_b.append(f"{pad}{self.bind('bv', values.append)}({v})")

    def extract(self, path, pad: str, prefixes: dict) -> str:
        """Emit code reading ``path`` from ``rec`` into a local (reusing already-read prefixes); return its name."""
        segments = path.segments
        if not all(type(s) is str for s in segments):
            v = self.names.fresh("v")
            self._a([f"{pad}{v} = {self.bind('g', path.getter())}(rec)"])
            return v
        current = "rec"
        for depth in range(1, len(segments) + 1):
            key = segments[:depth]
            known = prefixes.get(key)
            if known is not None:
                current = known
                continue
            x = self.names.fresh("x")
            k = self.bind("K", segments[depth - 1])
            if current == "rec":
                self._a([f"{pad}{x} = rec.get({k}, M)"])
            else:
                self._a([f"{pad}{x} = {current}.get({k}, M) if type({current}) is D else M"])
            prefixes[key] = current = x
        return current

    def _unique(self, ri: int, unique, v: str, pad: str) -> None:
        """A single-field ``unique`` key: string and integer keys inline, anything else through the test."""
        seen = self.bind("useen", unique.seen)
        get, dup, call = self.bind("uget", unique.seen.get), self.bind("udup", unique.one_failure), self.bind("ut", unique)
        self.phase_b += [
            f"{pad}t = type({v})", f"{pad}if t is S or t is I:", f"{pad}    f = {get}({v})", f"{pad}    if f is None:",
            f"{pad}        {seen}[{v}] = {self.first_line(unique)}", f"{pad}    else:", f"{pad}        rf({ri}, {dup}({v}, f), rec, line)",
            f"{pad}elif {v} is not M and {v} is not None:",
        ] + self._guarded_record_call(call, ri, pad + "    ")

    def first_line(self, unique) -> str:
        """The expression stored as a key's first line: the line, plus the source's base in a batch of
        several sources (see ``Unique.first_text``)."""
        if not self.multi_source:
            return "line"
        return f"line + {self.bind('uobj', unique)}.base"

    def _wildcard(self, sec, pad: str) -> None:
        if not sec.value_tests:
            return  # presence checks on [*] paths run as record checks; detection does not walk arrays
        it = self.bind("iv", sec.path.iter_values)
        inner = pad + "        "
        self._a([f"{pad}for fp, v in {it}(rec):", f"{pad}    if v is M or v is None:", f"{pad}        continue",
                 f"{pad}    t = type(v)"])
        first = True
        for py_type, type_name in ((str, "S"), (int, "I"), (float, "F")):
            self._a([f"{pad}    {'if' if first else 'elif'} t is {type_name}:"])
            first = False
            self._a(self._branch(sec, py_type, "v", "fp", inner) or [f"{inner}pass"])
        self._a([f"{pad}    else:"])
        self._a(self._inline_calls(sec.value_tests, "v", "fp", inner) or [f"{inner}pass"])

    # --- value tests -------------------------------------------------------------------------------

    def _branch(self, sec, py_type: type, v: str, fld: str, pad: str) -> list[str]:
        """Code for a value of a known Python type: tests it surely passes are dropped, inline fast paths
        decide passing values, remaining built-in tests are cached per value (``str``/``int``, unless the
        field's values of that type rarely repeat), plugin tests are called. Failures go to ``R``."""
        remaining = [t for t in sec.value_tests if py_type not in t.passes]
        lines: list[str] = []
        if not remaining:
            return lines
        inline, cached, direct = [], [], []
        for test in remaining:
            form = python_inline.inline_form(test.fast, py_type, v, pad, self.bind) if test.cacheable else None
            if form is not None:
                inline.append((test, form))
            elif test.cacheable and py_type in (str, int) and py_type not in sec.uncached:
                cached.append(test)
            else:
                direct.append(test)
        if any(python_inline.ISO in python_inline.needs(test.fast, py_type) for test, _ in inline):
            lines += python_inline.iso_prelude(v, pad, self.bind)
        for test, (prelude, passing) in inline:
            lines += prelude + [f"{pad}if not ({passing}):"] + self._call_into(test, v, fld, pad + "    ")
        if cached:
            lines += self._cached(sec, py_type, cached, v, fld, pad)
        for test in direct:
            lines += self._call_into(test, v, fld, pad)
        return lines

    def _cached(self, sec, py_type: type, tests, v: str, fld: str, pad: str) -> list[str]:
        lookup, c = self.cache_lookup(sec, py_type, tests, v, pad)
        return lookup + [f"{pad}if {c} is not None:", f"{pad}    if R is None:", f"{pad}        R = []",
                         f"{pad}    R.append(({fld}, {v}, {c}))"]

    def cache_lookup(self, sec, py_type: type, tests, v: str, pad: str) -> tuple[list[str], str]:
        """Lines setting a fresh local to the cached results of ``tests`` on ``v`` (filling the field's
        cache on a miss while it has room), and that local's name."""
        evaluator = self._evaluator(tests)
        cache = sec.caches.setdefault(py_type, {})
        get = self.bind("get", cache.get)
        c = f"c{self.names.fresh('')}"
        if py_type in sec.full:
            return [f"{pad}{c} = {get}({v}, NF)", f"{pad}if {c} is NF:", f"{pad}    {c} = {evaluator}({v})"], c
        store = self.bind("cache", cache)
        fill = self.names.fresh("fill")
        self.globals_only.add(fill)
        full = self.bind("full", self._full_callback(sec, py_type, fill, evaluator))
        self.globals_only.update({store, full, evaluator})
        self.helpers.append("\n".join([
            f"def {fill}(v):", "    n = ERRS[0]", f"    r = {evaluator}(v)", "    if ERRS[0] == n:",
            f"        if len({store}) < LIMIT:", f"            {store}[v] = r", "        else:",
            f"            {full}()", "    return r"]))
        return [f"{pad}{c} = {get}({v}, NF)", f"{pad}if {c} is NF:", f"{pad}    {c} = {fill}({v})"], c

    def _full_callback(self, sec, py_type: type, fill: str, evaluator: str) -> Callable[[], None]:
        namespace = self.namespace

        def rebind() -> None:
            namespace[fill] = namespace[evaluator]

        def cache_full() -> None:
            self.on_cache_full(sec, py_type, rebind)

        return cache_full

    def _evaluator(self, tests) -> str:
        """A helper returning the combined results ``((rule index, reason, message), ...)`` or None."""
        name = self.names.fresh("ev")
        lines = [f"def {name}(v):", "    out = None"]
        for test in tests:
            vt = self.bind("vt", test.test)
            item = f"({test.ri}, q[0], q[1])"
            lines += ["    try:", f"        q = {vt}(v)", "    except Exception as e:", "        q = None",
                      f"        err({test.ri}, e)", "    if q is not None:",
                      f"        out = ({item},) if out is None else out + ({item},)"]
        self.helpers.append("\n".join(lines + ["    return out"]))
        return name

    def _inline_calls(self, tests, v: str, fld: str, pad: str) -> list[str]:
        """Call ``tests`` on ``v``, skipping those the value's type surely passes; failures go to ``R``."""
        lines: list[str] = []
        for test in tests:
            if test.passes:
                passes = [self.bind("T", p) for p in sorted(test.passes, key=lambda p: p.__name__)]
                lines.append(f"{pad}if " + " and ".join(f"type({v}) is not {p}" for p in passes) + ":")
                lines += self._call_into(test, v, fld, pad + "    ")
            else:
                lines += self._call_into(test, v, fld, pad)
        return lines

    def _call_into(self, test, v: str, fld: str, pad: str) -> list[str]:
        vt = self.bind("vt", test.test)
        return [f"{pad}try:", f"{pad}    q = {vt}({v})", f"{pad}except Exception as e:", f"{pad}    q = None",
                f"{pad}    err({test.ri}, e)", f"{pad}if q is not None:", f"{pad}    if R is None:",
                f"{pad}        R = []", f"{pad}    R.append(({fld}, {v}, (({test.ri}, q[0], q[1]),)))"]

    def _guarded_record_call(self, name: str, ri: int, pad: str) -> list[str]:
        return [f"{pad}try:", f"{pad}    q = {name}(rec, line)", f"{pad}except Exception as e:", f"{pad}    q = None",
                f"{pad}    err({ri}, e)", f"{pad}if q:", f"{pad}    rf({ri}, q, rec, line)"]

    def _a(self, lines: list[str], detect_only: bool = False) -> None:
        self.phase_a += [(line, detect_only) for line in lines]

    # --- assembly --------------------------------------------------------------------------------

    def finish(self, digit_scan: bool, exact_loads: Callable, fast_lines: list[str] | None = None) -> Generated:
        import orjson

        ns = self.namespace
        ns.update(self.names.ns)
        ns.update({"loads": orjson.loads, "xloads": exact_loads, "RUN": b"0" * 19,
                   "TOZERO": bytes.maketrans(b"123456789", b"000000000")})
        local = sorted(name for name in ns if name not in self.globals_only)
        defaults = ", ".join(f"{name}={name}" for name in local)

        report = ["if R is not None:", "    report(R, rec, line)"]
        exact_body = ["    R = None"] + [" " * 4 + line for line, only in self.phase_a if not only]
        exact_body += [" " * 4 + line for line in report + self.phase_b] + ["    return None"]
        exact_src = f"def process_exact(rec, line, *, {defaults}):\n" + "\n".join(exact_body) + "\n"

        body = ["    for raw in block:", "        line += 1"]
        if fast_lines is not None:
            decode = ["        try:", "            s = fdec(raw)", "        except Exception:", "            fmiss[0] += 1",
                      "            s = None"]
            if self.fast_containers:  # a line cannot nest deeper than it has openings (see python_fastpath)
                decode = ["        if raw.count(LBRACKET) + raw.count(LBRACE) > OPENS:", "            s = None",
                          "        else:"] + ["    " + line for line in decode]
            body += decode + ["        if s is not None:", "            for _ in ONE:"]
            body += [" " * 16 + line for line in fast_lines] + ["                pass"]
            body += ["            else:", "                continue"]
        body += ["        try:", "            rec = loads(raw)",
                "        except Exception:", "            slow(raw, line)", "            continue",
                "        if type(rec) is not D:", "            notobj(rec, raw, line)", "            continue"]
        if digit_scan:
            body += ["        if RUN in raw.translate(TOZERO):", "            process_exact(xloads(raw), line)",
                     "            continue"]
        body.append("        R = None")
        for line, _ in self.phase_a:
            stripped = line.lstrip(" ")
            if stripped == _EXACT:
                indent = " " * (8 + len(line) - len(stripped))
                body += [f"{indent}process_exact(xloads(raw), line)", f"{indent}continue"]
            else:
                body.append(" " * 8 + line)
        body += [" " * 8 + line for line in report + self.phase_b] + ["    return line"]
        block_src = f"def process_block(block, line, slow, notobj, *, {defaults}):\n" + "\n".join(body) + "\n"

        source = "\n\n".join(self.helpers + [exact_src, block_src]) + "\n"
        # Generated code only: identifiers and literals of this module, no ruleset text (see module docstring).
        exec(compile(source, _FILENAME, "exec"), ns)  # noqa: S102
        return Generated(ns["process_block"], ns["process_exact"], source, ns)


def _group_error(collector, indexes: list[int]):
    def where_failed(exc: BaseException) -> None:
        for ri in indexes:
            collector.error(ri, exc)

    return where_failed
