"""Project-local plugins named in a ruleset's ``plugins:``: resolution, loading, caching, errors."""

from __future__ import annotations

import os
import textwrap

import pytest

from plugins_support import install_fake_dist, plugin_source
from rfsrules.errors import PluginError
from rfsrules.plugins.local import (
    PluginRefError, clear_caches, is_file_ref, load_plugin_file, manager_for_ruleset, manager_with_plugins,
    registry_with_plugins, resolve_plugin_refs,
)
from rfsrules.plugins.manager import PluginManager
from rfsrules.ruleset.model import Ruleset


@pytest.fixture
def base():
    """A manager with the built-ins and without installed plugins."""
    return PluginManager(entry_points=False, env={}).load()


@pytest.fixture
def project(tmp_path):
    """A project directory holding a ruleset directory with a local plugin file."""
    rules = tmp_path / "rules"
    (rules / "checks").mkdir(parents=True)
    (rules / "checks" / "even.py").write_text(plugin_source("local.even"))
    clear_caches()
    yield rules
    clear_caches()


@pytest.mark.parametrize("ref, expected", [
    ("acme_checks", False), ("acme.checks", False), ("checks/even.py", True), ("even.py", True),
    ("..\\x", True), ("./x", True),
])
def test_is_file_ref(ref, expected):
    assert is_file_ref(ref) is expected


def test_resolve_keeps_module_names_and_makes_files_absolute(project):
    refs = resolve_plugin_refs(["acme_checks", "checks/even.py", "./checks/../checks/even.py"], project)
    target = str((project / "checks" / "even.py").resolve())
    assert refs == ("acme_checks", target, target)


def test_resolve_reports_every_bad_entry_with_its_index(project, tmp_path):
    (tmp_path / "outside.py").write_text("")
    (project / "notes.txt").write_text("")
    with pytest.raises(PluginRefError) as err:
        resolve_plugin_refs(["ok_module", "../outside.py", "missing.py", "1bad-name", 42, "notes.txt/"], project)
    root = str(project.resolve())
    assert err.value.problems == [
        (1, f"plugin file '../outside.py' is outside the ruleset's directory {root!r}"),
        (2, f"plugin file 'missing.py' does not exist (looked for {str(project.resolve() / 'missing.py')!r})"),
        (3, "plugin '1bad-name' is not a valid Python module name (use a path ending in .py for a local file)"),
        (4, "plugins entry 42 must be a module name or a path to a .py file"),
        (5, "plugin file 'notes.txt/' must be a Python file ending in .py"),
    ]
    assert err.value.plugin == "../outside.py"
    assert isinstance(err.value, PluginError)


def test_resolve_allows_outside_files_when_asked_or_under_a_wider_root(project, tmp_path):
    (tmp_path / "shared.py").write_text("")
    expected = (str((tmp_path / "shared.py").resolve()),)
    assert resolve_plugin_refs(["../shared.py"], project, allow_outside_root=True) == expected
    assert resolve_plugin_refs(["../shared.py"], project, root=tmp_path) == expected


def test_local_file_checks_join_the_registry(project, base):
    refs = resolve_plugin_refs(["checks/even.py"], project)
    manager = manager_with_plugins(refs, base=base)
    spec = manager.checks.get("local.even")
    info = manager.plugins[-1]
    assert (info.kind, info.path, info.version) == ("file", refs[0], "1.2.3")
    assert spec.plugin == info.name
    assert "range" in manager.checks
    assert "local.even" not in base.checks
    assert manager_with_plugins(refs, base=base) is manager  # cached


def test_plugin_file_display_name_is_relative_to_the_working_directory(project, monkeypatch):
    monkeypatch.chdir(project)
    module, display = load_plugin_file(project / "checks" / "even.py")
    assert display == os.path.join("checks", "even.py")
    assert module.__version__ == "1.2.3"
    assert load_plugin_file("checks/even.py")[0] is module


def test_rewritten_plugin_file_is_loaded_again(project, base):
    path = project / "checks" / "even.py"
    refs = resolve_plugin_refs(["checks/even.py"], project)
    first = manager_with_plugins(refs, base=base)
    path.write_text(plugin_source("local.even", version="2.0.0") + "\n# changed\n")
    os.utime(path, ns=(1, 1))
    second = manager_with_plugins(refs, base=base)
    assert second is not first
    assert second.plugins[-1].version == "2.0.0"


def test_module_refs_are_imported(tmp_path, monkeypatch, base):
    (tmp_path / "acme_local_mod.py").write_text(plugin_source("mod.even"))
    monkeypatch.syspath_prepend(str(tmp_path))
    manager = manager_with_plugins(("acme_local_mod",), base=base)
    info = manager.plugin("acme_local_mod")
    assert (info.kind, info.module) == ("module", "acme_local_mod")
    assert manager.checks.get("mod.even").plugin == "acme_local_mod"


def test_entry_point_names_are_accepted_as_refs(tmp_path, monkeypatch, base):
    site = install_fake_dist(tmp_path / "site", "rfsrules-epref", "3.1", {"epref": "acme_epref_mod"},
                             {"acme_epref_mod.py": plugin_source("epref.even")})
    monkeypatch.syspath_prepend(str(site))
    manager = manager_with_plugins(("epref",), base=base)
    info = manager.plugin("epref")
    assert (info.kind, info.distribution, info.version) == ("entry_point", "rfsrules-epref", "3.1")


