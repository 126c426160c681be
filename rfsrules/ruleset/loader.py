"""Load ruleset files (format 1) into a validated ``Ruleset``, or collect every problem as located issues.

The pipeline: safe YAML with locations → ``${ENV}`` substitution → document schema → ``extends:``
merge → ``fields:`` expansion → each rule against its check (parameters, field mode, paths,
expressions) → the typed model. Problems of every stage are collected, so one run reports them all.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..checks.spec import CheckRegistry
from ..errors import Issue, RulesetError, did_you_mean
from ..paths import PathSyntaxError, parse_path
from . import codes
from .build import build_completion, build_quality, build_thresholds, check_quality
from .envsubst import substitute
from .expand import expand_fields
from .merge import RuleEntry, deep_merge, duplicate_issue, entries_from_list, merge_rule_lists, resolve_generated
from .model import FieldSpec, Ruleset, Span, frozen_mapping
from .schema import document_schema
from .semantic import DeclaredFields, RuleCompiler, inside_root, path_issue, resolve_relative
from .validation import make_validator, schema_issues
from .yamlsafe import DEFAULT_LIMITS, Loc, Pos, YamlLimits, parse_yaml

HEADER_KEYS = ("rfsrules", "name", "version", "description", "owner", "extends")
"""Keys taken from the extending file only (never inherited from a base)."""


@dataclass
class _State:
    """One file, or the merge of a file with everything it extends."""

    data: dict
    loc: Loc
    rules: list[RuleEntry] = field(default_factory=list)
    metadata_rules: list[RuleEntry] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)


class _Session:
    """One load: the files read so far, their merge order, and every issue found."""

    def __init__(self, registry: CheckRegistry, *, root: str | None, allow_outside_root: bool,
                 env: Mapping[str, str] | None, limits: YamlLimits):
        self.registry = registry
        self.root = os.path.realpath(root) if root is not None else None
        self.allow_outside_root = allow_outside_root
        self.env = os.environ if env is None else env
        self.limits = limits
        self.issues: list[Issue] = []
        self.unresolved: set[tuple[str, int, int]] = set()  # values whose ${VAR} could not be substituted
        self.order: dict[str, int] = {}  # display path -> merge order
        self.dirs: dict[str, str] = {}  # display path -> directory for relative paths
        self.loaded: dict[str, _State | None] = {}  # real path -> merged state (diamonds load once)
        # fields: attributes that failed the document schema (field -> attributes), left out of expansion
        self.bad_attrs: dict[str, dict[str, set[str]]] = {"rules": {}, "metadata_rules": {}}
        self.top = ""
        self.dropped: list[RuleEntry] = []
        self._validator: Any = None
        self.derive_plugins = False  # True when the registry is the process-wide one
        self.manager: Any = None  # the plugin manager the ruleset runs with (None: process-wide)
        self.plugin_refs: tuple[str, ...] | None = None
        self.broken_base = False  # an extends: file could not be loaded (already reported)

    def reportable_issues(self) -> list[Issue]:
        """The issues, without those that only repeat an unset ``${VAR}`` at the value it left empty."""
        return [i for i in self.issues
                if i.code == codes.ENV_VAR or (i.path, i.line, i.col) not in self.unresolved]

    # -- reading -------------------------------------------------------------------------------
    def read(self, real: str, display: str, where: Pos | None = None) -> str | None:
        """The text of a file, or None after recording why it cannot be read."""
        def fail(message: str, code: str = codes.YAML_ERROR) -> None:
            if where is not None:
                self.issues.append(Issue(where.file, where.line, where.col, message, codes.EXTENDS_ERROR))
            else:
                self.issues.append(Issue(display, 1, 1, message, code))

        try:
            size = os.stat(real).st_size
            if size > self.limits.max_bytes:
                fail(f"file is larger than the {self.limits.max_bytes // (1024 * 1024)} MiB limit", codes.LIMITS)
                return None
            with open(real, "rb") as fh:
                raw = fh.read(self.limits.max_bytes + 1)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            fail(f"cannot read {display}: {reason}" if where is not None else f"cannot read ruleset file: {reason}")
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start]
            line = before.count(b"\n") + 1
            col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
            self.issues.append(Issue(display, line, col,
                                     f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", codes.YAML_ERROR))
            return None

    def parse(self, text: str, display: str) -> tuple[Any, Loc] | None:
        """Data and locations of one file after YAML, ``${ENV}`` and the document schema."""
        try:
            data, loc = parse_yaml(text, display, self.limits)
        except RulesetError as exc:
            self.issues.extend(exc.issues)
            return None
        data, loc, env_issues, unresolved = substitute(data, loc, self.env)
        self.issues.extend(env_issues)
        self.unresolved.update((p.file, p.line, p.col) for p in unresolved)
        if display == self.top and self.derive_plugins and isinstance(data, dict):
            self.load_plugins(data, loc, display)
        if self._validator is None:
            self._validator = make_validator(document_schema(self.registry, {"type": "object"}))
        validator = self._validator
        for path, issue in schema_issues(validator, data, loc):
            self.issues.append(issue)
            if len(path) >= 3 and path[0] == "fields":
                self.bad_attrs["rules"].setdefault(path[1], set()).add(path[2])
            elif len(path) >= 4 and path[:2] == ("metadata_rules", "fields"):
                self.bad_attrs["metadata_rules"].setdefault(path[2], set()).add(path[3])
        if not isinstance(data, dict):
            return None
        return data, loc

    def load_plugins(self, data: dict, loc: Loc, display: str) -> None:
        """Load the top-level file's ``plugins:`` so their checks validate like built-ins."""
        refs = data.get("plugins")
        if not isinstance(refs, list) or not refs:
            return
        from ..plugins.local import PluginRefError, manager_with_plugins, resolve_plugin_refs

        base_dir = self.dirs.get(display) or self.root or os.getcwd()
        try:
            resolved = resolve_plugin_refs(refs, base_dir, root=self.root,
                                           allow_outside_root=self.allow_outside_root)
            self.manager = manager_with_plugins(resolved)
        except PluginRefError as exc:
            for index, message in exc.problems:
                if not isinstance(refs[index], str):
                    continue  # the document schema reports the entry's type at the same position
                pos = loc.locate(("plugins", index))
                self.issues.append(Issue(pos.file, pos.line, pos.col, message, codes.PLUGIN_ERROR))
            return
        self.plugin_refs = resolved
        self.registry = self.manager.checks
        self._validator = None

    # -- extends -------------------------------------------------------------------------------
    def load_tree(self, data: dict, loc: Loc, display: str, real: str | None, base_dir: str,
                  chain: tuple[str, ...]) -> _State:
        """The merge of a parsed file with the files it extends (bases first, left to right)."""
        self.dirs[display] = base_dir
        extends = data.get("extends")
        items = [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []
        merged: _State | None = None
        for index, rel in enumerate(items):
            if not isinstance(rel, str) or not rel:
                continue
            pos = loc.locate(("extends",) if isinstance(extends, str) else ("extends", index))
            base_state = self.load_base(rel, pos, display, base_dir, chain)
            if base_state is None:
                self.broken_base = True
            else:
                merged = base_state if merged is None else self.merge(merged, base_state)
        self.order.setdefault(display, len(self.order))
        own = self.own_state(data, loc, display)
        return own if merged is None else self.merge(merged, own)

    def load_base(self, rel: str, pos: Pos, display: str, base_dir: str, chain: tuple[str, ...]) -> _State | None:
        real = os.path.realpath(os.path.join(base_dir, rel))
        base_display = os.path.normpath(os.path.join(os.path.dirname(display), rel)) \
            if display != "<string>" else os.path.normpath(os.path.join(base_dir, rel))
        if not self.allow_outside_root and self.root is not None and not inside_root(real, self.root):
            self.issues.append(Issue(pos.file, pos.line, pos.col,
                                     f"extends: {rel!r} resolves outside the project root {self.root} "
                                     "(files outside it are refused unless --allow-outside-root is given, or --root names a directory holding them)",
                                     codes.EXTENDS_ERROR))
            return None
        if real in chain:
            names = [os.path.basename(c) for c in chain[chain.index(real):]] + [os.path.basename(real)]
            self.issues.append(Issue(pos.file, pos.line, pos.col,
                                     f"extends cycle: {' -> '.join(names)}", codes.EXTENDS_ERROR))
            return None
        if real in self.loaded:
            return self.loaded[real]
        if not os.path.isfile(real):
            self.issues.append(Issue(pos.file, pos.line, pos.col,
                                     f"extends: cannot read {rel!r}: file not found (looked for {real})",
                                     codes.EXTENDS_ERROR))
            return None
        text = self.read(real, base_display, pos)
        parsed = None if text is None else self.parse(text, base_display)
        state = None
        if parsed is not None:
            state = self.load_tree(parsed[0], parsed[1], base_display, real, os.path.dirname(real), chain + (real,))
        self.loaded[real] = state
        return state

    def own_state(self, data: dict, loc: Loc, display: str) -> _State:
        """A file's own contribution: its sections, and its rules as entries."""
        order = self.order[display]
        origin = "rules" if display == self.top else f"extends:{display}"
        meta_origin = "metadata_rules" if display == self.top else origin
        rules = entries_from_list(data.get("rules"), loc.child("rules"), section_path=("rules",), order=order,
                                  origin=origin, section="rules", issues=self.issues, dropped=self.dropped)
        meta = data.get("metadata_rules")
        meta_loc = loc.child("metadata_rules")
        meta_rules = []
        if isinstance(meta, dict) and meta_loc is not None:
            meta_rules = entries_from_list(meta.get("rules"), meta_loc.child("rules"),
                                           section_path=("metadata_rules", "rules"), order=order,
                                           origin=meta_origin, section="metadata_rules", issues=self.issues,
                                           dropped=self.dropped)
        plugins = [p for p in data.get("plugins") or [] if isinstance(p, str)] \
            if isinstance(data.get("plugins"), list) else []
        sections, sections_loc = _without_rules(data, loc)
        return _State(sections, sections_loc, rules, meta_rules, plugins)

    @staticmethod
    def merge(base: _State, child: _State) -> _State:
        data, loc = deep_merge(base.data, base.loc, child.data, child.loc)
        return _State(data, loc, merge_rule_lists(base.rules, child.rules),
                      merge_rule_lists(base.metadata_rules, child.metadata_rules),
                      list(dict.fromkeys(base.plugins + child.plugins)))

    # -- the model -----------------------------------------------------------------------------
    def order_of(self, file: str) -> int:
        return self.order.get(file, len(self.order))

    def origin_of(self, section: str, file: str) -> str:
        if file != self.top:
            return f"extends:{file}"
        return "fields" if section == "rules" else "metadata_rules"

    def resolve_file(self, value: str, pos: Pos) -> tuple[str | None, str | None]:
        base_dir = self.dirs.get(pos.file, os.getcwd())
        return resolve_relative(value, base_dir, None if self.allow_outside_root else self.root)

    def build(self, top: dict, state: _State, source: str) -> Ruleset | None:
        """The ``Ruleset`` of the merged state; None when any issue was found (they are in ``issues``)."""
        data, loc = state.data, state.loc
        declared: dict[str, DeclaredFields | None] = {}
        generated: dict[str, list[RuleEntry]] = {}
        field_specs: list[FieldSpec] = []
        for section, fields_path, prefix in (("rules", ("fields",), ""),
                                             ("metadata_rules", ("metadata_rules", "fields"), "metadata.")):
            fields, fields_loc = _get(data, loc, fields_path)
            skip = self.check_field_keys(fields, fields_loc)
            if isinstance(fields, dict) and fields:
                declared[section] = DeclaredFields(fields)
            if section == "rules":
                field_specs = _field_specs(fields, fields_loc, skip)
            generated[section] = expand_fields(
                fields, fields_loc, id_prefix=prefix, section_path=fields_path, section=section,
                order_of=self.order_of, origin_of=lambda f, s=section: self.origin_of(s, f),
                skip=skip, bad_attrs=self.bad_attrs[section], issues=self.issues)
        gen_rules, rules = resolve_generated(generated["rules"], state.rules, self.issues, self.dropped)
        gen_meta, meta_rules = resolve_generated(generated["metadata_rules"], state.metadata_rules, self.issues,
                                                 self.dropped)
        entries = _dedupe_ids(gen_rules + rules, gen_meta + meta_rules, self.issues, self.dropped)
        compiler = RuleCompiler(self.registry, declared, self.resolve_file)
        built: dict[str, list] = {"rules": [], "metadata_rules": []}
        known_ids = [e.id for e in entries if isinstance(e.id, str) and not e.is_patch]
        for entry in entries:
            found: list[Issue] = []
            rule = compiler.compile(entry, found)
            if entry.is_patch:
                found = self.unmatched_patch(entry, found, known_ids if top.get("extends") else None)
            self.issues.extend(found)
            if rule is not None:
                built[entry.section].append(rule)
        compiled = {(id(e.data), e.section) for e in entries}
        for entry in self.dropped:  # left out as duplicates; still report their other problems
            if (id(entry.data), entry.section) in compiled:
                continue  # an alias of a rule already compiled: the same problems at the same places
            compiled.add((id(entry.data), entry.section))
            found = []
            compiler.compile(entry, found)
            if entry.is_patch:  # a repeated override: the duplicate id is its problem, not a missing check
                found = [i for i in found if not _is_missing_check(i, entry)]
            self.issues.extend(found)
        record_id = self.record_id(data, loc)
        check_quality(data.get("quality"), loc.child("quality"), self.issues)
        if self.issues:
            return None
        meta = data.get("metadata_rules") or {}
        extends = top.get("extends")
        raw = {k: top[k] for k in HEADER_KEYS if k in top}
        raw.update(data)
        raw["rules"] = [e.data for e in rules]
        if state.plugins:
            raw["plugins"] = list(state.plugins)
        if meta or meta_rules:
            raw["metadata_rules"] = {**meta, "rules": [e.data for e in meta_rules]}
        return Ruleset(
            name=top["name"],
            version=top["version"],
            source=source,
            format_version=top["rfsrules"],
            description=top.get("description"),
            owner=top.get("owner"),
            record_id=record_id,
            fields=tuple(field_specs),
            rules=tuple(built["rules"]),
            metadata_rules=tuple(built["metadata_rules"]),
            quality=build_quality(data.get("quality")),
            thresholds=build_thresholds(data.get("thresholds")),
            completion=build_completion(meta.get("completion")),
            anomalies=frozen_mapping(data.get("anomalies")),
            alerts=frozen_mapping(data.get("alerts")),
            report=frozen_mapping(data.get("report")),
            plugins=tuple(state.plugins),
            extends=tuple([extends] if isinstance(extends, str) else extends or []),
            raw=frozen_mapping(raw),
        )

    def unmatched_patch(self, entry: RuleEntry, found: list[Issue], known_ids: list[str] | None) -> list[Issue]:
        """``found`` without the missing ``check`` of a rule that may change a rule of a base that
        could not be loaded (the base's problem is reported; the override is not wrong by itself); in a
        file that extends others, that issue says no base rule has the id (with a close match, if any)."""
        if self.broken_base:
            return [i for i in found if not _is_missing_check(i, entry)]
        if known_ids is None or not isinstance(entry.id, str):
            return found
        close = did_you_mean(entry.id, known_ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return [dataclasses.replace(i, message=f"{i.message} (no rule of the extended rulesets has the id {entry.id!r}{hint})")
                if _is_missing_check(i, entry) else i for i in found]

    def check_field_keys(self, fields: Any, fields_loc: Loc | None) -> set[str]:
        """Names under ``fields:`` that are not valid field paths (reported, then skipped)."""
        bad: set[str] = set()
        if not isinstance(fields, dict) or fields_loc is None:
            return bad
        for name in fields:
            try:
                parse_path(name)
            except PathSyntaxError as exc:
                bad.add(name)
                self.issues.append(path_issue(fields_loc.key_pos(name) or fields_loc.pos, name, exc))
        return bad

    def record_id(self, data: dict, loc: Loc):
        text = data.get("record_id", "id")
        if not isinstance(text, str) or not text:
            return parse_path("id")
        try:
            return parse_path(text)
        except PathSyntaxError as exc:
            self.issues.append(path_issue(loc.locate(("record_id",)), text, exc))
            return None


def _is_missing_check(issue: Issue, entry: RuleEntry) -> bool:
    """True for the schema's ``missing required key 'check'`` of ``entry`` itself."""
    pos = entry.loc.pos
    return issue.message == "missing required key 'check'" and (issue.path, issue.line, issue.col) == tuple(pos[:3])


def _field_specs(fields: Any, fields_loc: Loc | None, skip: set[str]) -> list[FieldSpec]:
    """``FieldSpec`` of each valid ``fields:`` entry, as written (after merging)."""
    if not isinstance(fields, dict) or fields_loc is None:
        return []
    out = []
    for name, attrs in fields.items():
        if name not in skip and (attrs is None or isinstance(attrs, dict)):
            pos = fields_loc.key_pos(name) or fields_loc.pos
            out.append(FieldSpec(parse_path(name), frozen_mapping(attrs or {}), Span(pos.file, pos.line, pos.col)))
    return out


def _get(data: Any, loc: Loc, path: tuple) -> tuple[Any, Loc | None]:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None, None
        data, loc = data[part], loc.child(part) if loc is not None else None
    return data, loc


def _without_rules(data: dict, loc: Loc) -> tuple[dict, Loc]:
    """A file's sections without its rule lists and header keys (those are merged separately)."""
    out = {k: v for k, v in data.items() if k not in ("rules", "plugins") and k not in HEADER_KEYS}
    children = {k: v for k, v in (loc.children or {}).items() if k in out} if isinstance(loc.children, dict) else {}
    keys = {k: v for k, v in (loc.keys or {}).items() if k in out}
    meta = out.get("metadata_rules")
    if isinstance(meta, dict) and "rules" in meta:
        out["metadata_rules"] = {k: v for k, v in meta.items() if k != "rules"}
        meta_loc = children.get("metadata_rules")
        if meta_loc is not None and isinstance(meta_loc.children, dict):
            children["metadata_rules"] = Loc(meta_loc.pos, {k: v for k, v in meta_loc.children.items() if k != "rules"},
                                             {k: v for k, v in (meta_loc.keys or {}).items() if k != "rules"})
    return out, Loc(loc.pos, children, keys)


def _dedupe_ids(rules: list[RuleEntry], meta: list[RuleEntry], issues: list[Issue],
                dropped: list[RuleEntry]) -> list[RuleEntry]:
    """All entries with ids unique across ``rules`` and ``metadata_rules``; later repeats are reported."""
    seen: dict[str, RuleEntry] = {}
    out: list[RuleEntry] = []
    for entry in rules + meta:
        if isinstance(entry.id, str):
            if entry.id in seen:
                issues.append(duplicate_issue(entry, seen[entry.id]))
                dropped.append(entry)
                continue
            seen[entry.id] = entry
        out.append(entry)
    return out


def _registry(registry: CheckRegistry | None) -> CheckRegistry:
    if registry is not None:
        return registry
    from ..plugins.manager import default_registry

    return default_registry()


def _finish(session: _Session, parsed: tuple[Any, Loc] | None, display: str, real: str | None,
            base_dir: str, source: str, notify: bool = True) -> Ruleset:
    ruleset = None
    if parsed is not None:
        data, loc = parsed
        chain = (real,) if real is not None else ()
        state = session.load_tree(data, loc, display, real, base_dir, chain)
        ruleset = session.build(data, state, source)
    if ruleset is None or session.issues:
        raise RulesetError(_unique(session.reportable_issues()))
    if session.plugin_refs is not None:
        ruleset = dataclasses.replace(ruleset, plugins=session.plugin_refs)
    if session.derive_plugins and notify:
        from ..plugins.manager import get_plugin_manager

        (session.manager or get_plugin_manager()).notify_ruleset_loaded(ruleset)
    return ruleset


def _unique(issues: Iterable[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def load_ruleset(path: str | os.PathLike, *, registry: CheckRegistry | None = None, root: str | None = None,
                 allow_outside_root: bool = False, env: Mapping[str, str] | None = None,
                 limits: YamlLimits = DEFAULT_LIMITS) -> Ruleset:
    """Load and validate a ruleset file, merging the files it ``extends:``.

    :param path: the ruleset file; issues name it as given.
    :param registry: the checks (default: the process-wide registry with plugins).
    :param root: ``extends:`` and file parameters may not leave this directory (default: the
        directory of ``path``) unless ``allow_outside_root``.
    :param env: variables for ``${VAR}`` substitution (default: ``os.environ``).
    :raises RulesetError: with every issue found, each located at ``path:line:col``.
    """
    return _load_file(path, registry, root=root, allow_outside_root=allow_outside_root, env=env, limits=limits)


def _load_file(path: str | os.PathLike, registry: CheckRegistry | None, *, root: str | None,
               allow_outside_root: bool, env: Mapping[str, str] | None, limits: YamlLimits = DEFAULT_LIMITS,
               notify: bool = True) -> Ruleset:
    """:func:`load_ruleset`; ``notify=False`` loads without the ``rfsrules_ruleset_loaded`` hook (lint)."""
    display = os.fspath(path)
    real = os.path.realpath(display)
    base_dir = os.path.dirname(real)
    session = _Session(_registry(registry), root=root if root is not None else base_dir,
                       allow_outside_root=allow_outside_root, env=env, limits=limits)
    session.top = display
    session.derive_plugins = registry is None
    session.dirs[display] = base_dir
    text = session.read(real, display)
    parsed = None if text is None else session.parse(text, display)
    return _finish(session, parsed, display, real, base_dir, display, notify)


def load_ruleset_text(text: str, *, path: str = "<string>", registry: CheckRegistry | None = None,
                      env: Mapping[str, str] | None = None, base_dir: str | None = None,
                      root: str | None = None, allow_outside_root: bool = False,
                      limits: YamlLimits = DEFAULT_LIMITS) -> Ruleset:
    """Load and validate a ruleset given as text; ``path`` is only used to name it in issues.

    Relative ``extends:`` and file parameters resolve against ``base_dir`` (default: the current
    directory), which is also the default root.
    """
    directory = os.path.realpath(base_dir if base_dir is not None else os.getcwd())
    session = _Session(_registry(registry), root=root if root is not None else directory,
                       allow_outside_root=allow_outside_root, env=env, limits=limits)
    session.top = path
    session.derive_plugins = registry is None
    session.dirs[path] = directory
    parsed = session.parse(text, path)
    return _finish(session, parsed, path, None, directory, path)


def lint_files(paths: Iterable[str | os.PathLike], *, registry: CheckRegistry | None = None,
               root: str | None = None, allow_outside_root: bool = False,
               env: Mapping[str, str] | None = None) -> list[Issue]:
    """Every issue of every file (and of the files they extend); never raises for ruleset problems.

    A file that cannot be read becomes an issue at its line 1, column 1. Without ``registry`` each
    file is validated as ``rfsrules check`` loads it: with the process-wide plugins plus its own
    ``plugins:`` (whose problems are issues too), but no lifecycle hook is called.
    """
    found: list[Issue] = []
    for path in paths:
        try:
            _load_file(path, registry, root=root, allow_outside_root=allow_outside_root, env=env, notify=False)
        except RulesetError as exc:
            found.extend(exc.issues)
    return sorted(_unique(found), key=lambda i: (i.path, i.line, i.col, i.code, i.message))
