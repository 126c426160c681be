"""The Python engine's typed pre-decoder: msgspec decodes and type-checks a whole line in one C call.

For a ruleset whose rules all read declared fields (value checks, ``required``/``not_null``,
single-field ``unique``, batch checks fed by one field's values; no ``where``, no ``[*]`` paths, no
record-level or plugin record checks), :func:`shape_of` derives a tree of msgspec Structs: one
attribute per field the rules name, typed by the field's ``type`` rules (``str`` for string formats,
``int | float`` for numbers), required when a presence rule fails on absence, nullable unless one fails
on null, every object closed (``forbid_unknown_fields``) so that msgspec reads - and validates - every
byte of the line. The generated block function (``python_codegen``) tries the typed decoder first;
a record it accepts is known to have the right JSON types, so only the remaining tests run (ranges,
sets, patterns, timestamps: the inline forms of ``python_inline``), then ``unique`` probes and batch
values. Anything else - a decoding error, an unknown field, a failing or raising test, a duplicate key -
sends the line down the ordinary path (orjson and every rule), which decides and reports. The fast path
therefore only ever skips work for records that pass every rule; it has no side effect on a record
it hands over (``unique`` keys are probed before any is stored).

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
from . import python_inline

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
    """The checks of a decoded record ``s`` (lines at indent 0, run inside a one-pass loop: ``break``
    hands the line to the ordinary path): remaining value tests and presence of fields under optional
    parents, then ``unique`` probes, then - nothing having failed - key stores and batch values.

    ``gen`` is the code generator (``python_codegen._Generator``): names come from its namespace.
    """
    checks: list[str] = []
    probes: list[str] = []
    stores: list[str] = []
    feeds: list[str] = []
    names: dict[int, str] = {}
    sure: dict[int, bool] = {}
    for node, parent in _walk(shape.root, None):
        v = names[id(node)] = gen.names.fresh("y")
        if parent is None:
            checks.append(f"{v} = s.{node.attr}")
            sure[id(node)] = node.always_present
        else:
            pv = names[id(parent)]
            if sure[id(parent)]:
                checks.append(f"{v} = {pv}.{node.attr}")
            else:
                checks.append(f"{v} = {pv}.{node.attr} if type({pv}) is {gen.bind('ST', parent.struct)} else M")
            sure[id(node)] = sure[id(parent)] and node.always_present
        if node.section is not None:
            surely = sure[id(node)]
            checks += _presence(node, v, surely) + _values(gen, node, v, surely)
            for _ri, unique in node.section.uniques:
                _unique(gen, node, unique, v, surely, probes, stores)
            for _ri, values in node.section.batch_values:
                feeds.append(f"{gen.bind('bv', values.append)}({v})")
    return checks + probes + stores + feeds


def _presence(node: FastField, v: str, surely: bool) -> list[str]:
    if surely or not node.section.presence:
        return []
    out = []
    if node.fail_missing:
        out += [f"if {v} is M:", "    break"]
    if node.fail_null:
        out += [f"if {v} is None:", "    break"]
    return out


def _values(gen, node: FastField, v: str, surely: bool) -> list[str]:
    sec = node.section
    classes = [c for c in node.classes if c is not type(None)]
    if not sec.value_tests or not classes:
        return []
    pad = "" if surely else "    "
    single = len(classes) == 1 and node.enforced
    inner = pad if single else pad + "    "
    branches = [(cls, _branch(gen, sec, cls, v, inner)) for cls in classes]
    if node.enforced and not any(lines for _cls, lines in branches):
        return []
    out = [] if surely else [f"if {v} is not M and {v} is not None:"]
    if single:
        return out + branches[0][1]
    out.append(f"{pad}t = type({v})")
    for i, (cls, lines) in enumerate(branches):
        out.append(f"{pad}{'if' if i == 0 else 'elif'} t is {gen.bind('T', cls)}:")
        out += lines or [f"{inner}pass"]
    if not node.enforced:
        out += [f"{pad}else:", f"{inner}break"]
    return out


def _branch(gen, sec, cls: type, v: str, pad: str) -> list[str]:
    """Tests of one value of class ``cls``: inline forms, cached answers, or direct calls; failure breaks."""
    remaining = [t for t in sec.value_tests if cls not in t.passes]
    forms = [(t, python_inline.inline_form(t.fast, cls, v, pad, gen.bind) if t.cacheable else None)
             for t in remaining]
    out: list[str] = []
    if any(f is not None and python_inline.ISO in python_inline.needs(t.fast, cls) for t, f in forms):
        out += python_inline.iso_prelude(v, pad, gen.bind)
    cached = []
    for test, form in forms:
        if form is not None:
            prelude, passing = form
            out += prelude + [f"{pad}if not ({passing}):", f"{pad}    break"]
        elif test.cacheable and cls in (str, int) and cls not in sec.uncached:
            cached.append(test)
        else:
            vt = gen.bind("vt", test.test)
            out += [f"{pad}try:", f"{pad}    q = {vt}({v})", f"{pad}except Exception:", f"{pad}    break",
                    f"{pad}if q is not None:", f"{pad}    break"]
    if cached:
        lookup, c = gen.cache_lookup(sec, cls, cached, v, pad)
        out += lookup + [f"{pad}if {c} is not None:", f"{pad}    break"]
    return out


def _unique(gen, node: FastField, unique, v: str, surely: bool, probes: list, stores: list) -> None:
    get, seen = gen.bind("uget", unique.seen.get), gen.bind("useen", unique.seen)
    classes = [c for c in node.classes if c is not type(None)]
    if surely and len(classes) == 1 and classes[0] in (str, int):
        probes += [f"if {get}({v}) is not None:", "    break"]
        stores.append(f"{seen}[{v}] = {gen.first_line(unique)}")
        return
    probes += [f"if {v} is not M and {v} is not None:",
               f"    if (type({v}) is not S and type({v}) is not I) or {get}({v}) is not None:", "        break"]
    stores += [f"if {v} is not M and {v} is not None:", f"    {seen}[{v}] = {gen.first_line(unique)}"]
