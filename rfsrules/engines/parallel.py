"""``--jobs N`` for the Python engine: JSON Lines files split into byte ranges at line boundaries, checked by
worker processes, and merged into exactly the report one process would have written.

How a run goes:

1. :func:`split_tasks` cuts the batch's plain ``.jsonl`` files into about ``jobs`` byte ranges, each
   starting just after a newline. Compressed files, JSON arrays, CSV, stdin and in-memory records are
   not split (the run then uses one process), nor are batches under ``2 * MIN_TASK_BYTES``.
2. The parent starts ``jobs - 1`` worker processes (``fork`` where available, else ``spawn``) and checks
   the first range itself. Every process compiles the ruleset anew and numbers the lines of its range
   from 1: how many lines come before a range is known only once the ranges before it are read, so a
   worker keeps its examples as raw tuples (line, value, message parts) and the parent renders them.
3. The parent merges the ranges in file order: counts, examples in line order (cut to ``max_examples``),
   errors, failing records per dimension, batch accumulators (``merge``) and ``unique`` keys. A worker
   sends the first line of every key it saw (in batches, as it goes, once the parent is done with its
   own range and can look them up meanwhile); a key already seen in an earlier range makes its first
   occurrence in this range a duplicate too (a violation the worker could not see), and the messages
   of its later duplicates name the earlier line. Whether such a record already failed another rule
   (for ``records_failed`` and the quality dimensions) comes from the failing lines each worker records.

Rulesets the merge cannot reproduce exactly run in one process: plugin record checks (they may keep
state across records), ``unique`` on several fields or ``[*]`` paths, batch accumulators that cannot
be pickled. Workers are forked on Linux (they inherit the compiled ruleset) and spawned elsewhere
(``RFSRULES_MP_START=spawn`` forces it; the ruleset and registry are then pickled, and a batch whose
ruleset cannot be pickled runs in one process).
"""

from __future__ import annotations

import copyreg
import io
import multiprocessing
import os
import pickle
import sys
import traceback
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import compress, count, islice
from types import MappingProxyType
from typing import Any, Iterator

from ..checks.builtin.records import SOURCE_SHIFT
from ..io.lines import MAX_DEPTH
from ..results import Reason
from .python_compile import BUILTIN_PREFIX

MIN_TASK_BYTES = 1 << 20
"""Smallest byte range worth a process; smaller batches run in one process."""
STREAM_KEYS = 65536
"""New ``unique`` keys a worker collects before sending them to the parent."""
FIRST_WEIGHT_WITH_KEYS = 0.9
"""Size of the parent's range relative to a worker's when ``unique`` keys are merged (measured on the
benchmark, see docs/performance.md: the parent's lookups of the workers' keys then overlap their reading)."""
_SCAN = 1 << 16

_WORKER: dict[str, Any] = {}  # what a worker process needs: set before forking, or unpickled (spawn)


@dataclass(frozen=True)
class Task:
    """One byte range of one file: ``[start, end)``, starting at a line start."""

    index: int
    source: int
    start: int
    end: int


