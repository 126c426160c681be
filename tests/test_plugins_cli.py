"""``rfsrules plugins``: the listing of plugins, versions and registrations, in text and JSON."""

from __future__ import annotations

import json
import os

import pytest
import typer
from typer.testing import CliRunner

from plugins_support import install_fake_dist, plugin_source
from rfsrules.cli.plugins_cmd import NAME, command, plugins_command
from rfsrules.plugins.info import load_warnings, plugins_listing
from rfsrules.plugins.manager import PluginManager, configure_plugins

BUILTINS_ONLY = """\
rfsrules 0.1.0 (plugin API 1)

rfsrules.checks.builtin.presence 0.1.0 (built-in, from rfsrules)
    checks: not_null, required
rfsrules.checks.builtin.values 0.1.0 (built-in, from rfsrules)
    checks: in, length, max_age, not_in, pattern, range, type
rfsrules.checks.builtin.records 0.1.0 (built-in, from rfsrules)
    checks: expression, json_schema, unique
rfsrules.checks.builtin.batch 0.1.0 (built-in, from rfsrules)
    checks: duplicate_rate, null_rate, row_count, statistic
rfsrules.engines.python 0.1.0 (built-in, from rfsrules)
    engines: python
rfsrules.engines.duckdb 0.1.0 (built-in, from rfsrules)
    engines: duckdb
"""


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    app.command(NAME)(command)
    return app


@pytest.fixture
def invoke():
    app = make_app()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["plugins", *args])
    configure_plugins()


def test_command_module_follows_the_app_convention():
    assert NAME == "plugins" and command is plugins_command


def test_text_listing_of_builtins_only(invoke):
    configure_plugins(no_plugins=True)
    result = invoke()
    assert result.exit_code == 0, result.output
    assert result.stdout == BUILTINS_ONLY


def test_text_listing_shows_installed_plugins_with_versions(invoke):
    result = invoke("--format", "text")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    pii = lines.index("pii 0.1.0 (installed, from rfsrules-pii, module rfsrules_pii)")
    assert lines[pii + 1] == ("    checks: pii.credit_card_masked, pii.email_masked, pii.iban_masked, "
                              "pii.no_pii, pii.phone_masked")
    geo = lines.index("geo 0.1.0 (installed, from rfsrules-geo, module rfsrules_geo)")
    assert lines[geo + 1] == ("    checks: geo.coordinate_pair, geo.coordinates, geo.country_code, "
                              "geo.latitude, geo.longitude, geo.point_in_bbox")


def test_json_listing(invoke):
    result = invoke("--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["format"], data["rfsrules"], data["plugin_api"]) == ("rfsrules.plugins/1", "0.1.0", 1)
    assert data["errors"] == [] and data["conflicts"] == []
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["pii"] == {
        "name": "pii", "kind": "entry_point", "module": "rfsrules_pii", "distribution": "rfsrules-pii",
        "version": "0.1.0", "api": 1, "path": None,
        "registers": {"checks": ["pii.credit_card_masked", "pii.email_masked", "pii.iban_masked",
                                 "pii.no_pii", "pii.phone_masked"],
                      "engines": [], "detectors": [], "channels": [], "templates": []},
        "hooks": ["rfsrules_register_checks"],
    }
    assert by_name["rfsrules.engines.python"]["registers"]["engines"] == ["python"]


def test_disabled_plugins_are_not_listed(invoke):
    configure_plugins(disabled=["no:pii"])
    result = invoke("-f", "json")
    names = [p["name"] for p in json.loads(result.stdout)["plugins"]]
    assert "pii" not in names and "geo" in names


def test_broken_and_clashing_plugins_are_listed_and_exit_2(invoke, tmp_path, monkeypatch):
    site = tmp_path / "site"
    install_fake_dist(site, "rfsrules-broken", "0.1", {"broken": "acme_cli_missing"})
    install_fake_dist(site, "rfsrules-twin-a", "1.0", {"twin_a": "acme_cli_twin_a"},
                      {"acme_cli_twin_a.py": plugin_source("twin.check")})
    install_fake_dist(site, "rfsrules-twin-b", "2.0", {"twin_b": "acme_cli_twin_b"},
                      {"acme_cli_twin_b.py": plugin_source("twin.check")})
    monkeypatch.syspath_prepend(str(site))
    result = invoke()
    assert result.exit_code == 2
    out = result.stdout
    assert "twin_a 1.0 (installed, from rfsrules-twin-a, module acme_cli_twin_a)\n    checks: twin.check\n" in out
    assert out.endswith(
        "failed to load:\n"
        "    broken: import: ModuleNotFoundError: No module named 'acme_cli_missing'\n"
        "\n"
        "conflicts (the first registration is used):\n"
        "    check 'twin.check' is registered by both plugin 'twin_a' and plugin 'twin_b'\n")
    data = json.loads(invoke("--format", "json").stdout)
    assert data["errors"] == [{"plugin": "broken", "hook": "import",
                               "message": "ModuleNotFoundError: No module named 'acme_cli_missing'"}]
    assert data["conflicts"] == [{"kind": "check", "name": "twin.check", "first": "twin_a", "second": "twin_b",
                                  "message": "check 'twin.check' is registered by both plugin 'twin_a' "
                                             "and plugin 'twin_b'"}]


def test_unknown_format_is_a_usage_error(invoke):
    result = invoke("--format", "yaml")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: unknown format 'yaml' for plugins (choose from text, json)\n"


def test_load_warnings_lines(tmp_path, monkeypatch):
    site = install_fake_dist(tmp_path / "site", "rfsrules-gone", "0.1", {"gone": "acme_cli_gone"})
    monkeypatch.syspath_prepend(str(site))
    manager = PluginManager(builtins=(), env={}).load()
    assert load_warnings(manager) == [
        "warning: plugin 'gone' was not loaded (import): ModuleNotFoundError: No module named 'acme_cli_gone'"]
    assert plugins_listing(manager)["errors"][0]["plugin"] == "gone"


def test_local_plugin_files_are_listed_with_their_path(tmp_path):
    from rfsrules.plugins.info import render_text

    path = tmp_path / "local_checks.py"
    path.write_text(plugin_source("local.x", version="0.3"))
    manager = PluginManager(builtins=(), entry_points=False, env={}, extra_files=[str(path)]).load()
    text = render_text(plugins_listing(manager))
    assert f"{path} 0.3 (ruleset file)\n    checks: local.x\n" in text


def test_real_cli_lists_plugins_and_honours_the_global_options():
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "rfsrules", *args], capture_output=True, text=True,
                              env={**os.environ, "RFSRULES_DISABLE_PLUGINS": "", "RFSRULES_NO_PLUGINS": ""})

    only = run("--no-plugins", "plugins")
    assert (only.returncode, only.stdout, only.stderr) == (0, BUILTINS_ONLY, "")
    listed = run("-p", "no:pii", "plugins", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    names = [p["name"] for p in json.loads(listed.stdout)["plugins"]]
    assert "pii" not in names and "geo" in names
