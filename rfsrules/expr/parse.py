"""Parse expression text with sqlglot and convert a whitelist of its nodes into our AST."""

from __future__ import annotations

import functools
import re

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer, TokenType

from ..errors import did_you_mean
from ..paths import FieldPath, PathSyntaxError, parse_path
from .ast import Arith, Between, Call, Case, Compare, Expr, ExprError, Field, InList, IsNull, Like, Literal, Logical
from .ast import Neg, Not
from .functions import FUNCTIONS
from .python import like_regex

MAX_LENGTH = 10_000  # characters of expression text
MAX_NESTING = 20  # parentheses, brackets and CASE ... END inside each other
MAX_DEPTH = 64  # depth of the resulting tree (and/or chains count once)

# sqlglot's own parsers for CAST(x AS t) and EXTRACT(f FROM x) are kept so that these are
# recognised (and rejected with their name); every other call becomes exp.Anonymous, so the
# function whitelist below sees the name exactly as written.
_KEPT_FUNCTION_PARSERS = ("CAST", "TRY_CAST", "SAFE_CAST", "CONVERT", "TRY_CONVERT", "EXTRACT")


class _ExprParser(Parser):
    FUNCTIONS = {}
    FUNCTION_PARSERS = {k: v for k, v in Parser.FUNCTION_PARSERS.items() if k in _KEPT_FUNCTION_PARSERS}

    def _warn_unsupported(self) -> None:  # sqlglot would log "falling back to a Command"; we reject instead
        return None


# sqlglot reads `array[...]` and `list[...]` as constructors even when quoted (and drops any `a.`
# before them), so before parsing such a name followed by `[` becomes an identifier token marked
# with this prefix, which _key() strips again.
_FIELD_MARK = "\ue000"
_CONSTRUCTOR_NAMES = ("array", "list")


_COMPARE = {exp.EQ: "=", exp.NEQ: "!=", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
_ARITH = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_PLAIN_KEY = re.compile(r"(?:[^\W\d]|[$@])[\w$@-]*")  # as rfsrules.paths writes a bare key
_INTEGER = re.compile(r"\d+")
_POSITIONAL_PARAMETER = re.compile(r"\$\d+")
_FLOAT = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_STATEMENT_WORDS = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "FROM", "WHERE",
                    "UNION", "INTO", "MERGE", "GRANT", "PRAGMA", "ATTACH", "COPY")
_STATEMENT_TOKENS = frozenset(getattr(TokenType, w) for w in _STATEMENT_WORDS if hasattr(TokenType, w))


def _tt(*names: str) -> tuple:
    """The token types with these names that this sqlglot version has."""
    return tuple(getattr(TokenType, n) for n in names if hasattr(TokenType, n))


_NAMED_ARGUMENT = tuple(getattr(exp, n) for n in ("Alias", "PropertyEQ", "Kwarg") if hasattr(exp, n))
_CAST_WORDS = ("cast", "try_cast", "safe_cast", "convert", "try_convert")
_OPEN = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.CASE})
_CLOSE = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.END})

# Rejected node types: message, and token types that locate them when the node has no position.
_REJECTED: dict[type, tuple[str, tuple]] = {
    exp.Select: ("subqueries and SELECT are not allowed", _tt("SELECT")),
    exp.Subquery: ("subqueries and SELECT are not allowed", _tt("SELECT")),
    exp.Star: ("'*' is only allowed as multiplication", _tt("STAR")),
    exp.Window: ("window functions (OVER) are not supported", _tt("OVER")),
    exp.Cast: ("CAST and '::' are not supported", _tt("CAST", "DCOLON")),
    exp.PropertyEQ: ("assignment is not supported", _tt("COLON_EQ")),
    exp.Placeholder: ("parameters are not supported", _tt("PLACEHOLDER", "PARAMETER")),
    exp.Parameter: ("parameters are not supported", _tt("PARAMETER")),
    exp.DPipe: ("'||' is not supported", _tt("DPIPE")),
    exp.IntDiv: ("integer division is not supported; use '/' with round() or floor()", _tt("DIV")),
    exp.Concat: ("adjacent string literals are not supported", ()),
    exp.Tuple: ("row values (a, b, ...) are not supported", _tt("L_PAREN")),
    exp.Array: ("array literals are not supported", _tt("L_BRACKET")),
    exp.Struct: ("struct literals are not supported", _tt("L_BRACE")),
    exp.NullSafeEQ: ("IS [NOT] DISTINCT FROM and '<=>' are not supported", _tt("NULLSAFE_EQ")),
    exp.NullSafeNEQ: ("IS [NOT] DISTINCT FROM and '<=>' are not supported", ()),
    exp.Interval: ("INTERVAL is not supported", _tt("INTERVAL")),
}


