"""rfsrules: declarative YAML data-quality rulesets, readable HOF chains and pluggable engines."""

from __future__ import annotations

from .checks.spec import CheckFailure, CheckRegistry, CheckSpec, CompileContext
from .errors import (
    EngineUnsupportedError, InputError, Issue, PluginError, RfsrulesError, RulesetError,
    UnknownNameError, UsageError, ValidationFailed,
)
from .hof import (
    Failure, Result, Success, apply_rules_to, create_log_entry, custom_check, extract_from,
    range_check, required, scan_data_for, validate_config,
)
from .paths import MISSING, parse_path
from .plugins.hookspecs import hookimpl
from .report import Report, Summary
from .results import Dimension, Reason, RuleResult, Severity, Violation
from .ruleset.loader import load_ruleset, load_ruleset_text
from .runner import check

__version__ = "0.1.0"

__all__ = [
    "CheckFailure", "CheckRegistry", "CheckSpec", "CompileContext",
    "EngineUnsupportedError", "InputError", "Issue", "PluginError", "RfsrulesError", "RulesetError",
    "UnknownNameError", "UsageError", "ValidationFailed",
    "Failure", "Result", "Success", "apply_rules_to", "create_log_entry", "custom_check", "extract_from",
    "range_check", "required", "scan_data_for", "validate_config",
    "MISSING", "parse_path", "hookimpl", "Report", "Summary",
    "Dimension", "Reason", "RuleResult", "Severity", "Violation",
    "load_ruleset", "load_ruleset_text", "check", "__version__",
]
