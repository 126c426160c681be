"""``${VAR}`` / ``${VAR:-default}`` substitution in parsed string values (never in the YAML text).

Values taken from variables whose names look secret (:func:`is_secret_name`) are registered with
:func:`rfsrules.results.register_secret`, so that reports and other echoes of the ruleset show them as
``***`` (docs/security.md).
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

from ..errors import Issue
from ..results import register_secret
from . import codes
from .yamlsafe import Loc, Pos, resolve_plain

CODE_ENV = codes.ENV_VAR

SECRET_NAME_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "KEY", "CREDENTIAL",
                     "PRIVATE", "WEBHOOK", "DSN")
"""A variable whose name contains one of these (in any case) holds a secret: ``DB_PASSWORD``,
``API_KEY``, ``SLACK_WEBHOOK_URL``, ``github_token``."""

SECRET_VARS_ENV = "RFSRULES_SECRET_VARS"
"""Comma-separated names of further variables whose values are secret (``DB_URL,PAGER_ROUTING``)."""


def is_secret_name(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether the value of variable ``name`` is secret: its name contains a word of
    :data:`SECRET_NAME_WORDS`, or ``RFSRULES_SECRET_VARS`` (in ``env``, else the process
    environment) lists it."""
    upper = name.upper()
    if any(word in upper for word in SECRET_NAME_WORDS):
        return True
    listed = (env.get(SECRET_VARS_ENV) if env is not None else None) or os.environ.get(SECRET_VARS_ENV, "")
    return name in {part.strip() for part in str(listed).split(",")}


_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_NESTED = re.compile(r"(?<!\$)\$\{")
_WHOLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")


def substitute_text(text: str, env: Mapping[str, str], pos: Pos, issues: list[Issue]) -> str:
    """Replace every ``${...}`` of one string; problems are appended to ``issues`` at their column.

    ``$${`` stands for a literal ``${``; a ``$`` followed by anything else is kept as written.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        if text.startswith("$${", j):
            out.append("${")
            i = j + 3
            continue
        if not text.startswith("${", j):
            out.append("$")
            i = j + 1
            continue
        m = _REF.match(text, j)
        if m is None:
            where = pos.at(j)
            issues.append(Issue(where.file, where.line, where.col,
                                "invalid ${...} reference: expected ${NAME} or ${NAME:-default} "
                                "(write $${ for a literal ${)", CODE_ENV))
            out.append(text[j:])
            break
        name, default = m.group("name"), m.group("default")
        if default is not None and _NESTED.search(default):
            # ${A:-${B}} would read as the default "${B" followed by a stray "}": say so instead
            where = pos.at(j)
            issues.append(Issue(where.file, where.line, where.col,
                                f"the default of ${{{name}:-...}} cannot contain another ${{...}} reference "
                                "(nested references are not supported)", CODE_ENV))
            out.append(text[j:])
            break
        if name in env:
            value = str(env[name])
            if is_secret_name(name, env):
                register_secret(value)
            out.append(value)
        elif default is not None:
            out.append(default.replace("$${", "${"))  # $${ is a literal ${ in a default too
        else:
            where = pos.at(j)
            issues.append(Issue(where.file, where.line, where.col,
                                f"environment variable {name!r} is not set "
                                f"(write ${{{name}:-default}} to give a default)", CODE_ENV))
        i = m.end()
    return "".join(out)


def substitute(data: Any, loc: Loc, env: Mapping[str, str]) -> tuple[Any, Loc, list[Issue], set[Pos]]:
    """Substitute in every string value of ``data`` (mapping keys are left alone).

    A value that is exactly one ``${...}`` is typed like a plain YAML scalar (``"${N}"`` with ``N=5``
    becomes the integer 5) unless written with an explicit ``!!str`` tag. Returns the new data, the
    matching locations, the issues found and the positions of the values that could not be
    substituted (an unset variable, a malformed reference): such a value has no meaning, so other
    problems reported at its position only repeat the issue already found.
    """
    issues: list[Issue] = []
    unresolved: set[Pos] = set()
    new_data, new_loc = _walk(data, loc, env, issues, unresolved, {})
    return new_data, new_loc, issues, unresolved


def _walk(value: Any, loc: Loc | None, env: Mapping[str, str], issues: list[Issue],
          unresolved: set[Pos], done: dict) -> tuple[Any, Loc | None]:
    """Substitute in ``value``. An alias gives the very same value and location objects as its
    anchor, so ``done`` (keyed by their identities) substitutes each anchored value once and every
    alias shares the result: a file repeating a long string through aliases stays as small after
    substitution as the node budget of the YAML reader let it be."""
    if loc is None or not isinstance(value, (str, dict, list)):
        return value, loc
    key = (id(value), id(loc))
    hit = done.get(key)
    if hit is not None:
        return hit[2], hit[3]
    new_value, new_loc = _walk_one(value, loc, env, issues, unresolved, done)
    done[key] = (value, loc, new_value, new_loc)  # holds value and loc, so their ids are not reused
    return new_value, new_loc


def _walk_one(value: Any, loc: Loc | None, env: Mapping[str, str], issues: list[Issue],
              unresolved: set[Pos], done: dict) -> tuple[Any, Loc | None]:
    if isinstance(value, str):
        if "$" not in value or loc is None:
            return value, loc
        before = len(issues)
        text = substitute_text(value, env, loc.pos, issues)
        if text == value and "$$" not in value and len(issues) == before:
            return value, loc
        typed: Any = text
        if _WHOLE.fullmatch(value) and not loc.str_tag:
            typed = resolve_plain(text)
        p = loc.pos
        where = Pos(p.file, p.line, p.col, None)
        if len(issues) > before:
            unresolved.add(where)
        return typed, Loc(where, str_tag=loc.str_tag)
    if isinstance(value, dict):
        if loc is None or not isinstance(loc.children, dict):
            return value, loc
        changed = False
        out: dict = {}
        children: dict = {}
        for key, item in value.items():
            new_item, new_loc = _walk(item, loc.children.get(key), env, issues, unresolved, done)
            changed |= new_item is not item or new_loc is not loc.children.get(key)
            out[key], children[key] = new_item, new_loc
        if not changed:
            return value, loc
        return out, Loc(loc.pos, children, loc.keys)
    if isinstance(value, list):
        if loc is None or not isinstance(loc.children, list):
            return value, loc
        changed = False
        items: list = []
        locs: list = []
        for idx, item in enumerate(value):
            item_loc = loc.children[idx] if idx < len(loc.children) else None
            new_item, new_loc = _walk(item, item_loc, env, issues, unresolved, done)
            changed |= new_item is not item or new_loc is not item_loc
            items.append(new_item)
            locs.append(new_loc)
        if not changed:
            return value, loc
        return items, Loc(loc.pos, locs)
    return value, loc
