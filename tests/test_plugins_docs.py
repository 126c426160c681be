"""Meta-tests of the plugin API: every hook is specified, documented with its real signature and tested."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from plugins_support import install_fake_dist
from rfsrules.plugins import docgen, hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"
HOOKS = docgen.hook_functions()
HOOK_IDS = [f.__name__ for f in HOOKS]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_hooks_are_grouped_by_phase():
    names = set(HOOK_IDS)
    assert names == set(hookspecs.REGISTRATION_HOOKS) | set(hookspecs.LIFECYCLE_HOOKS)
    assert len(HOOKS) == 9
    source = inspect.getsource(hookspecs)
    assert source.index("# --- registration") < source.index("def rfsrules_register_checks")
    assert source.index("# --- lifecycle") < source.index("def rfsrules_ruleset_loaded")
    assert all(name.startswith("rfsrules_") for name in names)


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_IDS)
def test_hookspec_docstring_is_complete(hook):
    doc = inspect.getdoc(hook)
    assert doc and doc.splitlines()[0].endswith("."), hook.__name__
    for param in inspect.signature(hook).parameters:
        assert f":param {param}:" in doc, (hook.__name__, param)
    assert ":returns:" in doc
    assert "Example::" in doc and "@hookimpl" in doc
    assert ".. versionadded:: 0.1" in doc


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_IDS)
def test_every_hook_is_documented_with_its_real_signature(hook):
    text = DOC.read_text(encoding="utf-8")
    heading = f"#### `{hook.__name__}`"
    assert heading in text, f"{hook.__name__} is not documented in docs/plugins.md"
    section = text[text.index(heading):]
    block = python_blocks(section)[0]
    assert block.strip() == docgen.hook_signature(hook)
    assert docgen.hook_signature(hook).startswith(f"def {hook.__name__}(")


def test_signature_rendering_matches_the_source():
    assert docgen.hook_signature(hookspecs.rfsrules_register_checks) == "def rfsrules_register_checks() -> list[CheckSpec]"
    assert docgen.hook_signature(hookspecs.rfsrules_alert_before_send) == (
        "def rfsrules_alert_before_send(alert: MutableMapping[str, Any], channel: str) -> bool | None")


def test_generated_hook_reference_is_up_to_date():
    assert docgen.update_doc(DOC, check=True) is False, \
        "run: python -m rfsrules.plugins.docgen docs/plugins.md"


def test_every_hook_has_its_own_test():
    tests = set()
    for path in sorted((ROOT / "tests").glob("test_hook_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                  and node.name.startswith("test_hook_")}
    assert tests == {f"test_hook_{name}" for name in HOOK_IDS}


def test_docgen_check_mode_and_markers(tmp_path):
    stale = tmp_path / "p.md"
    stale.write_text(f"intro\n{docgen.BEGIN}\nold\n{docgen.END}\nend\n")
    assert docgen.main([str(stale), "--check"]) == 1
    assert docgen.main([str(stale)]) == 0
    assert docgen.main([str(stale), "--check"]) == 0
    text = stale.read_text()
    assert text.startswith(f"intro\n{docgen.BEGIN}\n\n### Registration hooks\n") and text.endswith(f"{docgen.END}\nend\n")
    (tmp_path / "none.md").write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        docgen.update_doc(tmp_path / "none.md")


def test_firstresult_is_documented():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("#### `rfsrules_alert_before_send`"):]
    assert "*firstresult*" in section.split("#### ")[1]


def test_the_ten_minute_plugin_works(tmp_path):
    """The walk-through's pyproject, module and tests, installed as a distribution, pass under pytest."""
    text = DOC.read_text(encoding="utf-8")
    toml = re.search(r"^```toml\n(.*?)^```$", text, flags=re.S | re.M).group(1)
    project = tomllib.loads(toml)["project"]
    blocks = python_blocks(text)
    module = next(b for b in blocks if 'name="acme.slug"' in b and "@hookimpl" in b)
    tests = next(b for b in blocks if "def test_slug_rejects_spaces" in b)
    site = tmp_path / "site"
    install_fake_dist(site, project["name"], project["version"], project["entry-points"]["rfsrules"])
    (site / "rfsrules_acme").mkdir()
    (site / "rfsrules_acme" / "__init__.py").write_text(module)
    (tmp_path / "test_acme_slug.py").write_text(tests)
    env = {**os.environ, "PYTHONPATH": str(site), "RFSRULES_DISABLE_PLUGINS": "", "RFSRULES_NO_PLUGINS": ""}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_acme_slug.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
    listing = subprocess.run([sys.executable, "-m", "rfsrules", "plugins"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert "acme 0.1.0 (installed, from rfsrules-acme, module rfsrules_acme)\n    checks: acme.slug\n" in listing.stdout
