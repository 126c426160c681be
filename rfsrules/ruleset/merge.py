"""Merging for ``extends:``: deep merge of sections with their locations, rules merged by id."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import Issue
from . import codes
from .yamlsafe import Loc, Pos


@dataclass(frozen=True)
class RuleEntry:
    """A rule mapping on its way to becoming a ``Rule``: what was written (or generated) and where.

    :param data: the rule mapping (``id``, ``check``, parameters, ...).
    :param loc: locations of the mapping and its members (members may come from different files).
    :param span: where the rule is defined (its ``id`` key, or the ``fields:`` attribute).
    :param order: merge order of the file that defined it; bases come before the files extending them.
    :param origin: ``rules``, ``fields``, ``metadata_rules`` or ``extends:<file>``.
    :param path: the data path of the mapping, for messages (``("rules", 3)``).
    :param section: ``rules`` or ``metadata_rules``.
    :param trigger: for a generated rule, the ``fields:`` attribute that produced it.
    """

    data: dict
    loc: Loc
    span: Pos
    order: int
    origin: str
    path: tuple
    section: str = "rules"
    trigger: str | None = None

    @property
    def id(self) -> Any:
        """The rule id as written (not necessarily a string when the rule is invalid)."""
        return self.data.get("id")

    @property
    def generated(self) -> bool:
        """True for a rule generated from a ``fields:`` attribute."""
        return self.trigger is not None

    @property
    def is_patch(self) -> bool:
        """A rule without ``check`` changes the keys of a base rule with the same id."""
        return "check" not in self.data


def duplicate_issue(entry: RuleEntry, first: RuleEntry) -> Issue:
    """``duplicate rule id 'x' (first defined at file:line:col)`` at the later definition."""
    return Issue(entry.span.file, entry.span.line, entry.span.col,
                 f"duplicate rule id {_short_id(entry.id)} (first defined at {first.span})", codes.DUPLICATE_RULE_ID)


def _short_id(rule_id: Any, limit: int = 80) -> str:
    """The repr of a rule id for messages, cut short (an id repeated through aliases may be huge)."""
    text = repr(rule_id[:limit] if isinstance(rule_id, str) else rule_id)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def deep_merge(base: Any, base_loc: Loc, child: Any, child_loc: Loc) -> tuple[Any, Loc]:
    """Mappings merge key by key (recursively, the child's values win); anything else is replaced."""
    if not (isinstance(base, dict) and isinstance(child, dict)):
        return child, child_loc
    data = dict(base)
    children = dict(base_loc.children) if isinstance(base_loc.children, dict) else {}
    keys = dict(base_loc.keys or {})
    child_children = child_loc.children if isinstance(child_loc.children, dict) else {}
    for key, value in child.items():
        value_loc = child_children.get(key) or child_loc
        if key in data and isinstance(data[key], dict) and isinstance(value, dict):
            data[key], children[key] = deep_merge(data[key], children.get(key) or base_loc, value, value_loc)
        else:
            data[key], children[key] = value, value_loc
        if child_loc.keys and key in child_loc.keys:
            keys[key] = child_loc.keys[key]
    return data, Loc(child_loc.pos, children, keys)


def patch_entry(base: RuleEntry, patch: RuleEntry) -> RuleEntry:
    """``base`` with the keys of ``patch`` set on top (an override that omits ``check``)."""
    data = {**base.data, **patch.data}
    children = {**(base.loc.children or {}), **(patch.loc.children or {})}
    keys = {**(base.loc.keys or {}), **(patch.loc.keys or {})}
    return replace(base, data=data, loc=Loc(patch.loc.pos, children, keys), span=patch.span,
                   order=patch.order, origin=patch.origin, path=patch.path)


def entries_from_list(items: Any, items_loc: Loc | None, *, section_path: tuple, order: int, origin: str,
                      section: str, issues: list[Issue], dropped: list[RuleEntry] | None = None) -> list[RuleEntry]:
    """Rule entries of one file's ``rules:`` list; a repeated id in the same file is a duplicate.

    Duplicates are reported and left out; they go to ``dropped`` so their other problems can be found.
    """
    if not isinstance(items, list) or items_loc is None:
        return []
    out: list[RuleEntry] = []
    seen: dict[str, RuleEntry] = {}
    for index, item in enumerate(items):
        item_loc = items_loc.child(index)
        if not isinstance(item, dict) or item_loc is None:
            continue
        span = item_loc.key_pos("id") or item_loc.pos
        entry = RuleEntry(item, item_loc, span, order, origin, section_path + (index,), section)
        rule_id = item.get("id")
        if isinstance(rule_id, str):
            if rule_id in seen:
                issues.append(duplicate_issue(entry, seen[rule_id]))
                if dropped is not None:
                    dropped.append(entry)
                continue
            seen[rule_id] = entry
        out.append(entry)
    return out


def merge_rule_lists(base: list[RuleEntry], child: list[RuleEntry]) -> list[RuleEntry]:
    """Base rules first; a child rule with a base rule's id replaces it in place (or patches it)."""
    out = list(base)
    index = {e.id: i for i, e in enumerate(out) if isinstance(e.id, str)}
    for entry in child:
        at = index.get(entry.id) if isinstance(entry.id, str) else None
        if at is None:
            index[entry.id] = len(out)
            out.append(entry)
        elif entry.is_patch:
            out[at] = patch_entry(out[at], entry)
        else:
            out[at] = entry
    return out


def resolve_generated(generated: list[RuleEntry], explicit: list[RuleEntry], issues: list[Issue],
                      dropped: list[RuleEntry]) -> tuple[list[RuleEntry], list[RuleEntry]]:
    """Settle ids shared by a generated rule and an explicit one.

    The definition from the later file in merge order wins (a child overrides what its bases
    generate, and the other way round); an explicit rule without ``check`` patches the generated
    one. Both from the same file is a duplicate id.
    """
    by_id = {e.id: i for i, e in enumerate(generated)}
    gen = list(generated)
    replaced: set[int] = set()
    kept: list[RuleEntry] = []
    for entry in explicit:
        at = by_id.get(entry.id) if isinstance(entry.id, str) else None
        if at is None or at in replaced:
            kept.append(entry)
            continue
        target = gen[at]
        if entry.order == target.order:
            issues.append(duplicate_issue(entry, target))
            dropped.append(entry)
        elif entry.order > target.order:
            if entry.is_patch:
                gen[at] = patch_entry(target, entry)
            else:
                replaced.add(at)
                kept.append(entry)
        # else: the generated rule comes from a later file and replaces the explicit one
    return [g for i, g in enumerate(gen) if i not in replaced], kept
