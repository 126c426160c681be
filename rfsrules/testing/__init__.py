"""Helpers for testing rulesets and plugins: ``RulesetRunner`` and check-declaration conformance."""

from __future__ import annotations

from .conformance import assert_check_specs, check_spec_problems
from .runner import DEFAULT_RULE_ID, RulesetRunner

__all__ = ["DEFAULT_RULE_ID", "RulesetRunner", "assert_check_specs", "check_spec_problems"]