def parse_expression(text: str) -> Expr:
    """Parse SQL-like expression text into an AST; raises :class:`ExprError` with a 0-based offset.

    Only the documented grammar is accepted (see ``docs/expressions.md``); nothing in the text is
    ever executed. The AST is immutable, so the parse of a text is remembered (the loader, every
    engine and rules repeating one expression share it; a 9,000-character expression takes ~50 ms).
    """
    if not isinstance(text, str):
        raise ExprError(f"an expression must be a string, got {type(text).__name__}", 0)
    return _parse_text(text)


@functools.lru_cache(maxsize=512)
def _parse_text(text: str) -> Expr:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})", MAX_LENGTH)
    if not text.strip():
        raise ExprError("empty expression", 0)
    tokens = _tokenize(text)
    if not tokens:
        raise ExprError("empty expression", 0)
    _prescan(tokens)
    try:
        trees = _ExprParser(error_level=ErrorLevel.IMMEDIATE).parse_into(exp.Condition, _mark_fields(tokens), text)
    except ParseError as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:
        raise ExprError(f"expression is nested too deeply (the limit is {MAX_NESTING} levels)", 0) from None
    if len(trees) != 1 or trees[0] is None:
        raise ExprError("empty expression", 0)
    return _Converter(text, tokens).convert(trees[0], 1)


def _tokenize(text: str) -> list[Token]:
    try:
        return Tokenizer().tokenize(text)
    except TokenError:
        offset, what = _unterminated(text)
        raise ExprError(what, offset) from None