def test_refs_already_loaded_are_not_loaded_twice():
    installed = PluginManager(env={}).load()
    manager = manager_with_plugins(("pii", "rfsrules_pii"), base=installed)
    assert [p.name for p in manager.plugins] == [p.name for p in installed.plugins]


def test_import_errors_point_at_the_entry(project, base):
    (project / "broken.py").write_text("1 / 0\n")
    refs = resolve_plugin_refs(["checks/even.py", "broken.py", "acme_no_such_module_xyz"], project)
    with pytest.raises(PluginRefError) as err:
        manager_with_plugins(refs, base=base)
    problems = dict(err.value.problems)
    assert sorted(problems) == [1, 2]
    assert problems[1].endswith("failed in import: ZeroDivisionError: division by zero")
    assert problems[2] == ("plugin 'acme_no_such_module_xyz' failed in import: "
                           "ModuleNotFoundError: No module named 'acme_no_such_module_xyz'")


def test_clash_with_a_builtin_points_at_the_entry(project, base):
    (project / "clash.py").write_text(plugin_source("range"))
    refs = resolve_plugin_refs(["checks/even.py", "clash.py"], project)
    with pytest.raises(PluginRefError) as err:
        manager_with_plugins(refs, base=base)
    [(index, message)] = err.value.problems
    assert index == 1
    assert message.startswith("check 'range' is registered by both plugin 'rfsrules.checks.builtin.values' and plugin ")
    assert message.endswith("clash.py'")


def test_newer_api_in_a_local_file_is_reported(project, base):
    (project / "future.py").write_text(plugin_source("fut.x", api=99))
    refs = resolve_plugin_refs(["future.py"], project)
    with pytest.raises(PluginRefError) as err:
        manager_with_plugins(refs, base=base)
    assert err.value.problems[0][0] == 0
    assert "plugin requires rfsrules plugin API 99, but rfsrules 0.1.0 provides API 1" in err.value.problems[0][1]


def test_disabled_plugin_requested_by_a_ruleset_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "acme_disabled_mod.py").write_text(plugin_source("dmod.x"))
    monkeypatch.syspath_prepend(str(tmp_path))
    base = PluginManager(entry_points=False, disabled=["acme_disabled_mod"], env={}).load()
    with pytest.raises(PluginRefError) as err:
        manager_with_plugins(("acme_disabled_mod",), base=base)
    assert err.value.problems == [(0, "plugin 'acme_disabled_mod' failed in load: plugin 'acme_disabled_mod' is "
                                      "disabled (RFSRULES_DISABLE_PLUGINS or --disable-plugin) but was requested "
                                      "explicitly")]


def test_no_refs_returns_the_base(base):
    assert manager_with_plugins((), base=base) is base


def test_registry_with_plugins_resolves_against_base_dir(project, base):
    registry = registry_with_plugins(["checks/even.py"], project, base=base)
    assert "local.even" in registry and "required" in registry
    with pytest.raises(PluginRefError):
        registry_with_plugins(["../escape.py"], project, base=base)


def test_manager_for_ruleset_uses_its_resolved_plugins(project, base):
    refs = resolve_plugin_refs(["checks/even.py"], project)
    ruleset = Ruleset(name="r", version="1", source=str(project / "r.yaml"), plugins=refs)
    assert "local.even" in manager_for_ruleset(ruleset, base=base).checks
    assert manager_for_ruleset(Ruleset(name="r", version="1", source="x"), base=base) is base


def test_local_plugin_file_may_import_its_siblings_through_sys_path(project, base):
    (project / "helper_for_local_plugin.py").write_text("FACTOR = 3\n")
    (project / "uses_helper.py").write_text(textwrap.dedent('''
        import sys, pathlib
        sys.path.insert(0, str(pathlib.Path(__file__).parent))
        import helper_for_local_plugin
        sys.path.pop(0)
        FACTOR = helper_for_local_plugin.FACTOR
    '''))
    refs = resolve_plugin_refs(["uses_helper.py"], project)
    manager = manager_with_plugins(refs, base=base)
    assert manager.plugins[-1].registered == {}


LOADER_WIRING = ("the lead wires rfsrules.plugins.local into the loader (resolve_plugin_refs + "
                 "manager_with_plugins) and the runner (manager_for_ruleset); remove this marker then")
LOCAL_RULESET = """\
rfsrules: 1
name: local-plugins
version: 1.0.0
plugins:
  - checks/even.py
rules:
  - id: n-even
    check: local.even
    field: n
"""



def test_ruleset_plugins_are_usable_from_yaml(project):
    from rfsrules.runner import check

    (project / "local.yaml").write_text(LOCAL_RULESET)
    report = check([{"n": 1}, {"n": 2}, {"n": 3}], str(project / "local.yaml"), ref_time="2026-01-15T12:00:00Z")
    result = report.rule("n-even")
    assert (result.violations, [v.line for v in result.examples]) == (2, [1, 3])
    assert result.examples[0].message == "1 is odd"



def test_ruleset_plugin_problems_are_located_issues(project, tmp_path):
    from rfsrules.errors import RulesetError
    from rfsrules.ruleset.loader import load_ruleset

    (tmp_path / "outside.py").write_text("")
    (project / "bad.yaml").write_text(LOCAL_RULESET.replace("  - checks/even.py\n",
                                                            "  - checks/even.py\n  - ../outside.py\n"))
    with pytest.raises(RulesetError) as err:
        load_ruleset(str(project / "bad.yaml"))
    issue = err.value.issues[0]
    assert (issue.line, issue.col) == (6, 5)
    assert "outside the ruleset's directory" in issue.message
