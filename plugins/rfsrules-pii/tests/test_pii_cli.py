"""rfsrules-pii through the real command line, as a user who ran ``pip install rfsrules-pii`` would use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

RULESET = """\
rfsrules: 1
name: chat-export
version: 1.0.0
rules:
  - id: messages-without-pii
    check: pii.no_pii
    field: messages[*].text
    severity: critical
"""

LINES = [
    {"messages": [{"text": "hello"}, {"text": "my card is 5555 5555 5555 4444"}]},
    {"messages": [{"text": "see you"}]},
    {"messages": [{"text": "write to kim@corp.co.kr"}, {"text": "or DE89370400440532013000"}]},
]


def rfsrules(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "RFSRULES_DISABLE_PLUGINS": "", "RFSRULES_NO_PLUGINS": ""}
    return subprocess.run([sys.executable, "-m", "rfsrules", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "chat.yaml").write_text(RULESET)
    (tmp_path / "chat.jsonl").write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return tmp_path


def test_check_finds_pii_in_nested_arrays(project):
    run = rfsrules("check", "chat.jsonl", "-r", "chat.yaml", "--format", "json", cwd=project)
    assert run.returncode == 1, run.stderr
    rule = json.loads(run.stdout)["rules"][1]
    assert (rule["id"], rule["status"], rule["violations"], rule["failures"]) == ("messages-without-pii", "failed", 2, 3)
    assert [(e["line"], e["field"], e["reason"]) for e in rule["examples"]] == [
        (1, "messages[1].text", "unmasked_card"),
        (3, "messages[0].text", "unmasked_email"),
        (3, "messages[1].text", "unmasked_iban"),
    ]
    assert rule["examples"][0]["message"] == "unmasked personal data (card number): Mastercard card number ending in 4444"


def test_lint_points_at_a_bad_plugin_parameter(project):
    (project / "bad.yaml").write_text(RULESET + "    detect: [email, fax]\n")
    run = rfsrules("lint", "bad.yaml", cwd=project)
    assert run.returncode == 2
    assert run.stdout.splitlines() == [
        "bad.yaml:9:21: RFL002 detect[1]: 'fax' is not one of email, phone, credit_card, iban",
        "1 problem in 1 file",
    ]


def test_schema_and_explain_include_the_plugin_checks(project):
    schema = rfsrules("schema", cwd=project)
    assert schema.returncode == 0
    text = schema.stdout
    for name in ("pii.email_masked", "pii.phone_masked", "pii.credit_card_masked", "pii.iban_masked", "pii.no_pii"):
        assert f'"{name}"' in text
    assert '"allow_masked_pattern"' in text
    explain = rfsrules("explain", "pii.credit_card_masked", cwd=project)
    assert explain.returncode == 0
    assert "Luhn" in explain.stdout and "pii" in explain.stdout


def test_disabling_the_plugin_makes_its_checks_unknown(project):
    run = rfsrules("-p", "no:pii", "lint", "chat.yaml", cwd=project)
    assert run.returncode == 2
    assert run.stdout.splitlines()[0] == "chat.yaml:6:12: RFL003 unknown check 'pii.no_pii'"
