"""The pii.* checks used from YAML through the installed plugin, with the ``rfsrules_runner`` fixture."""

from __future__ import annotations

import pytest

from rfsrules.errors import RulesetError
from rfsrules.plugins.manager import get_plugin_manager
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.testing import assert_check_specs

import rfsrules_pii

RULESET = """\
rfsrules: 1
name: support-tickets
version: 1.0.0
record_id: id
rules:
  - id: no-emails
    check: pii.email_masked
    fields: [subject, body]
    allow_domains: [example.com]
  - id: no-phones
    check: pii.phone_masked
    field: body
  - id: no-cards
    check: pii.credit_card_masked
    fields: [body, card]
    severity: critical
  - id: no-ibans
    check: pii.iban_masked
    field: body
    allow_masked_pattern: 'DE00.*'
  - id: nothing-personal
    check: pii.no_pii
    field: subject
"""

TICKETS = [
    {"id": "t1", "subject": "Login issue", "body": "Reset sent to support@example.com"},
    {"id": "t2", "subject": "mail jane.doe@acme.io", "body": "call me on +44 20 7946 0958"},
    {"id": "t3", "subject": "Refund", "body": "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00"},
    {"id": "t4", "subject": "Masked", "body": "card **** **** **** 1111, j***@acme.io, 010-****-5678", "card": 4111111111111111},
    {"id": "t5", "subject": 42, "body": None},
]


@pytest.fixture
def report(rfsrules_runner):
    return rfsrules_runner(RULESET, TICKETS, ref_time="2026-01-15T12:00:00Z")


def test_plugin_is_installed_and_registered():
    manager = get_plugin_manager()
    info = manager.plugin("pii")
    assert (info.distribution, info.version, info.api) == ("rfsrules-pii", rfsrules_pii.__version__, 1)
    assert {manager.checks.get(n).plugin for n in info.registered["checks"]} == {"pii"}


def test_emails(report):
    result = report.rule("no-emails")
    assert (result.violations, result.failures) == (1, 1)
    [v] = result.examples
    assert (v.line, v.record_id, v.field, v.reason, v.severity) == (2, "t2", "subject", "unmasked_email", "high")
    assert v.message == "unmasked email address: j***@acme.io"


def test_phones(report):
    result = report.rule("no-phones")
    assert [(v.line, v.reason, v.message) for v in result.examples] == [
        (2, "unmasked_phone", "unmasked phone number: phone number ending in 58")]


def test_cards_in_strings_and_integers(report):
    result = report.rule("no-cards")
    assert (result.violations, result.severity) == (2, "critical")
    assert [(v.line, v.field, v.message) for v in result.examples] == [
        (3, "body", "unmasked card number: Visa card number ending in 1111"),
        (4, "card", "unmasked card number: Visa card number ending in 1111"),
    ]


def test_ibans(report):
    result = report.rule("no-ibans")
    assert [(v.line, v.reason, v.message) for v in result.examples] == [
        (3, "unmasked_iban", "unmasked IBAN: IBAN DE** ending in 3000")]


def test_no_pii_reports_the_first_kind_and_lists_all(report, rfsrules_runner):
    assert [(v.line, v.reason) for v in report.rule("nothing-personal").examples] == [(2, "unmasked_email")]
    result = rfsrules_runner.rule({"check": "pii.no_pii", "field": "text"},
                                  [{"text": "a@b.io and 4111 1111 1111 1111"}])
    assert result.examples[0].message == ("unmasked personal data (email address, card number): a***@b.io")
    limited = rfsrules_runner.rule({"check": "pii.no_pii", "field": "text", "detect": ["iban"]},
                                   [{"text": "a@b.io and 4111 1111 1111 1111"}])
    assert limited.violations == 0


def test_several_findings_in_one_value(rfsrules_runner):
    result = rfsrules_runner.rule({"check": "pii.email_masked", "field": "text"}, [{"text": "a@b.io, c@d.io, e@f.io"}])
    assert result.examples[0].message == "unmasked email address: a***@b.io (and 2 more)"


def test_allow_masked_pattern_accepts_tokenised_values(rfsrules_runner):
    rule = {"check": "pii.email_masked", "field": "to", "allow_masked_pattern": r"tok_[0-9a-f]{8}@vault\.invalid"}
    result = rfsrules_runner.rule(rule, [{"to": "tok_0a1b2c3d@vault.invalid"}, {"to": "bob@corp.io"}])
    assert [v.line for v in result.examples] == [2]


def test_allow_domains_includes_subdomains(rfsrules_runner):
    rule = {"check": "pii.email_masked", "field": "to", "allow_domains": ["example.com"]}
    records = [{"to": "a@example.com"}, {"to": "a@mail.example.com"}, {"to": "a@notexample.com"}]
    assert [v.line for v in rfsrules_runner.rule(rule, records).examples] == [3]


def test_plain_digits_phone_option(rfsrules_runner):
    records = [{"n": "reach me at 01012345678"}]
    assert rfsrules_runner.rule({"check": "pii.phone_masked", "field": "n"}, records).violations == 0
    assert rfsrules_runner.rule({"check": "pii.phone_masked", "field": "n", "plain_digits": True}, records).violations == 1


def test_lint_reports_bad_parameters_at_their_position():
    text = RULESET.replace("allow_masked_pattern: 'DE00.*'", "allow_masked_pattern: '(('").replace(
        "allow_domains: [example.com]", "allow_domains: example.com").replace(
        "field: subject", "field: subject\n    detect: [emails]")
    with pytest.raises(RulesetError) as err:
        load_ruleset_text(text, path="tickets.yaml")
    assert [(i.line, i.col) for i in err.value.issues] == [(9, 20), (20, 27), (24, 14)]
    messages = [i.message for i in err.value.issues]
    assert messages[0] == "allow_domains: expected a list, got string 'example.com'"
    assert messages[1] == "allow_masked_pattern: invalid RE2 pattern: missing ): (("
    assert "emails" in messages[2]


def test_every_check_declaration_conforms():
    assert_check_specs(rfsrules_pii.rfsrules_register_checks())


def test_declarations_are_namespaced_value_checks():
    specs = rfsrules_pii.rfsrules_register_checks()
    assert [s.name for s in specs] == ["pii.email_masked", "pii.phone_masked", "pii.credit_card_masked",
                                       "pii.iban_masked", "pii.no_pii"]
    assert {(s.level, s.fields, s.default_dimension) for s in specs} == {("value", "many", "consistency")}


def test_readme_examples_are_valid_rulesets():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", readme, flags=re.S | re.M)
    assert [load_ruleset_text(block, path="README.md").name for block in blocks] == ["support-tickets"]


def test_reports_never_carry_the_sensitive_value(report):
    [v] = report.rule("no-emails").examples
    assert v.value == "[redacted]"
    assert "acme.io" in v.message and "jane" not in str(report.to_dict())