def split_tasks(sources: list, jobs: int, min_bytes: int | None = None,
                first_weight: float = 1.0) -> list[Task] | None:
    """Byte ranges of about ``total / jobs`` bytes each, cut at line starts; None when the batch is not split.

    ``first_weight`` below 1 makes the first range (the parent's) smaller than the others in that ratio:
    the parent also looks up the ``unique`` keys the workers send, and does so while they still read.
    """
    min_bytes = MIN_TASK_BYTES if min_bytes is None else min_bytes
    if jobs <= 1 or not sources:
        return None
    if any(s.kind != "file" or s.format != "jsonl" or s.compressed for s in sources):
        return None
    total = sum(s.size for s in sources)
    if total < 2 * min_bytes:
        return None
    share = max(min_bytes, -(-total // jobs))
    first = share
    if first_weight < 1:
        first = max(min_bytes, int(total * first_weight / (first_weight + jobs - 1)))
        share = max(min_bytes, -(-(total - first) // (jobs - 1)))
    tasks: list[Task] = []
    for si, src in enumerate(sources):
        size = os.path.getsize(src.path)
        start = 0
        with open(src.path, "rb") as stream:
            while start < size:
                step = share if tasks else first
                end = size if start + step >= size else _line_start_after(stream, start + step, size)
                tasks.append(Task(len(tasks), si, start, end))
                start = end
    return tasks if len(tasks) > 1 else None


def _line_start_after(stream, position: int, size: int) -> int:
    """The first line start at or after ``position`` (just after a newline), or ``size``."""
    stream.seek(position - 1)
    at = position - 1
    while at < size:
        chunk = stream.read(_SCAN)
        if not chunk:
            break
        cut = chunk.find(b"\n")
        if cut >= 0:
            return at + cut + 1
        at += len(chunk)
    return size


def splittable(plan) -> bool:
    """Whether merging worker results reproduces a one-process run for this compiled plan."""
    for group in plan.groups:
        for ri, test in group.record_tests:
            st = plan.states[ri]
            if not st.spec.plugin.startswith(BUILTIN_PREFIX) or st.rule.check == "unique":
                return False  # plugin record checks may keep state; composite/[*] unique keys are not merged
        for ri, acc in group.batch:
            try:
                pickle.dumps(acc)
            except Exception:
                return False
    return True


def run_parallel(engine, ruleset, sources: list, options, plan, parse, counts) -> bool:
    """Check ``sources`` with ``options.jobs`` processes into ``plan``/``parse``/``counts``; False (nothing
    done) when the batch or the ruleset is not split (see the module docstring)."""
    if not splittable(plan):
        return False
    tasks = split_tasks(sources, options.jobs, first_weight=FIRST_WEIGHT_WITH_KEYS if plan.uniques else 1.0)
    if tasks is None:
        return False
    worker_options = replace(options, progress=None)
    forkable = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
    method = "fork" if forkable and _single_threaded() else "spawn"
    method = os.environ.get("RFSRULES_MP_START") or method
    payload = (engine.registry, ruleset, worker_options, sources, tasks)
    blob = None
    if method == "fork":
        _WORKER["payload"] = payload
        _WORKER["plan"] = plan  # nothing read yet: a forked worker's first task starts from this copy
    else:
        try:
            blob = _dumps(payload)
        except Exception:
            return False
    context = multiprocessing.get_context(method)
    workers = min(options.jobs - 1, len(tasks) - 1)
    connections, processes = [], []
    try:
        for w in range(workers):
            indexes = [i for i in range(1, len(tasks)) if (i - 1) % workers == w]
            mine, theirs = context.Pipe()
            process = context.Process(target=_worker_main, args=(theirs, indexes, blob), daemon=True)
            process.start()
            theirs.close()
            connections.append(mine)
            processes.append(process)
        _WORKER.pop("payload", None)
        _WORKER.pop("plan", None)
        _check_first_range(engine, tasks[0], sources, options, plan, parse, counts)
        lines_before = {tasks[0].source: sources[tasks[0].source].lines_read}
        merger = _Merger(plan, parse, counts, options, sources)
        ready: set[int] = set()
        for task in tasks[1:]:
            w = (task.index - 1) % workers
            connection = connections[w]
            if w not in ready:  # from now on this worker sends its keys as it goes
                ready.add(w)
                try:
                    connection.send("ready")
                except OSError:  # it is done already: what it sent is still there to read
                    pass
            offset = lines_before.get(task.source, 0)
            more = task.index < len(tasks) - 1
            while True:
                try:
                    kind, message = connection.recv()
                except (EOFError, OSError):
                    kind, message = "error", "the worker process ended without a result"
                if kind == "keys":
                    merger.cross_keys(task, message, offset, more)
                    continue
                if kind == "error":
                    raise RuntimeError(f"a --jobs worker process failed:\n{message}")
                lines_before[task.source] = offset + message["lines"]
                merger.merge(task, message, offset, more)
                break
    finally:
        _WORKER.pop("payload", None)
        _WORKER.pop("plan", None)
        for connection in connections:
            connection.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():  # pragma: no cover - only after an error
                process.terminate()
    plan.flush()
    return True


def _dumps(payload: Any) -> bytes:
    """Pickle what a spawned worker needs; read-only mappings (rule parameters) travel as dicts and are
    read-only again on the other side."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[MappingProxyType] = lambda proxy: (_read_only, (dict(proxy),))
    pickler.dump(payload)
    return buffer.getvalue()


@contextmanager
def _deep_pickling() -> Iterator[None]:
    """Room for pickle's recursion (one level per nesting level) over values as deep as a record may be:
    the default recursion limit (1,000) is below the 1,024 levels a record may nest."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * MAX_DEPTH + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _read_only(mapping: dict) -> MappingProxyType:
    """A read-only view of ``mapping`` (how rule parameters are rebuilt in a spawned worker)."""
    return MappingProxyType(mapping)


def _single_threaded() -> bool:
    """Whether this process runs one OS thread (forking a multi-threaded process may deadlock the child:
    a lock another thread held stays locked); unknown (no ``/proc``) counts as single-threaded."""
    try:
        return len(os.listdir("/proc/self/task")) <= 1
    except OSError:
        return True


def _check_first_range(engine, task: Task, sources: list, options, plan, parse, counts) -> None:
    src = sources[task.source]
    plan.begin_source(src.label, task.source)
    progress = None
    if options.progress is not None:
        report, total = options.progress, counts.bytes_total

        def progress(position: int) -> None:
            report(position, total)
    engine.read_range(src, task.start, task.end, plan, parse, counts, options, progress)


# --- worker side -------------------------------------------------------------------------------------

def _worker_main(connection, indexes: list[int], blob: bytes | None) -> None:
    """A worker process: check its tasks in order, then send each result (``unique`` keys go ahead of it)."""
    state = {"ready": False}
    try:
        if blob is not None:
            _WORKER["payload"] = pickle.loads(blob)
        for index in indexes:
            result = _work(index, connection, state)
            with _deep_pickling():  # an example's value may nest up to 1,024 levels (orjson's limit)
                connection.send(("result", result))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        try:
            connection.send(("error", traceback.format_exc()))
        except Exception:  # pragma: no cover
            pass
    finally:
        connection.close()


def _work(index: int, connection=None, state: dict | None = None) -> dict:
    """Check one task in a worker process; the result is what :class:`_Merger` needs.

    With a ``connection``, new ``unique`` keys are sent as ``("keys", (rule index, keys, first lines))``
    every :data:`STREAM_KEYS` keys once the parent said it is ``ready`` (done with its own range, so it
    looks them up while this process still runs; before that they wait here, and a send never blocks
    on a busy parent), and the rest at the end.
    """
    from ..checks.spec import CompileContext
    from .python import PythonEngine, _Counts, _ParseTracker

    registry, ruleset, options, sources, tasks = _WORKER["payload"]
    task = tasks[index]
    src = replace(sources[task.source])
    engine = PythonEngine(registry)
    plan = _WORKER.pop("plan", None)  # the parent's fresh plan, inherited by fork (saves compiling it again)
    if plan is None:
        plan = engine.compile(ruleset, CompileContext(ref_time=options.ref_time, options={"engine": engine.name}),
                              options)
    collector = plan.collector
    collector.deferred = True
    if plan.uniques:
        collector.failed_lines, collector.dimension_lines = [], {}
    parse = _ParseTracker(options.max_examples, options.context, deferred=True)
    counts = _Counts(0)
    sent = {ri: 0 for ri, _ in plan.uniques}
    state = state if state is not None else {"ready": False}

    def stream_keys(final: bool = False) -> None:
        backlog = False
        if not state["ready"]:
            if not final and not connection.poll():
                return
            if connection.poll():
                connection.recv()
                state["ready"] = backlog = True  # everything so far goes in one message: a send
                # blocks only while the parent reads it, not while it looks the keys up
        for ri, unique in plan.uniques:
            seen = unique.seen
            new = len(seen) - sent[ri]
            if new >= STREAM_KEYS or ((final or backlog) and new):
                done = sent[ri]  # keys are only ever added: the new ones are the last, in order
                keys = _pack_keys(list(islice(seen, done, None)))
                connection.send(("keys", (ri, keys, array("q", islice(seen.values(), done, None)))))
                sent[ri] = len(seen)

    collector.begin_source(src.label)
    engine.read_range(src, task.start, task.end, plan, parse, counts, options,
                      on_block=stream_keys if connection is not None else None)
    plan.flush()
    uniques = {}
    for ri, unique in plan.uniques:
        seen = unique.seen
        examples = plan.states[ri].examples
        uniques[ri] = {"firsts": [seen.get(unique.key(ex[1])) for ex in examples]}
        if connection is None:
            uniques[ri].update(keys=_pack_keys(list(seen)), lines=array("q", seen.values()))
    if connection is not None:
        stream_keys(final=True)
    return {
        "lines": src.lines_read, "total": counts.total, "parse": (parse.count, parse.examples),
        "rules": [(st.violations, st.failures, st.examples, st.status, st.error, st.error_count, st.plugin)
                  for st in plan.states],
        "records_failed": collector.records_failed, "by_dimension": dict(collector.failed_by_dimension),
        "errors": collector.error_total[0], "batch": [acc for group in plan.groups for _, acc in group.batch],
        "counters": [group.counter[0] for group in plan.groups], "uniques": uniques,
        "failed_lines": collector.failed_lines, "dimension_lines": collector.dimension_lines,
        "peak": _peak_rss(),
    }


def _pack_keys(keys: list) -> Any:
    """String keys as one newline-joined string (far cheaper to send than a list); other keys as the list."""
    if keys and all(type(k) is str for k in keys):
        joined = "\n".join(keys)
        if joined.count("\n") == len(keys) - 1:  # no key holds a newline itself
            return joined
    return keys


def _unpack_keys(packed: Any) -> list:
    return packed.split("\n") if type(packed) is str else packed


def _peak_rss() -> int:
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)
    except (ImportError, OSError):  # pragma: no cover
        return 0


# --- parent side -------------------------------------------------------------------------------------

class _Merger:
    """Adds one worker result after another (in file order) to the parent's plan, parse rule and counts."""

    def __init__(self, plan, parse, counts, options, sources: list):
        self.plan, self.parse, self.counts, self.options, self.sources = plan, parse, counts, options, sources
        self.collector = plan.collector
        self.max_examples = options.max_examples
        self.unique_rules = {ri: unique for ri, unique in plan.uniques}
        self.cross: dict[tuple[int, int], list] = {}

    def cross_keys(self, task: Task, message: tuple, offset: int, more: bool) -> None:
        """A batch of keys first seen in ``task``'s range: those already seen earlier are duplicates there.

        When ranges follow, the other keys join the keys seen so far (with their absolute first line).
        """
        ri, packed, lines = message
        keys = _unpack_keys(packed)
        seen = self.unique_rules[ri].seen
        found = [(lines[i], keys[i]) for i in compress(count(), map(seen.__contains__, keys))]
        self.cross.setdefault((task.index, ri), []).extend(found)
        if more:
            earlier = {key: seen[key] for _, key in found}
            offset += task.source << SOURCE_SHIFT  # first lines carry their source (see Unique.first_text)
            seen.update(zip(keys, [line + offset for line in lines]))
            seen.update(earlier)  # a key seen earlier keeps its first line

    def _room(self, examples: list) -> int | None:
        return None if self.max_examples is None else max(0, self.max_examples - len(examples))

    def merge(self, task: Task, result: dict, offset: int, more: bool) -> None:
        plan, collector = self.plan, self.collector
        label = self.sources[task.source].label
        self.counts.total += result["total"]
        self.counts.extra_peak += result["peak"]
        parse_count, parse_examples = result["parse"]
        self.parse.count += parse_count
        for line, malformed, source in parse_examples[:self._room(self.parse.examples)]:
            self.parse.examples.append(self.parse.example(line + offset, malformed, source))
        for ri, (violations, failures, examples, status, error, error_count, plugin) in enumerate(result["rules"]):
            st = plan.states[ri]
            st.violations += violations
            st.failures += failures
            st.error_count += error_count
            if error is not None and st.error is None:
                st.error, st.status, st.plugin = error, status, plugin
            if ri not in self.unique_rules:
                for fld, value, reason, message, record_id, line, source in examples[:self._room(st.examples)]:
                    st.examples.append(collector.make_violation(st, fld, value, reason, message, record_id,
                                                                line + offset, source))
        collector.records_failed += result["records_failed"]
        for dim, n in result["by_dimension"].items():
            collector.failed_by_dimension[dim] = collector.failed_by_dimension.get(dim, 0) + n
        collector.error_total[0] += result["errors"]
        accumulators = [acc for group in plan.groups for _, acc in group.batch]
        for mine, theirs in zip(accumulators, result["batch"]):
            mine.merge(theirs)
        for group, n in zip(plan.groups, result["counters"]):
            group.counter[0] += n
        if result["uniques"]:
            failed = set(result["failed_lines"] or ())
            by_dimension = {dim: set(lines) for dim, lines in (result["dimension_lines"] or {}).items()}
            for ri, data in result["uniques"].items():
                self._merge_unique(ri, data, result["rules"][ri][2], task, label, offset, more, failed, by_dimension)

    def _merge_unique(self, ri: int, data: dict, raw_examples: list, task: Task, label, offset: int, more: bool,
                      failed: set, by_dimension: dict) -> None:
        """Keys of this range already seen in an earlier one: their first occurrence here is a duplicate."""
        unique = self.unique_rules[ri]
        st = self.plan.states[ri]
        collector = self.collector
        seen = unique.seen
        if "keys" in data:  # sent with the result (no streaming)
            self.cross_keys(task, (ri, data["keys"], data["lines"]), offset, more)
        cross = self.cross.pop((task.index, ri), [])
        st.violations += len(cross)
        st.failures += len(cross)
        if st.counts_record:
            dim = st.dimension
            dim_failed = by_dimension.setdefault(dim, set()) if dim is not None else None
            for line, _ in cross:
                if line not in failed:
                    failed.add(line)
                    collector.records_failed += 1
                if dim_failed is not None and line not in dim_failed:
                    dim_failed.add(line)
                    collector.failed_by_dimension[dim] = collector.failed_by_dimension.get(dim, 0) + 1
        room = self._room(st.examples)
        if room is None or room > 0:
            events = [(ex[5], 0, ex, first) for ex, first in zip(raw_examples, data["firsts"])]
            events += [(line, 1, key, seen[key]) for line, key in cross]
            events.sort(key=lambda e: e[0])
            events = events[:room] if room is not None else events
            details = self._cross_details(unique, task, events)
            base = task.source << SOURCE_SHIFT
            for line, kind, item, first in events:
                if kind == 0:
                    fld, value, reason, _message, record_id, _line, source = item
                    known = seen.get(unique.key(value))
                    first_line = known if known is not None else first + offset + base
                else:
                    value, record_id = details[line]
                    first_line, fld, reason = first, unique.name, Reason.DUPLICATE_VALUE
                message = unique.one_failure(value, first_line, base)[0].message
                st.examples.append(collector.make_violation(st, fld, value, reason, message, record_id,
                                                            line + offset, source if kind == 0 else label))

    def _cross_details(self, unique, task: Task, events: list) -> dict[int, tuple]:
        """``line -> (value, record_id)`` of the first occurrences (in this range) of keys seen earlier.

        A string, integer or float key is the value itself, and so is the record id when ``record_id``
        names the unique field; otherwise the record is read again from the file.
        """
        collector = self.collector
        same_id = collector.record_id_text == unique.name
        details: dict[int, tuple] = {}
        wanted: set[int] = set()
        for line, kind, key, _first in events:
            if kind != 1:
                continue
            if type(key) in _PLAIN_KEYS and (collector.record_id is None or same_id):
                details[line] = (key, key if same_id else None)
            else:
                wanted.add(line)
        if wanted:
            records = _read_records(self.sources[task.source].path, task.start, task.end, wanted,
                                    self.options.max_line_bytes)
            for line in wanted:
                record = records.get(line)
                value = unique.getters[0](record) if isinstance(record, dict) else None
                details[line] = (value, collector.record_id_of(record))
        return details


_PLAIN_KEYS = (str, int, float)


def _read_records(path: str, start: int, end: int, wanted: set[int], max_line_bytes: int) -> dict[int, Any]:
    """Parse the lines numbered ``wanted`` (from 1 at ``start``) of a byte range (exact integers)."""
    from ..io.lines import LineBlocks, decode_json_line

    found: dict[int, Any] = {}
    line = 0
    with open(path, "rb") as stream:
        stream.seek(start)
        for block in LineBlocks(stream, max_line_bytes=max_line_bytes, limit=end - start, skip_bom=start == 0):
            for raw in block:
                line += 1
                if line in wanted:
                    found[line] = decode_json_line(raw, max_line_bytes)
            if len(found) == len(wanted):
                break
    return found
