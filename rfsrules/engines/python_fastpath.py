"""The Python engine's typed pre-decoder: msgspec decodes and type-checks a whole line in one C call.

For a ruleset whose rules all read declared fields (value checks, ``required``/``not_null``,
single-field ``unique``, batch checks fed by one field's values; no ``where``, no ``[*]`` paths, no
record-level or plugin record checks), :func:`shape_of` derives a tree of msgspec Structs: one
attribute per field the rules name, typed by the field's ``type`` rules (``str`` for string formats,
``int | float`` for numbers), required when a presence rule fails on absence, nullable unless one fails
on null, every object closed (``forbid_unknown_fields``) so that msgspec reads - and validates - every
byte of the line. The generated block function (``python_codegen``) tries the typed decoder first;
a record it accepts is known to have the right JSON types, so only the remaining tests run - the
ordinary path's own code for each section (inline forms, cached answers, calls), failures collected
in ``R`` and reported on the record parsed as the ordinary path parses it (only for failing records)
- then ``unique`` keys and batch values. A line the decoder refuses (a wrong type, a missing required
field, an unknown field, malformed JSON) goes down the ordinary path (orjson and every rule), and so
does a line the guards send away before anything is recorded (:func:`_guards`).

Soundness rests on: msgspec rejecting every line orjson rejects once no field is skipped (invalid
UTF-8, lone surrogates, numbers overflowing a double, control characters, trailing data), both
keeping the last of duplicate keys, and msgspec's exact integers equalling the engine's exact re-parse
of huge integers. Nesting is the exception: orjson refuses more than 1024 levels, msgspec's limit
depends on the Python version (3.11 stops near 1000, 3.12 and later go deeper). The structs themselves
nest only as deep as the rules' paths, so where a field may hold objects or arrays (``type: object``
or ``array`` without sub-fields, or no type rule) the generated code sends a line with more than
:data:`MAX_OPENINGS` opening brackets - the most it could nest - down the ordinary path. ``tests/test_engine_fastpath.py`` compares the engine with the fast path on and off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ..paths import MISSING

TYPE_CLASSES = {
    "string": (str,), "timestamp": (str,), "date": (str,), "uuid": (str,), "email": (str,),
    "integer": (int,), "number": (int, float), "boolean": (bool,), "object": (dict,), "array": (list,),
    "null": (type(None),),
}
ALL_CLASSES = (str, int, float, bool, dict, list, type(None))
MAX_OPENINGS = 1000
"""Lines with more ``[`` and ``{`` bytes than this skip the typed decoder when a field may hold containers
(a line cannot nest deeper than it has openings; orjson refuses more than 1024 levels)."""


@dataclass
class FastField:
    """One field path in the typed tree: its section (None for a pure parent), classes, presence."""

    key: str
    attr: str
    section: Any = None
    classes: tuple = ALL_CLASSES  # Python classes the decoder admits for a present, non-null value
    required: bool = False  # absent fails decoding
    nullable: bool = True  # null decodes (as None)
    fail_missing: bool = False  # a presence rule fails on absence
    fail_null: bool = False  # a presence rule fails on null
    children: dict = field(default_factory=dict)  # key -> FastField
    struct: Any = None  # the msgspec Struct of an object with children
    order: int = 0  # the section's place on the ordinary path (groups, then their sections)
    enforced: bool = True  # the decoder admits only ``classes`` (False: a union msgspec cannot hold, as Any)

    @property
    def always_present(self) -> bool:
        return self.required and not self.nullable and self.enforced


@dataclass
class FastShape:
    """The typed tree of a ruleset: its top-level fields, the decoder of a line, and whether a field may
    hold objects or arrays (then deeply nested lines are left to the ordinary path, see the module doc)."""

    root: dict
    decode: Any
    containers: bool = False


def shape_of(groups, states) -> FastShape | None:
    """The typed decoder for ``groups`` (compiled rule groups), or None when some rule needs the full path."""
    try:
        import msgspec
    except ImportError:  # an optional speed-up: the ordinary path is complete without it
        return None
    root: dict[str, FastField] = {}
    counter = [0]
    for group in groups:
        if group.where is not None or group.record_tests:
            return None
        for ri, acc in group.batch:
            if getattr(acc, "needs_records", True) is not False and ri not in group.batch_by_values:
                return None
        for sec in group.sections.values():
            segments = sec.path.segments
            if sec.path.has_wildcard or not segments or not all(type(s) is str for s in segments):
                return None
            level, node = root, None
            for segment in segments:
                node = level.get(segment)
                if node is None:
                    counter[0] += 1
                    node = level[segment] = FastField(segment, f"a{counter[0]}")
                level = node.children
            if node.section is not None:
                return None  # one section per path (a single group)
            node.section = sec
            node.order = counter[0]
            counter[0] += 1
            _type_fields(node, sec, states)
    if not root:
        return None
    try:
        top = _struct(msgspec, root, counter)
    except (TypeError, ValueError):  # a combination msgspec cannot express: no fast path
        return None
    containers = any(not node.children and (dict in node.classes or list in node.classes or not node.enforced)
                     for node, _parent in _walk(root, None))
    return FastShape(root, msgspec.json.Decoder(top).decode, containers)


def _type_fields(node: FastField, sec, states) -> None:
    """Set the node's classes and presence from its section's ``type`` and presence rules."""
    classes = set(ALL_CLASSES)
    for test in sec.value_tests:
        fast = test.fast
        if not fast or fast.get("kind") != "type":
            continue
        allowed: set = set()
        for name in fast["names"]:
            allowed.update(TYPE_CLASSES.get(name, ALL_CLASSES))
        classes &= allowed
    for ri, _test in sec.presence:
        rule = states[ri].rule
        if rule.check == "required":
            node.required = node.fail_missing = True
            if not rule.params.get("allow_null", False):
                node.nullable, node.fail_null = False, True
        else:  # not_null
            node.nullable, node.fail_null = False, True
    if not node.nullable:
        classes.discard(type(None))
    else:
        classes.add(type(None))
    node.classes = tuple(c for c in ALL_CLASSES if c in classes)


def _struct(msgspec, fields: dict, counter) -> Any:
    """The msgspec Struct of an object whose ``fields`` the rules name (closed: unknown keys fail)."""
    spec = []
    for key, node in fields.items():
        if node.children:
            sec = node.section
            if sec is not None and (sec.uniques or sec.batch_values
                                    or any(dict not in t.passes for t in sec.value_tests)):
                raise ValueError("an object field with its own value rules and sub-fields")
            if dict not in node.classes:
                raise ValueError("sub-fields of a field that cannot be an object")
            counter[0] += 1
            node.struct = _struct(msgspec, node.children, counter)
            annotation: Any = node.struct
            if type(None) in node.classes:
                annotation = node.struct | None
        else:
            annotation = _annotation(msgspec, node.classes)
            node.enforced = annotation is not Any or set(node.classes) == set(ALL_CLASSES)
        if node.required:
            spec.append((node.attr, annotation, msgspec.field(name=key)))
        else:
            spec.append((node.attr, annotation, msgspec.field(name=key, default=MISSING)))
    counter[0] += 1
    return msgspec.defstruct(f"Fast{counter[0]}", spec, forbid_unknown_fields=True, gc=False, kw_only=True)


def _annotation(msgspec, classes: tuple) -> Any:
    """The type of a leaf field; ``Any`` for every class, or for a union msgspec does not support."""
    if set(classes) == set(ALL_CLASSES):
        return Any
    if not classes:
        raise ValueError("a field no value can satisfy")
    items = tuple(None if cls is type(None) else cls for cls in classes)
    annotation = items[0] if len(items) == 1 else Union[items]
    try:
        msgspec.json.Decoder(annotation)
    except TypeError:
        return Any
    return annotation


def _walk(level: dict, parent):
    for node in level.values():
        yield node, parent
        yield from _walk(node.children, node)


# --- generated code ------------------------------------------------------------------------------

def emit(gen, shape: FastShape) -> list[str]:
    from .python_compile import parse_line

    """The checks of a decoded record ``s`` (lines at indent 0, run inside a one-pass loop).

    In order: the fields' values (parents first); guards that hand the line to the ordinary path with
    ``break`` (a value the fast code does not handle, see :func:`_guards`); then, with no ``break`` after
    them, the sections' checks in the ordinary path's order, written by the ordinary generator (failures
    go to ``R`` exactly as there), the report of ``R`` on the parsed record, ``unique`` keys, batch values.
    A record failing a rule is therefore reported from here, in the ordinary path's words; only lines the
    decoder refuses (wrong types, missing required fields, malformed JSON) take the ordinary path.

    ``gen`` is the code generator (``python_codegen._Generator``): names come from its namespace.
    """
    values: list[str] = []
    guards: list[str] = []
    names: dict[int, str] = {}
    sure: dict[int, bool] = {}
    sections: list[tuple[FastField, str, bool]] = []
    for node, parent in _walk(shape.root, None):
        v = names[id(node)] = gen.names.fresh("y")
        if parent is None:
            values.append(f"{v} = s.{node.attr}")
            sure[id(node)] = node.always_present
        else:
            pv = names[id(parent)]
            if sure[id(parent)]:
                values.append(f"{v} = {pv}.{node.attr}")
            else:
                values.append(f"{v} = {pv}.{node.attr} if type({pv}) is {gen.bind('ST', parent.struct)} else M")
            sure[id(node)] = sure[id(parent)] and node.always_present
        if node.section is not None:
            guards += _guards(gen, node, v)
            sections.append((node, v, sure[id(node)]))
    sections.sort(key=lambda item: item[0].order)  # the ordinary path's order: failures reach R alike
    checks = ["R = None"]
    uniques: list[str] = []
    feeds: list[str] = []
    for node, v, surely in sections:
        checks += _checks(gen, node, v, surely)
        for ri, unique in node.section.uniques:
            uniques += _unique(gen, ri, unique, v, surely)
        for _ri, batch_values in node.section.batch_values:
            feeds.append(f"{gen.bind('bv', batch_values.append)}({v})")
    exact = " or ".join(f"(type({v}) is I and ({v} >= BIG or {v} <= NBIG))" for node, v, _ in sections
                        if int in _classes(node) and not node.children
                        and (node.section.value_tests or node.section.detect)) or "False"
    report = ["rec = None", "if R is not None:", f"    rec = {gen.bind('rline', gen.collector.report_line)}(R, raw, line, {exact})"]
    if uniques:
        parse = f"rec = {gen.bind('pline', parse_line)}(raw, {exact})"
        uniques = [line.replace("PARSE", parse) for line in uniques]
    return values + guards + checks + report + uniques + feeds


def _classes(node: FastField) -> list[type]:
    """The classes a present, non-null value of ``node`` may have after decoding."""
    classes = node.classes if node.enforced else ALL_CLASSES
    return [c for c in classes if c is not type(None)]


def _guards(gen, node: FastField, v: str) -> list[str]:
    """``break`` (to the ordinary path) for values whose reading there differs: floats beyond 2**63 (the
    ordinary path parses such lines again exactly) and ``unique`` keys that are neither strings nor integers
    (the ordinary path tests those through the record)."""
    out: list[str] = []
    classes = _classes(node)
    if float in classes and not node.children:
        out += [f"if type({v}) is F and ({v} >= BIG or {v} <= NBIG):", "    break"]
    if node.section.uniques and any(c not in (str, int) for c in classes):
        out += [f"if {v} is not M and {v} is not None and type({v}) is not S and type({v}) is not I:", "    break"]
    return out


def _checks(gen, node: FastField, v: str, surely: bool) -> list[str]:
    """Presence and value tests of one section, failures appended to ``R`` as on the ordinary path."""
    sec = node.section
    fld = gen.bind("fld", sec.path.text)
    pad = "" if surely else "    "
    tests = [] if node.children else _values(gen, node, v, fld, pad)  # a struct surely passes its tests
    if surely:
        return tests
    absent = []
    if sec.presence and (node.fail_missing or node.fail_null):
        presence = gen.bind("pres", list(sec.presence))
        absent = ["    if R is None:", "        R = []", f"    R.append((PRES, {presence}, None))"]
    if not absent:
        return [f"if {v} is not M and {v} is not None:"] + tests if tests else []
    return [f"if {v} is M or {v} is None:"] + absent + (["else:"] + tests if tests else [])


def _values(gen, node: FastField, v: str, fld: str, pad: str) -> list[str]:
    """The ordinary generator's tests of a present value, one branch per class the decoder admits."""
    sec = node.section
    classes = _classes(node)
    if not sec.value_tests or not classes:
        return []
    branches = []
    inner = pad if len(classes) == 1 else pad + "    "
    for cls in classes:
        if cls in (str, int, float):
            lines = gen._branch(sec, cls, v, fld, inner)
        elif all(cls in test.passes for test in sec.value_tests):
            lines = []
        else:
            lines = gen._inline_calls(sec.value_tests, v, fld, inner)
        branches.append((cls, lines))
    if not any(lines for _cls, lines in branches):
        return []
    if len(classes) == 1:
        return branches[0][1]
    out = [f"{pad}t = type({v})"]
    for i, (cls, lines) in enumerate(branches):
        out.append(f"{pad}{'if' if i == 0 else 'elif'} t is {gen.bind('T', cls)}:")
        out += lines or [f"{inner}pass"]
    return out


def _unique(gen, ri: int, unique, v: str, surely: bool) -> list[str]:
    """A string or integer key (the guards sent other keys away): stored, or its duplicate reported."""
    get, seen = gen.bind("uget", unique.seen.get), gen.bind("useen", unique.seen)
    dup = gen.bind("udup", unique.one_failure)
    f = gen.names.fresh("f")
    lines = [f"{f} = {get}({v})", f"if {f} is None:", f"    {seen}[{v}] = {gen.first_line(unique)}", "else:",
             f"    if rec is None and {gen.bind('keeps', gen.collector.keeps)}({ri}):", "        PARSE",
             f"    rf({ri}, {dup}({v}, {f}), rec, line)"]
    if surely:
        return lines
    return [f"if {v} is not M and {v} is not None:"] + ["    " + line for line in lines]