def _unterminated(text: str) -> tuple[int, str]:
    """Where tokenizing failed: an unterminated string, quoted name or comment."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            end = i + 1
            while True:
                end = text.find(ch, end)
                if end < 0:
                    return i, "unterminated string literal" if ch == "'" else "unterminated quoted name"
                if text.startswith(ch * 2, end):
                    end += 2
                    continue
                break
            i = end + 1
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                return i, "unterminated comment"
            i = close + 2
        else:
            i += 1
    return 0, "invalid characters in expression"


def _prescan(tokens: list[Token]) -> None:
    """Reject what must never reach the parser: several statements, SQL statements, deep nesting."""
    level = 0
    for index, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON:
            raise ExprError("only one expression is allowed (found ';')", tok.start)
        if tok.token_type == TokenType.FROM and index and tokens[index - 1].token_type == TokenType.DISTINCT:
            start = index - 1
            while start and tokens[start - 1].token_type in (TokenType.IS, TokenType.NOT):
                start -= 1
            raise ExprError(_REJECTED[exp.NullSafeEQ][0], tokens[start].start)
        if tok.token_type in _STATEMENT_TOKENS:
            raise ExprError(f"SQL statements are not allowed (found {tok.text!r}; write \"{tok.text}\" for a field "
                            "of that name)", tok.start)
        if tok.token_type in _OPEN:
            level += 1
            if level > MAX_NESTING:
                raise ExprError(f"expression is nested too deeply (the limit is {MAX_NESTING} levels)", tok.start)
        elif tok.token_type in _CLOSE:
            level = max(0, level - 1)


def _mark_fields(tokens: list[Token]) -> list[Token]:
    """Tokens with ``array[`` / ``list[`` turned into field names (see ``_FIELD_MARK``)."""
    out = list(tokens)
    for i, tok in enumerate(tokens[:-1]):
        if tok.text.lower() in _CONSTRUCTOR_NAMES and tokens[i + 1].token_type == TokenType.L_BRACKET:
            out[i] = Token(TokenType.IDENTIFIER, _FIELD_MARK + tok.text, tok.line, tok.col, tok.start, tok.end,
                           tok.comments)
    return out


def _syntax_error(exc: ParseError, text: str) -> ExprError:
    errors = getattr(exc, "errors", None) or [{}]
    info = errors[0]
    line, col = info.get("line"), info.get("col")
    highlight = info.get("highlight") or ""
    offset = 0
    if isinstance(line, int) and isinstance(col, int):
        line_start = 0
        for _ in range(line - 1):
            nl = text.find("\n", line_start)
            if nl < 0:
                break
            line_start = nl + 1
        offset = min(len(text), max(0, line_start + col - len(highlight)))
    description = str(info.get("description") or exc)
    if description.startswith("Required keyword"):
        message = f"incomplete expression: an operand is missing near {highlight!r}"
    elif description.startswith("Expecting "):
        message = f"syntax error: expected {description[len('Expecting '):]} near {highlight!r}"
    elif highlight:
        message = f"syntax error: unexpected {highlight!r}"
    else:
        message = "syntax error"
    return ExprError(message, offset)


def _start(node: exp.Expr) -> int | None:
    start = node.meta.get("start")
    return start if isinstance(start, int) else None


class _Converter:
    """Turns one sqlglot tree into our AST, rejecting everything outside the whitelist."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens

    # -- locating nodes ------------------------------------------------------------------------
    def _span(self, node: exp.Expr) -> tuple[int | None, int | None]:
        starts, ends = [], []
        for sub in node.walk():
            s = _start(sub)
            if s is not None:
                starts.append(s)
                ends.append(sub.meta.get("end", s))
        return (min(starts) if starts else None), (max(ends) if ends else None)

    def offset_of(self, node: exp.Expr, token_types: tuple = ()) -> int:
        """Best-effort 0-based position of ``node`` in the text."""
        own = _start(node)
        if own is not None and not token_types:
            return own
        lo, hi = self._span(node)
        if own is not None:
            lo = min(lo, own) if lo is not None else own
        if token_types:
            found = [t.start for t in self.tokens if t.token_type in token_types]
            if found:
                if lo is not None and hi is not None:
                    inside = [s for s in found if lo <= s <= hi]
                    if inside:
                        return inside[0]
                    before = [s for s in found if s < lo]
                    if before:
                        return before[-1]
                return found[0]
        return lo if lo is not None else 0

    def _token_before(self, start: int | None) -> Token | None:
        previous = None
        for tok in self.tokens:
            if tok.start == start:
                return previous
            previous = tok
        return None

    def _word_offset(self, node: exp.Expr, *words: str) -> int:
        """Where one of ``words`` (a function name sqlglot turned into a node) is written."""
        lo, _ = self._span(node)
        found = [t.start for t in self.tokens if t.text.lower() in words]
        before = [s for s in found if lo is None or s <= lo]
        if before:
            return before[-1]
        return found[0] if found else (lo or 0)

    def fail(self, node: exp.Expr, message: str, token_types: tuple = ()) -> ExprError:
        return ExprError(message, self.offset_of(node, token_types))

    # -- conversion ----------------------------------------------------------------------------
    def convert(self, node: exp.Expr, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is nested too deeply (the limit is {MAX_DEPTH} levels)")
        while isinstance(node, exp.Paren):
            node = node.this
        d = depth + 1
        if isinstance(node, (exp.And, exp.Or)):
            return self._logical(node, d)
        if isinstance(node, exp.Not):
            return self._not(node, d)
        if isinstance(node, exp.Literal):
            return self._literal(node)
        if isinstance(node, exp.Boolean):
            return Literal(bool(node.this), "boolean")
        if isinstance(node, exp.Null):
            return Literal(None, "null")
        if isinstance(node, (exp.Column, exp.Dot, exp.Bracket)):
            return Field(self._path(node), self._span(node)[0])
        if type(node) in _COMPARE:
            return Compare(_COMPARE[type(node)], self.convert(node.this, d), self.convert(node.expression, d))
        if type(node) in _ARITH:
            return Arith(_ARITH[type(node)], self.convert(node.this, d), self.convert(node.expression, d))
        if isinstance(node, exp.Neg):
            operand = self.convert(node.this, d)
            if isinstance(operand, Literal) and operand.kind in ("integer", "float") and isinstance(node.this, exp.Literal):
                return Literal(-operand.value, operand.kind)
            return Neg(operand)
        if isinstance(node, exp.Between):
            if node.args.get("symmetric"):
                raise self.fail(node, "BETWEEN SYMMETRIC is not supported")
            return Between(self.convert(node.this, d), self.convert(node.args["low"], d),
                           self.convert(node.args["high"], d))
        if isinstance(node, exp.In):
            return self._in(node, d)
        if isinstance(node, exp.Is):
            return self._is(node, d)
        if isinstance(node, (exp.Like, exp.ILike, exp.Escape)):
            return self._like(node, d)
        if isinstance(node, exp.Case):
            return self._case(node, d)
        if isinstance(node, exp.Anonymous):
            return self._call(node, d)
        return self._reject(node)

    def _reject(self, node: exp.Expr) -> Expr:
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
            before = self._token_before(_start(node.this))
            if before is not None and before.token_type not in (TokenType.L_PAREN, TokenType.DCOLON):
                raise ExprError(f"typed literals such as {before.text} '...' are not supported; compare with the "
                                "string itself", before.start)
        if isinstance(node, exp.Cast) and any(t.text.lower() in _CAST_WORDS for t in self.tokens):
            raise ExprError(_REJECTED[exp.Cast][0], self._word_offset(node, *_CAST_WORDS))
        for cls in type(node).__mro__:
            if cls in _REJECTED:
                message, token_types = _REJECTED[cls]
                raise self.fail(node, message, token_types)
        if isinstance(node, exp.Func):
            name = node.sql_name().lower() if hasattr(node, "sql_name") else node.key
            raise ExprError(_unknown_function(name), self._word_offset(node, name))
        raise self.fail(node, f"unsupported syntax: {_snippet(node)}")

    def _logical(self, node: exp.Expr, d: int) -> Expr:
        op = "and" if isinstance(node, exp.And) else "or"
        cls = type(node)
        operands: list[exp.Expr] = []
        stack = [node]
        while stack:  # flatten the chain sqlglot builds (left-deep), keeping written order
            current = stack.pop()
            if type(current) is cls:
                stack += [current.expression, current.this]
            else:
                operands.append(current)
        return Logical(op, tuple(self.convert(o, d) for o in operands))

    def _not(self, node: exp.Not, d: int) -> Expr:
        inner = node.this
        if isinstance(inner, exp.In):
            return self._in(inner, d, negated=True)
        if isinstance(inner, exp.Between) and not inner.args.get("symmetric"):
            return Between(self.convert(inner.this, d), self.convert(inner.args["low"], d),
                           self.convert(inner.args["high"], d), negated=True)
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            return IsNull(self.convert(inner.this, d), negated=True)
        return Not(self.convert(inner, d))

    def _literal(self, node: exp.Literal) -> Literal:
        raw = node.this
        if node.is_string:
            return Literal(raw, "string")
        offset = self.offset_of(node)
        if _INTEGER.fullmatch(raw):
            try:
                return Literal(int(raw), "integer")
            except ValueError:  # more digits than Python converts by default
                raise ExprError("integer literal is too long", offset) from None
        if _FLOAT.fullmatch(raw):
            value = float(raw)
            if value in (float("inf"), float("-inf")):
                raise ExprError(f"number {raw} is out of range", offset)
            return Literal(value, "float")
        raise ExprError(f"invalid number {raw!r}", offset)

    def _path(self, node: exp.Expr) -> FieldPath:
        segments: list = []
        self._collect_path(node, segments)
        text = ""
        for i, seg in enumerate(segments):
            if type(seg) is int:
                text += f"[{seg}]"
            elif _PLAIN_KEY.fullmatch(seg):
                text += ("." if i else "") + seg
            elif '"' not in seg:
                text += f'["{seg}"]'
            elif "'" not in seg:
                text += f"['{seg}']"
            else:
                raise self.fail(node, "a field name cannot contain both kinds of quote")
        try:
            return parse_path(text)
        except PathSyntaxError as exc:
            raise self.fail(node, f"invalid field reference: {exc}") from None

    def _collect_path(self, node: exp.Expr, segments: list) -> None:
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                raise self.fail(node.this, "'*' is not allowed in field references")
            for part in node.parts:
                segments.append(self._key(part))
        elif isinstance(node, exp.Dot):
            if not isinstance(node.expression, exp.Identifier):
                if isinstance(node.expression, (exp.Anonymous, exp.Func)):
                    raise self.fail(node.expression, "method calls (a.b()) are not supported; call functions "
                                    "by their plain name")
                raise self.fail(node.expression, f"unsupported syntax after '.': {_snippet(node.expression)}")
            base = node.this
            if isinstance(base, exp.Identifier):  # sqlglot builds Dot(Identifier, ...) in some positions
                segments.append(self._key(base))
            else:
                self._collect_path(base, segments)
            segments.append(self._key(node.expression))
        elif isinstance(node, exp.Bracket):
            base = node.this
            if not isinstance(base, (exp.Column, exp.Dot, exp.Bracket)):
                raise self.fail(node, "only fields can be indexed with [...]")
            self._collect_path(base, segments)
            index = node.expressions
            if len(index) != 1:
                raise self.fail(node, "an index must be a single integer or string, as in items[0] or meta['k']")
            segments.append(self._index(index[0]))
        else:
            raise self.fail(node, f"unsupported syntax: {_snippet(node)}")

    def _key(self, ident: exp.Expr) -> str:
        if not isinstance(ident, exp.Identifier):
            raise self.fail(ident, f"unsupported syntax in a field reference: {_snippet(ident)}")
        name = ident.this
        if name.startswith(_FIELD_MARK):
            name = name[len(_FIELD_MARK):]
        if name == "":
            raise self.fail(ident, "empty field name")
        if not ident.args.get("quoted") and _POSITIONAL_PARAMETER.fullmatch(name):
            raise self.fail(ident, "parameters are not supported (quote the name, \"$1\", for a field called $1)")
        return name

    def _index(self, node: exp.Expr):
        if isinstance(node, exp.Star):
            raise self.fail(node, "[*] is not allowed in expressions (an expression sees one value per field)")
        negative = isinstance(node, exp.Neg)
        inner = node.this if negative else node
        if isinstance(inner, exp.Literal):
            if inner.is_string and not negative:
                if inner.this == "":
                    raise self.fail(inner, "empty field name")
                return inner.this
            if not inner.is_string and _INTEGER.fullmatch(inner.this) and len(inner.this) < 19:
                return -int(inner.this) if negative else int(inner.this)
        raise self.fail(node, "an index must be an integer or a string literal, as in items[0] or meta['k']")

    def _in(self, node: exp.In, d: int, negated: bool = False) -> Expr:
        for key in ("query", "unnest", "field"):
            if node.args.get(key) is not None:
                raise self.fail(node.args[key], "IN takes a list of values, as in x in (1, 2)", (TokenType.SELECT,))
        items = node.expressions
        if not items:
            raise self.fail(node, "IN needs at least one value, as in x in (1, 2)", (TokenType.IN,))
        return InList(self.convert(node.this, d), tuple(self.convert(i, d) for i in items), negated)

    def _is(self, node: exp.Is, d: int) -> Expr:
        if isinstance(node.expression, exp.Null):
            return IsNull(self.convert(node.this, d))
        raise self.fail(node.expression, "only IS NULL and IS NOT NULL are supported; compare with '=' instead",
                        (TokenType.IS,))

    def _like(self, node: exp.Expr, d: int) -> Expr:
        escape = None
        if isinstance(node, exp.Escape):
            esc = node.expression
            if not (isinstance(esc, exp.Literal) and esc.is_string and len(esc.this) == 1):
                raise self.fail(esc, "ESCAPE takes a single-character string, as in escape '!'")
            escape = esc.this
            node = node.this
            if not isinstance(node, (exp.Like, exp.ILike)):
                raise self.fail(node, "ESCAPE is only allowed after LIKE or ILIKE")
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self.fail(pattern, "the pattern of LIKE must be a string literal", (TokenType.LIKE, TokenType.ILIKE))
        if escape is not None:
            try:  # the pattern must not end with an unescaped escape character
                like_regex(pattern.this, escape, False)
            except ValueError as exc:
                raise self.fail(pattern, str(exc)) from None
        return Like(self.convert(node.this, d), pattern.this, escape, bool(node.args.get("negate")),
                    isinstance(node, exp.ILike))

    def _case(self, node: exp.Case, d: int) -> Expr:
        operand = node.this
        whens = []
        for branch in node.args.get("ifs") or ():
            whens.append((self.convert(branch.this, d), self.convert(branch.args["true"], d)))
        if not whens:
            raise self.fail(node, "CASE needs at least one WHEN ... THEN ...", (TokenType.CASE,))
        default = node.args.get("default")
        return Case(None if operand is None else self.convert(operand, d), tuple(whens),
                    None if default is None else self.convert(default, d))

    def _call(self, node: exp.Anonymous, d: int) -> Expr:
        raw = node.this
        name = (raw.this if isinstance(raw, exp.Identifier) else str(raw)).lower()
        spec = FUNCTIONS.get(name)
        offset = self.offset_of(node)
        if spec is None:
            raise ExprError(_unknown_function(name), offset)
        args = node.expressions
        for arg in args:
            if isinstance(arg, _NAMED_ARGUMENT):
                raise self.fail(arg, "named arguments are not supported")
        n = len(args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise ExprError(f"{name}() takes {spec.arity_text()} argument{'s' if spec.arity_text() != '1' else ''}, "
                            f"got {n}", offset)
        converted = tuple(self.convert(a, d) for a in args)
        literals = []
        for i, arg in enumerate(converted):
            if i in spec.literal_args:
                if not (isinstance(arg, Literal) and arg.kind == "string"):
                    raise self.fail(args[i], f"argument {i + 1} of {name}() must be a string literal")
                literals.append(arg.value)
            else:
                literals.append(None)
        if spec.prepare is not None:
            try:
                spec.prepare(tuple(literals))
            except ValueError as exc:
                raise self.fail(args[spec.literal_args[0]] if spec.literal_args else node, str(exc)) from None
        return Call(name, converted)


def _unknown_function(name: str) -> str:
    hint = did_you_mean(name, FUNCTIONS)
    suffix = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
    return f"unknown function {name!r}{suffix}"


def _snippet(node: exp.Expr) -> str:
    try:
        text = node.sql()
    except Exception:  # noqa: BLE001 - sqlglot may not render every node; the type name will do
        text = type(node).__name__
    return repr(text if len(text) <= 40 else text[:37] + "...")
