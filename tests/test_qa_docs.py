"""The documentation against the product: what README.md and docs/*.md claim, checked on the real CLI.

Options and commands of every ``--help`` are documented in docs/cli.md (and the other way round), links
between pages resolve, the defaults and limits the pages quote are the code's, and worked examples
(quality.md, output-formats.md, engines.md, rulesets.md) give the output the pages show.
"""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rfsrules.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REF = "2026-01-15T12:00:00Z"
SUBCOMMANDS = ("check", "lint", "schema", "explain", "plugins", "version")


def doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def errors(result) -> list[str]:
    """stderr lines, without warnings about installed plugins that failed to load (not this test's)."""
    return [line for line in result.stderr.splitlines() if not line.startswith("rfsrules: warning: plugin ")]


@pytest.fixture()
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("RFSRULES_DEBUG", raising=False)


# --- every option of every --help is documented in docs/cli.md, and vice versa ------------------

def help_text(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.stdout


def help_options(text: str) -> set[str]:
    """Option names (``-r``, ``--ruleset``) of a help page: only lines that start an option entry."""
    section = text.split("Options:", 1)[1]
    names: set[str] = set()
    for line in section.splitlines():
        m = re.match(r"^  (-[\w-]+(?:, -[\w-]+)*)", line)
        if m:
            names.update(n.strip() for n in m.group(1).split(","))
    return names


def help_commands(text: str) -> set[str]:
    section = text.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^  ([a-z][\w-]*)\s", section, re.M)}


def mentioned(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def cli_section(title: str) -> str:
    """The text of ``## title`` in docs/cli.md, up to the next ``## `` heading."""
    text = doc("docs/cli.md")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def table_options(section: str) -> set[str]:
    """Option names in the first cell of each row of the Markdown tables of ``section``."""
    names: set[str] = set()
    for m in re.finditer(r"^\| `([^`]+)` \|", section, re.M):
        for part in m.group(1).split(","):
            token = part.strip().split(" ")[0]
            if token.startswith("-"):
                names.add(token)
    return names


def test_help_parsers_find_the_options():
    opts = help_options(help_text("check"))
    assert {"-r", "--ruleset", "--fail-on", "-h", "--help", "--max-line-bytes"} <= opts
    assert "--metadata" in opts and "--keep-going" in opts
    assert help_commands(help_text()) == set(SUBCOMMANDS)


def test_every_command_is_in_the_command_table():
    table = doc("docs/cli.md").split("Global options", 1)[0]
    listed = set(re.findall(r"`rfsrules ([a-z]+)", table))
    assert listed == set(SUBCOMMANDS)


def test_global_options_table_is_the_program_help():
    section = doc("docs/cli.md").split("Global options", 1)[1].split("\n## ", 1)[0]
    assert table_options(section) == help_options(help_text())


def test_check_options_table_is_the_check_help():
    documented = table_options(cli_section("rfsrules check"))
    actual = help_options(help_text("check")) - {"-h", "--help"}
    assert documented == actual, (documented - actual, actual - documented)


@pytest.mark.parametrize("command", ["lint", "schema", "explain", "plugins", "version"])
def test_every_option_of_a_command_is_documented(command):
    """Each option is named in the command's own section (its row of the command table for the
    commands without a section); ``-h``/``--help`` and ``--debug`` are documented once for all."""
    text = doc("docs/cli.md")
    if f"\n## rfsrules {command}\n" in text:
        where = cli_section(f"rfsrules {command}")
    else:
        where = next(line for line in text.splitlines() if line.startswith(f"| `rfsrules {command}"))
    common = {"-h", "--help", "--debug"}
    assert mentioned("-h", text) and mentioned("--help", text) and mentioned("--debug", text)
    missing = [o for o in sorted(help_options(help_text(command)) - common) if not mentioned(o, where)]
    assert not missing, f"rfsrules {command}: {missing} not in its part of docs/cli.md"


@pytest.mark.parametrize("command", ["lint", "schema", "explain"])
def test_documented_synopsis_options_exist(command):
    block = re.search(rf"```text\n(rfsrules {command} .*?)```", cli_section(f"rfsrules {command}"), re.S)
    assert block, command
    documented = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", block.group(1)))
    assert documented <= help_options(help_text(command)), documented - help_options(help_text(command))


def test_help_defaults_are_the_documented_defaults():
    check_help = help_text("check")
    table = cli_section("rfsrules check")
    assert "[default: high]" in check_help and "| `--fail-on low\\|medium\\|high\\|critical\\|none` | `high` |" in table
    assert "[default: auto]" in check_help and "| `-e, --engine NAME` | `auto` |" in table
    assert "[default: text]" in check_help and "| `text` |" in table
    assert "default 16MiB" in check_help and "| `--max-line-bytes SIZE` | `16MiB` |" in table
    assert "(default 5)" in check_help and "(default\n                                  20)" not in check_help
    assert "| `--max-examples N` | 5 shown in text; 20 kept otherwise |" in table


# --- defaults and limits quoted by the pages are the code's ---------------------------------------

def test_limits_and_thresholds_quoted_by_the_pages():
    from rfsrules.cli.check import PROGRESS_MIN_BYTES
    from rfsrules.engines.api import RunOptions
    from rfsrules.engines.auto import DUCKDB_MIN_BYTES, DUCKDB_MIN_ROWS, PARALLEL_MIN_BYTES
    from rfsrules.engines.parallel import MIN_TASK_BYTES
    from rfsrules.ruleset.yamlsafe import YamlLimits

    cli, engines, rulesets = doc("docs/cli.md"), doc("docs/engines.md"), doc("docs/rulesets.md")
    assert RunOptions().max_line_bytes == 16 * 2**20
    assert f"total more than {PROGRESS_MIN_BYTES // 2**20} MiB" in cli
    assert f"files of {DUCKDB_MIN_BYTES // 2**20} MiB or more" in cli
    assert f"the files total at least {DUCKDB_MIN_BYTES // 2**20} MiB" in engines
    assert f"hold at least {DUCKDB_MIN_ROWS:,} rows" in engines
    assert f"every CPU for {PARALLEL_MIN_BYTES // 2**20} MiB or more" in engines
    assert f"for batches under\n{2 * MIN_TASK_BYTES // 2**20} MiB" in engines
    limits = YamlLimits()
    assert limits.max_bytes == 5 * 2**20 and "Files larger than 5 MiB are refused." in rulesets
    assert limits.max_depth == 64 and "Nesting deeper than 64 levels is refused." in rulesets
    assert limits.max_nodes == 100_000 and "At most 100,000 YAML nodes" in rulesets
    assert limits.max_alias_chars == 2**20 and "repeat at most 1 MiB of text" in rulesets


def test_threshold_and_level_defaults_agree_across_pages():
    from rfsrules.ruleset.model import QualityConfig, Thresholds

    t, q = Thresholds(), QualityConfig()
    rulesets, quality = doc("docs/rulesets.md"), doc("docs/quality.md")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", rulesets.split("## thresholds", 1)[1], re.M))
    assert float(rows["quality_score_min"]) == t.quality_score_min == 0.7
    assert float(rows["anomaly_score_max"]) == t.anomaly_score_max == 0.8
    assert rows["processing_time_max"] == "30s" and t.processing_time_max == 30
    assert rows["memory_usage_max"] == "512MiB" and t.memory_usage_max == 512 * 2**20
    assert float(rows["error_rate_max"]) == t.error_rate_max == 0.05
    assert "`overall < quality_score_min` (default 0.7)" in quality
    assert "`error_rate > error_rate_max` (default 0.05)" in quality
    assert "(default 30s)" in quality and "(default 512MiB)" in quality
    assert dict(t.severities) == {"anomaly_score_max": "high", "error_rate_max": "high",
                                  "processing_time_max": "medium", "memory_usage_max": "medium"}
    assert "`severities.error_rate_max` (default `high`)" in quality
    assert "`severities.processing_time_max` (default `medium`)" in quality
    levels = dict(q.levels)
    assert (levels["excellent"], levels["good"], levels["acceptable"], levels["poor"]) == (0.9, 0.8, 0.7, 0.5)
    assert "excellent 0.9, good 0.8, acceptable 0.7, poor 0.5" in rulesets
    assert "The defaults are the seed's: 0.9, 0.8, 0.7, 0.5." in quality
    assert dict(q.weights) == dict.fromkeys(("completeness", "consistency", "accuracy", "timeliness"), 0.25)


def test_exit_code_table_is_the_enum():
    from rfsrules.cli.exitcodes import ExitCode

    rows = re.findall(r"^\| (\d) \| `(\w+)` \|", doc("docs/cli.md"), re.M)
    assert [(int(code), name) for code, name in rows] == [(c.value, c.name) for c in ExitCode]


def test_checks_catalogue_index_is_every_built_in_check():
    from rfsrules.plugins.manager import PluginManager

    manager = PluginManager(entry_points=False).load()
    index = doc("docs/checks.md").split("\n## ", 1)[0]
    listed = {name: level for name, level in re.findall(r"^\| \[`([\w.]+)`\]\(#[\w-]+\) \| (\w+) \|", index, re.M)}
    assert listed == {spec.name: spec.level for spec in manager.checks}


# --- links between pages resolve ------------------------------------------------------------------

def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    out, seen = set(), {}
    for m in re.finditer(r"^#{1,6} (.+)$", text, re.M):
        slug = _slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_anchor_slugs_follow_github():
    assert _slug("Choosing an engine (`auto`)") == "choosing-an-engine-auto"
    assert _slug("Parallel Python (`--jobs`)") == "parallel-python---jobs"
    assert _slug("metadata_rules") == "metadata_rules"


@pytest.mark.parametrize("page", ["README.md"] + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md")))
def test_relative_links_and_anchors_resolve(page):
    path = ROOT / page
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if link.startswith(("http://", "https://", "mailto:")):
            continue
        target, _, fragment = link.partition("#")
        resolved = (path.parent / target).resolve() if target else path
        if not resolved.exists():
            broken.append(link)
        elif fragment and resolved.suffix == ".md" and fragment not in _anchors(resolved):
            broken.append(link)
    assert not broken, f"{page}: {broken}"


def test_repository_paths_named_by_the_pages_exist():
    missing = set()
    for path in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for name in re.findall(r"`((?:rfsrules|examples|rulesets|benchmarks|tests|plugins|docs)/[\w./-]+)`",
                               path.read_text(encoding="utf-8")):
            name = name.rstrip(".")
            if name.startswith("benchmarks/data/"):
                continue  # generated by the benchmark scripts (gitignored), absent from a fresh clone
            if "*" not in name and "<" not in name and not (ROOT / name).exists():
                missing.add(f"{path.name}: {name}")
    assert not missing, sorted(missing)


# --- README --------------------------------------------------------------------------------------

def test_readme_stricter_gate_fails_quietly(at_root):
    readme = doc("README.md")
    command = ("rfsrules check examples/orders.jsonl -r examples/orders-basic.yaml --fail-on medium --quiet; "
               'echo "exit $?"\n# exit 1')
    assert command in readme
    result = run("check", "examples/orders.jsonl", "-r", "examples/orders-basic.yaml", "--fail-on", "medium",
                 "--quiet")
    assert (result.exit_code, result.stdout) == (1, "")


def test_readme_json_output_file_leaves_stdout_empty(at_root, tmp_path):
    out = tmp_path / "report.json"
    result = run("check", "examples/orders.jsonl", "-r", "examples/orders-basic.yaml", "--format", "json",
                 "--output", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    data = json.loads(out.read_text())
    assert data["format"] == "rfsrules.report/1" and data["summary"]["passed"] is True


def test_readme_output_differs_from_a_run_only_in_ref_time(at_root):
    """The README says only the ``ref time:`` line depends on when it runs; --ref-time reproduces it."""
    shown = re.search(r"<!-- output: rfsrules check examples/orders.jsonl -r examples/orders-basic.yaml -->\n"
                      r"```text\n(.*?)```\n", doc("README.md"), re.S).group(1)
    result = run("check", "examples/orders.jsonl", "-r", "examples/orders-basic.yaml", "--ref-time", REF)
    assert result.stdout == shown


# --- output-formats.md ---------------------------------------------------------------------------

def test_text_example_is_an_excerpt_of_the_real_output(at_root):
    """The text example (the demo's problem batch, ``--max-examples 3``, "some lines left out") shows
    real lines, in their real order."""
    shown = re.search(r"## text\n.*?```text\n(.*?)```", doc("docs/output-formats.md"), re.S).group(1)
    result = run("check", "examples/events-problems.jsonl", "-r", "rulesets/pipeline-events.yaml",
                 "--metadata", "examples/events-problems.meta.json", "--ref-time", REF, "--max-examples", "3")
    assert result.exit_code == 1
    real = result.stdout.splitlines()
    position = -1
    for line in shown.splitlines():
        assert line in real[position + 1:], f"not in the real output (or out of order): {line!r}"
        position = real.index(line, position + 1)


def _thresholds_case(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    return next(c for c in root.iter("testcase") if c.get("name") == "thresholds")


def test_junit_thresholds_case_as_documented(at_root):
    args = ["check", "examples/events-problems.jsonl", "-r", "rulesets/pipeline-events.yaml", "--metadata",
            "examples/events-problems.meta.json", "--ref-time", REF, "-f", "junit"]
    case = _thresholds_case(run(*args).stdout)
    failure = case.find("failure")
    assert case.get("classname") == "pipeline-events.thresholds"
    assert failure.get("message") == "1 threshold breached: error_rate_max"  # the failing one
    assert failure.text.splitlines() == [  # every breach
        "error_rate_max: error_rate 0.12 > max 0.05 [high]",
        "completion_min: completion_rate 0.9091 < min 0.95 [medium]"]
    below = _thresholds_case(run(*args, "--fail-on", "critical").stdout)
    assert below.find("failure") is None
    assert below.find("system-out").text.splitlines() == [
        "error_rate_max: error_rate 0.12 > max 0.05 [high] (below fail-on critical)",
        "completion_min: completion_rate 0.9091 < min 0.95 [medium] (below fail-on critical)"]


def test_scores_are_cut_to_three_decimals_in_text_and_markdown():
    from rfsrules.outputs.common import format_score

    assert (format_score(0.6999), format_score(0.9833333333), format_score(1.0), format_score(None)) == (
        "0.699", "0.983", "1.000", "n/a")


def test_json_keys_come_in_the_documented_order(at_root):
    """output-formats.md: "keys in the order below"."""
    section = doc("docs/output-formats.md").split("### Report object", 1)[1].split("\n## ", 1)[0]
    keys = re.findall(r"^\| `([^`]+)` \|", section, re.M)

    def order(prefix: str) -> list[str]:
        depth = prefix.count(".") + (1 if prefix else 0)
        out = []
        for key in keys:
            parts = key.split(".")
            if len(parts) == depth + 1 and key.startswith(prefix + "." if prefix else ""):
                out.append(parts[-1])
        return out

    result = run("check", "examples/events-problems.jsonl", "-r", "rulesets/pipeline-events.yaml", "--metadata",
                 "examples/events-problems.meta.json", "--ref-time", REF, "-f", "json")
    data = json.loads(result.stdout)
    assert list(data) == order("")
    assert list(data["summary"]) == order("summary")
    assert list(data["summary"]["quality"]) == order("summary.quality")
    assert list(data["summary"]["thresholds_breached"][0]) == order("summary.thresholds_breached[]")
    assert list(data["rules"][0]) == order("rules[]")
    example = next(r["examples"][0] for r in data["rules"] if r["examples"])
    assert list(example) == order("rules[].examples[]")


# --- quality.md: the worked example, end to end ---------------------------------------------------

def _worked_example(tmp_path: Path) -> tuple[Path, Path]:
    text = doc("docs/quality.md").split("## A worked example", 1)[1]
    ruleset = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    lines = re.search(r"and five input lines\n\n```\n(.*?)```", text, re.S).group(1)
    (tmp_path / "q.yaml").write_text(ruleset)
    (tmp_path / "q.jsonl").write_text(lines)
    return tmp_path / "q.jsonl", tmp_path / "q.yaml"


def test_quality_worked_example_through_the_cli(tmp_path):
    data_file, rules = _worked_example(tmp_path)
    result = run("check", str(data_file), "-r", str(rules), "-f", "json")
    assert result.exit_code == 1
    s = json.loads(result.stdout)["summary"]
    assert (s["records_total"], s["records_malformed"], s["records_checked"], s["records_failed"]) == (5, 1, 4, 4)
    q = s["quality"]
    assert (q["completeness"], q["consistency"], q["accuracy"], q["timeliness"]) == (0.6, 0.8, 0.4, None)
    assert (q["overall"], q["level"], s["error_rate"]) == (0.6, "poor", 0.8)
    breaches = {(b["name"], b["severity"]) for b in s["thresholds_breached"]}
    assert {("quality_score_min", "medium"), ("error_rate_max", "high")} <= breaches
    assert s["passed"] is False
    # "fail_on: none disables 1 and 2 but keeps 3": the quality is below its minimum
    assert run("check", str(data_file), "-r", str(rules), "--fail-on", "none", "-q").exit_code == 1


def test_quality_worked_example_with_malformed_ignore(tmp_path):
    data_file, rules = _worked_example(tmp_path)
    rules.write_text(rules.read_text().replace("malformed: fail_all", "malformed: ignore"))
    q = json.loads(run("check", str(data_file), "-r", str(rules), "-f", "json").stdout)["summary"]["quality"]
    assert (q["completeness"], q["consistency"], q["accuracy"]) == (0.75, 1.0, 0.5)


# --- rulesets.md ---------------------------------------------------------------------------------

def test_env_example_substitutes_as_documented(tmp_path, monkeypatch):
    from rfsrules import load_ruleset_text

    block = re.search(r"## Environment variables\n.*?```yaml\n(.*?)```", doc("docs/rulesets.md"), re.S).group(1)
    for name in ("RULESET_NAME", "MIN_ROWS"):
        monkeypatch.delenv(name, raising=False)
    ruleset = load_ruleset_text(block)
    documented = re.search(r"# (Costs are in .*)$", block, re.M).group(1)
    assert ruleset.description == documented == "Costs are in $$ and templates look like ${this}."
    assert ruleset.name == "env-demo" and ruleset.rule("enough-rows").params["min"] == 1
    monkeypatch.setenv("MIN_ROWS", "5")
    assert load_ruleset_text(block).rule("enough-rows").params["min"] == 5


def test_extending_a_base_that_needs_a_plugin(tmp_path, monkeypatch):
    """rulesets.md (extends): only the loaded file's plugins: are loaded, so the child names the plugin."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "okcheck.py").write_text(textwrap.dedent('''
        from rfsrules import CheckSpec, hookimpl

        def build(rule, ctx):
            return lambda value: None if value == "ok" else ("not_ok", f"{value!r} is not ok")

        @hookimpl
        def rfsrules_register_checks():
            return [CheckSpec(name="local.ok", level="value", fields="many", summary="ok", python=build)]
    '''))
    (tmp_path / "base.yaml").write_text("rfsrules: 1\nname: base\nversion: 1.0.0\nplugins: [okcheck.py]\n"
                                        "rules:\n  - {id: b, check: local.ok, field: x}\n")
    child = "rfsrules: 1\nname: child\nversion: 1.0.0\nextends: base.yaml\n"
    (tmp_path / "child.yaml").write_text(child)
    (tmp_path / "with-plugin.yaml").write_text(child + "plugins: [okcheck.py]\n")
    (tmp_path / "d.jsonl").write_text('{"x": "no"}\n')
    assert run("lint", "base.yaml").exit_code == 0
    result = run("lint", "child.yaml")
    assert result.exit_code == 2 and "base.yaml:6:20: RFL003 unknown check 'local.ok'" in result.stdout
    result = run("check", "d.jsonl", "-r", "with-plugin.yaml", "-f", "json")
    rules = {r["id"]: r["violations"] for r in json.loads(result.stdout)["rules"]}
    assert rules == {"parse": 0, "b": 1}
    assert "must name that plugin in its own `plugins:`" in " ".join(doc("docs/rulesets.md").split())


def test_plugins_page_names_every_built_in_plugin():
    """plugins.md: everything rfsrules ships is registered through the plugin API; the page names each."""
    from rfsrules.plugins.manager import PluginManager

    intro = doc("docs/plugins.md").split("## Using plugins", 1)[0]
    named = set(re.findall(r"`(rfsrules\.[\w.]+)`", intro))
    named |= {"rfsrules.checks.builtin." + m for m in re.findall(r"`\.(\w+)`", intro)}
    built_in = {p.name for p in PluginManager(entry_points=False).load().plugins}
    assert built_in <= named, built_in - named


def test_cli_error_example_format(tmp_path, monkeypatch):
    """cli.md, Errors: every problem on its own line, then ``rfsrules: error: N problems ...``; lint adds codes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(textwrap.dedent("""\
        rfsrules: 1
        name: bad
        version: 1.0.0
        rules:
          - id: r1
            check: rnage
            field: x
          - id: r2
            check: row_count
            min: 1
            severity: urgent
    """))
    (tmp_path / "x.jsonl").write_text("{}\n")
    result = run("check", "x.jsonl", "-r", "bad.yaml")
    assert result.exit_code == 2 and result.stdout == ""
    assert errors(result) == [
        "bad.yaml:6:12: unknown check 'rnage' (did you mean 'range'?)",
        "bad.yaml:11:15: severity: 'urgent' is not one of low, medium, high, critical",
        "rfsrules: error: 2 problems in the ruleset; nothing was checked"]
    lint = run("lint", "bad.yaml")
    assert lint.exit_code == 2 and lint.stdout.splitlines() == [
        "bad.yaml:6:12: RFL003 unknown check 'rnage' (did you mean 'range'?)",
        "bad.yaml:11:15: RFL002 severity: 'urgent' is not one of low, medium, high, critical",
        "2 problems in 1 file"]


def test_max_line_bytes_has_the_documented_minimum(at_root):
    assert "at least `1KiB`" in doc("docs/cli.md")
    args = ["check", "examples/orders.jsonl", "-r", "examples/orders-basic.yaml", "-q", "--max-line-bytes"]
    result = run(*args, "1023")
    assert result.exit_code == 2 and "give at least 1KiB" in result.stderr
    assert run(*args, "1KiB").exit_code == 0


# --- engines.md and python-api.md ----------------------------------------------------------------

def test_unsupported_rule_message_as_documented(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyonly.py").write_text(textwrap.dedent('''
        from rfsrules import CheckSpec, hookimpl

        @hookimpl
        def rfsrules_register_checks():
            return [CheckSpec(name="local.pyonly", level="value", fields="many", summary="python only",
                              python=lambda rule, ctx: (lambda value: None))]
    '''))
    (tmp_path / "rules.yaml").write_text("rfsrules: 1\nname: r\nversion: 1.0.0\nplugins: [pyonly.py]\n"
                                         "rules:\n  - {id: a, check: local.pyonly, field: x}\n")
    (tmp_path / "d.jsonl").write_text("{}\n")
    result = run("check", "d.jsonl", "-r", "rules.yaml", "--engine", "duckdb")
    assert result.exit_code == 2
    assert errors(result) == [
        "rules.yaml:6:6: check 'local.pyonly' is not supported by engine duckdb",
        "rfsrules: error: engine 'duckdb' cannot run 1 rule(s) of this ruleset"]
    assert "rfsrules: error: engine 'duckdb' cannot run 1 rule(s) of this ruleset" in doc("docs/engines.md")


def test_python_check_keywords_are_documented():
    import inspect

    import rfsrules

    section = doc("docs/python-api.md").split("## check: the whole report", 1)[1].split("\n## ", 1)[0]
    documented = {name for cell in re.findall(r"^\| (`[^|]+) \|", section, re.M)
                  for name in re.findall(r"`(\w+)`", cell)}
    params = set(inspect.signature(rfsrules.check).parameters) - {"data", "ruleset", "registry", "keep_going"}
    assert params == documented, (params - documented, documented - params)
