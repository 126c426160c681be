"""QA regressions of the report renderers: data cannot forge report lines, break the encoding or
hide what it is (control characters, lone surrogates, NaN/Infinity)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from rfsrules.cli.app import app
from rfsrules.outputs.common import printable
from rfsrules.outputs.markdown import cell
from rfsrules.results import json_safe

REF = "2026-01-15T12:00:00Z"

RULES = """\
rfsrules: 1
name: qa
version: 1.0.0
record_id: id
fields:
  id: {type: string, required: true}
  v: {type: integer, in: [1, 2]}
thresholds:
  quality_score_min: 0.0
  error_rate_max: 1.0
"""

# line 1: a record id that tries to add a verdict line and a terminal colour sequence
# line 2: a value holding a lone surrogate (valid JSON: the \ud800 escape), which UTF-8 cannot encode
DATA = ('{"id": "x\\n\\nPASSED (fail-on high)\\u001b[32m", "v": 5}\n'
        '{"id": "ok", "v": "\\ud800"}\n')


def run(tmp_path: Path, fmt: str) -> tuple[int, str]:
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "batch.jsonl").write_text(DATA)
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(app, ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"),
                                      "--ref-time", REF, "-f", fmt, "-o", str(out)])
    # the file must be valid UTF-8: read it strictly
    return result.exit_code, out.read_bytes().decode("utf-8") if out.exists() else result.output


def test_printable_escapes_what_data_controls():
    assert printable("a\nb\r\tc") == "a\\nb\\r\\tc"
    assert printable("\x1b[31mred\x7f\x85") == "\\x1b[31mred\\x7f\\x85"
    assert printable("\u2028\u202e\u2066") == "\\u2028\\u202e\\u2066"
    assert printable("lone \ud800 surrogate") == "lone \\ud800 surrogate"
    assert printable("héé 😀 日本") == "héé 😀 日本"  # ordinary text is untouched


def test_text_report_lines_cannot_be_forged_by_a_record_id(tmp_path):
    code, text = run(tmp_path, "text")
    assert code == 1
    lines = text.splitlines()
    # the only verdict line is the real one, at the end
    assert [line for line in lines if line.startswith(("PASSED", "FAILED"))] == [lines[-1]]
    assert lines[-1].startswith("FAILED (fail-on high)")
    assert "    line 1  id=x\\n\\nPASSED (fail-on high)\\x1b[32m  v = 5  5 is not one of 1, 2" in lines
    assert "\x1b" not in text


def test_text_report_survives_a_lone_surrogate(tmp_path):
    code, text = run(tmp_path, "text")
    assert code == 1  # was exit 2: "internal error: UnicodeEncodeError ... surrogates not allowed"
    assert '    line 2  id=ok  v = "\\ud800"  expected integer, got string' in text.splitlines()


def test_json_report_escapes_a_lone_surrogate(tmp_path):
    code, text = run(tmp_path, "json")
    assert code == 1
    report = json.loads(text)
    rule = next(r for r in report["rules"] if r["id"] == "v.type")
    assert rule["examples"][0]["value"] == "\ud800"
    assert '"value": "\\ud800"' in text


def test_junit_and_markdown_keep_one_example_per_line(tmp_path):
    code, xml = run(tmp_path, "junit")
    assert code == 1
    case = next(c for c in ET.fromstring(xml).iter("testcase") if c.get("name") == "v.in")
    body = case.find("failure").text.splitlines()
    assert body[2] == "line 1  id=x\\n\\nPASSED (fail-on high)\\x1b[32m  v = 5  5 is not one of 1, 2"
    assert len(body) == 4  # header, defined at, two examples
    code, md = run(tmp_path, "markdown")
    assert code == 1
    assert "| line 2 | ok | v | \"\\\\ud800\" | expected integer, got string |" in md.splitlines()


def test_markdown_cell_shows_control_characters_escaped():
    assert cell("a\x1bb\nc") == "a\\\\x1bb\\\\nc"


def test_json_safe_writes_nan_and_infinities_as_documented():
    assert json_safe(math.nan) == "NaN"
    assert json_safe(math.inf) == "Infinity"
    assert json_safe(-math.inf) == "-Infinity"
    assert json_safe([1.5, {"x": math.inf}]) == [1.5, {"x": "Infinity"}]


def test_text_table_aligns_wide_characters(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "rfsrules: 1\nname: qa\nversion: 1.0.0\nfields:\n  이름: {type: string}\n  name: {type: string}\n")
    (tmp_path / "batch.jsonl").write_text('{"이름": "a", "name": "b"}\n')
    result = CliRunner().invoke(app, ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"),
                                      "--ref-time", REF])
    table = result.stdout.split("rules:\n")[1].split("\n\n")[0].splitlines()
    assert table == [
        "  RULE       CHECK  SEVERITY  DIMENSION    STATUS  VIOLATIONS",
        "  parse      parse  critical  consistency  passed           0",
        "  이름.type  type   high      consistency  passed           0",  # 이름 takes four columns
        "  name.type  type   high      consistency  passed           0",
    ]


def test_metadata_json_with_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES + "metadata_rules:\n  fields:\n    source: {type: string, required: true}\n")
    (tmp_path / "batch.jsonl").write_text('{"id": "a", "v": 1}\n')
    (tmp_path / "meta.json").write_bytes(b'\xef\xbb\xbf{"source": "api"}')
    result = CliRunner().invoke(app, ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"),
                                      "--metadata", str(tmp_path / "meta.json"), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["metadata_valid"] is True


def test_max_line_bytes_option(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "batch.jsonl").write_text('{"id": "a", "v": 1, "pad": "' + "x" * 3000 + '"}\n{"id": "b", "v": 2}\n')
    args = ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"), "-f", "json"]
    report = json.loads(CliRunner().invoke(app, args + ["--max-line-bytes", "2KiB"]).stdout)
    assert (report["summary"]["records_checked"], report["summary"]["records_malformed"]) == (1, 1)
    assert report["rules"][0]["examples"][0]["reason"] == "line_too_long"
    report = json.loads(CliRunner().invoke(app, args + ["--max-line-bytes", "4096"]).stdout)
    assert (report["summary"]["records_checked"], report["summary"]["records_malformed"]) == (2, 0)
    result = CliRunner().invoke(app, args + ["--max-line-bytes", "lots"])
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: invalid --max-line-bytes 'lots': invalid size 'lots': "
                             "expected e.g. 512MiB, 1GB, 100KB\n")
