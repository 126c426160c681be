"""Hypothesis strategies for expression tests: random ASTs, typed ASTs for DuckDB agreement, JSON records."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from rfsrules.expr import (
    FUNCTIONS,
    Arith,
    Between,
    Call,
    Case,
    Compare,
    Field,
    InList,
    IsNull,
    Like,
    Literal,
    Logical,
    Neg,
    Not,
)
from rfsrules.expr.python import like_regex
from rfsrules.paths import parse_path

# Keys include SQL keywords, names needing quotes, and non-ASCII ones.
KEYS = ["a", "b", "x", "value", "data", "status", "timestamp", "end", "order", "select", "null", "true",
        "a b", "a.b", "user-id", "$x", "x'y", 'q"r', "é", "café", "Mixed", "_u", "in", "array", "list", "if"]
PLAIN = re.compile(r"(?:[^\W\d]|[$@])[\w$@-]*")  # a bare key, as rfsrules.paths writes one
PATTERNS = ["a", "^b+$", "[0-9]{2}", "(?i)x", "é|z", "^$"]
LIKE_TEXT = st.text(alphabet="ab%_!\\'é ", max_size=6)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t'\""), max_size=8)


def path_text(segments: list) -> str:
    """Path text for segments, the way the parser builds it."""
    out = ""
    for i, seg in enumerate(segments):
        if type(seg) is int:
            out += f"[{seg}]"
        elif PLAIN.fullmatch(seg):
            out += ("." if i else "") + seg
        elif '"' not in seg:
            out += f'["{seg}"]'
        else:
            out += f"['{seg}']"
    return out


@st.composite
def field_paths(draw, keys=KEYS):
    first = draw(st.sampled_from(keys))
    rest = draw(st.lists(st.one_of(st.sampled_from(keys), st.integers(-3, 5)), max_size=2))
    return parse_path(path_text([first] + rest))


def literals():
    return st.one_of(
        st.just(Literal(None, "null")),
        st.booleans().map(Literal.of),
        st.integers(-(10 ** 30), 10 ** 30).map(Literal.of),
        st.floats(allow_nan=False, allow_infinity=False).map(Literal.of),
        TEXT.map(Literal.of),
    )


def _valid_like(args) -> bool:
    pattern, escape = args
    try:
        like_regex(pattern, escape, False)
    except ValueError:
        return False
    return True


def _compound(children):
    small = st.lists(children, min_size=1, max_size=3).map(tuple)

    def call(name):
        spec = FUNCTIONS[name]
        high = spec.max_args if spec.max_args is not None else spec.min_args + 2
        args = st.lists(children, min_size=spec.min_args, max_size=high).map(tuple)
        if spec.literal_args:
            return st.tuples(children, st.sampled_from(PATTERNS)).map(
                lambda a, n=name: Call(n, (a[0], Literal.of(a[1]))))
        return args.map(lambda a, n=name: Call(n, a))

    return st.one_of(
        children.map(Not),
        children.map(Neg),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda t: Logical(t[0], tuple(t[1]))),
        st.tuples(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), children, children).map(lambda t: Compare(*t)),
        st.tuples(st.sampled_from(["+", "-", "*", "/", "%"]), children, children).map(lambda t: Arith(*t)),
        st.tuples(children, children, children, st.booleans()).map(lambda t: Between(*t)),
        st.tuples(children, small, st.booleans()).map(lambda t: InList(*t)),
        st.tuples(children, st.booleans()).map(lambda t: IsNull(*t)),
        st.tuples(children, st.tuples(LIKE_TEXT, st.sampled_from([None, "!", "\\"])).filter(_valid_like),
                  st.booleans(), st.booleans()).map(lambda t: Like(t[0], t[1][0], t[1][1], t[2], t[3])),
        st.tuples(st.none() | children, st.lists(st.tuples(children, children), min_size=1, max_size=2),
                  st.none() | children).map(lambda t: Case(t[0], tuple(t[1]), t[2])),
        st.sampled_from(sorted(FUNCTIONS)).flatmap(call),
    )


def expressions(max_leaves: int = 10):
    """Random (not necessarily well-typed) expression trees."""
    leaves = st.one_of(literals(), field_paths().map(Field))
    return st.recursive(leaves, _compound, max_leaves=max_leaves)


def json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10 ** 25), 10 ** 25), st.floats(), TEXT,
                        st.sampled_from(["2024-12-31T23:00:00-05:00", "2024-02-29", "a%b", "A"]))
    return st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(KEYS), c,
                                                                                      max_size=3), max_leaves=6)


def records():
    """JSON-like records over ``KEYS`` (absent keys exercise MISSING)."""
    return st.dictionaries(st.sampled_from(KEYS), json_values(), max_size=6)


# -- typed trees for the DuckDB agreement test ------------------------------------------------------
# Columns: i, j BIGINT; f DOUBLE; s, t VARCHAR (t holds timestamps); b BOOLEAN.

TIMESTAMPS = ["2024-12-31T23:00:00-05:00", "2024-12-31T23:00:00Z", "2024-02-29", "2024-02-30", "2023-06-15 08:30",
              "2024-01-01T00:30:00+01:00", "1999-12-31T23:59:59.999999", "not a time", ""]
STRING_ALPHABET = "aAbB%_ é"
SMALL_FLOATS = [0.5, -1.25, 2.0, 0.001, 3.75, -0.5, 2.5, 1e-7]


def _col(name):
    return Field(parse_path(name))


def typed_values():
    """A record for the typed table: each column present, null or missing."""
    def col(values):
        return st.one_of(values, st.none(), st.just("MISSING"))

    return st.fixed_dictionaries({
        "i": col(st.integers(-50, 50)), "j": col(st.integers(-5, 5)),
        "f": col(st.sampled_from(SMALL_FLOATS) | st.floats(-100, 100, allow_nan=False, width=32).map(float)),
        "s": col(st.text(alphabet=STRING_ALPHABET, max_size=5)), "t": col(st.sampled_from(TIMESTAMPS)),
        "b": col(st.booleans()),
    }).map(lambda d: {k: v for k, v in d.items() if v != "MISSING"})


def typed_expressions(depth: int = 3):
    """(kind, tree) with kind in num, str, bool; trees DuckDB can bind with the typed columns."""
    num_leaf = st.one_of(st.sampled_from(["i", "j", "f"]).map(_col), st.integers(-20, 20).map(Literal.of),
                         st.sampled_from(SMALL_FLOATS).map(Literal.of))
    str_leaf = st.one_of(st.sampled_from(["s", "t"]).map(_col), st.text(alphabet=STRING_ALPHABET, max_size=3).map(
        Literal.of))
    bool_leaf = st.one_of(st.just(_col("b")), st.booleans().map(Literal.of))
    return _typed(depth, num_leaf, str_leaf, bool_leaf)["bool"]


def _typed(depth, num_leaf, str_leaf, bool_leaf):
    if depth == 0:
        return {"num": num_leaf, "str": str_leaf, "bool": bool_leaf}
    sub = _typed(depth - 1, num_leaf, str_leaf, bool_leaf)
    n, s, b = sub["num"], sub["str"], sub["bool"]
    num = st.one_of(
        num_leaf,
        n.map(Neg),
        st.tuples(st.sampled_from(["+", "-", "*", "/", "%"]), n, n).map(lambda t: Arith(*t)),
        st.tuples(st.sampled_from(["abs", "floor", "ceil", "round"]), n).map(lambda t: Call(t[0], (t[1],))),
        st.tuples(n, st.integers(-2, 2)).map(lambda t: Call("round", (t[0], Literal.of(t[1])))),
        s.map(lambda e: Call("length", (e,))),
        st.tuples(st.sampled_from(["year", "month", "day"]), st.just(_col("t"))).map(lambda t: Call(t[0], (t[1],))),
        st.tuples(n, n).map(lambda t: Call("coalesce", t)),
        st.tuples(b, n, st.none() | n).map(lambda t: Case(None, ((t[0], t[1]),), t[2])),
    )
    text = st.one_of(
        str_leaf,
        st.tuples(st.sampled_from(["lower", "upper", "trim"]), s).map(lambda t: Call(t[0], (t[1],))),
        st.tuples(s, s).map(lambda t: Call("coalesce", t)),
        st.tuples(n, n, s, s).map(lambda t: Case(t[0], ((t[1], t[2]),), t[3])),
    )
    ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    boolean = st.one_of(
        bool_leaf,
        b.map(Not),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(b, min_size=2, max_size=3)).map(
            lambda t: Logical(t[0], tuple(t[1]))),
        st.tuples(ops, n, n).map(lambda t: Compare(*t)),
        st.tuples(ops, s, s).map(lambda t: Compare(*t)),
        st.tuples(ops, b, b).map(lambda t: Compare(*t)),
        st.tuples(n, n, n, st.booleans()).map(lambda t: Between(*t)),
        st.tuples(n, st.lists(st.integers(-5, 5).map(Literal.of) | st.just(Literal(None, "null")), min_size=1,
                              max_size=3), st.booleans()).map(lambda t: InList(t[0], tuple(t[1]), t[2])),
        st.tuples(s, st.lists(st.text(alphabet=STRING_ALPHABET, max_size=2).map(Literal.of), min_size=1, max_size=3),
                  st.booleans()).map(lambda t: InList(t[0], tuple(t[1]), t[2])),
        st.tuples(n | s | b, st.booleans()).map(lambda t: IsNull(*t)),
        st.tuples(s, st.text(alphabet="aA%_ é", max_size=4), st.booleans(), st.booleans()).map(
            lambda t: Like(t[0], t[1], None, t[2], t[3])),
        st.tuples(st.sampled_from(["starts_with", "ends_with", "contains"]), s, s).map(
            lambda t: Call(t[0], (t[1], t[2]))),
        st.tuples(s, st.sampled_from(["a", "^b", "[ab]{2}", "é$", "^$"])).map(
            lambda t: Call("regexp_matches", (t[0], Literal.of(t[1])))),
    )
    return {"num": num, "str": text, "bool": boolean}
