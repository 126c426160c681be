"""Every ```yaml block in README.md and docs/*.md is a valid ruleset; ```yaml fragment blocks are valid YAML.

A fragment that is a single rule mapping (it has ``check:``) is validated as a rule inside a minimal
ruleset. Blocks in other languages are not YAML examples and are not collected.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[A-Za-z0-9_+-]*)(?P<info>[^`\n]*)$")
MINIMAL_HEADER = "rfsrules: 1\nname: docs-fragment\nversion: 0.0.0\n"


@dataclass(frozen=True)
class Block:
    """One fenced YAML block of a Markdown file."""

    doc: str
    line: int  # 1-based line of the opening fence
    fragment: bool
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def yaml_blocks(path: Path, root: Path = ROOT) -> list[Block]:
    """The ```yaml / ```yml blocks of ``path``; an unclosed fence is an error, never skipped."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = str(path.relative_to(root))
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent = i, len(m.group("indent"))
        lang, info = m.group("lang").lower(), m.group("info").split()
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{rel}:{start + 1}: unclosed code fence")
        i += 1
        if lang in ("yaml", "yml"):
            blocks.append(Block(rel, start + 1, "fragment" in info, "\n".join(body) + "\n"))
    return blocks


ALL_BLOCKS = [b for p in doc_files() if p.exists() for b in yaml_blocks(p)]


def test_docs_have_yaml_examples():
    docs = {b.doc for b in ALL_BLOCKS}
    assert "README.md" in docs
    assert len(ALL_BLOCKS) >= 3


def _load(text: str, where: str):
    from rfsrules.errors import RulesetError
    from rfsrules.ruleset.loader import load_ruleset_text

    try:
        return load_ruleset_text(text, path=where, base_dir=ROOT)
    except RulesetError as exc:
        pytest.fail(f"{where}: the example is not a valid ruleset:\n" + "\n".join(str(i) for i in exc.issues))


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if not b.fragment], ids=lambda b: b.where)
def test_full_ruleset_blocks_load_without_issues(block):
    ruleset = _load(block.text, block.where)
    assert ruleset.name


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.fragment], ids=lambda b: b.where)
def test_fragment_blocks_are_valid_yaml(block):
    data = YAML(typ="safe", pure=True).load(block.text)
    assert data is not None, f"{block.where}: empty YAML fragment"
    if isinstance(data, dict) and "check" in data:
        rule = "rules:\n" + textwrap.indent(block.text.rstrip("\n"), "    ").replace("    ", "  - ", 1) + "\n"
        ruleset = _load(MINIMAL_HEADER + rule, block.where)
        assert len(ruleset.rules) >= 1


def test_block_finder_handles_fragments_and_indentation(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("text\n```yaml\na: 1\n```\n- item\n  ```yaml fragment\n  b: 2\n  ```\n```json\n{}\n```\n")
    blocks = yaml_blocks(doc, tmp_path)
    assert [(b.line, b.fragment, b.text) for b in blocks] == [(2, False, "a: 1\n"), (6, True, "b: 2\n")]
