"""rfsrules: declarative YAML data-quality rulesets, readable HOF chains and pluggable engines."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it. Resolved on first access (PEP 562), so importing
# rfsrules (for example from the CLI) loads only what is used and has no side effects.
_EXPORTS = {
    "CheckFailure": "rfsrules.checks.spec",
    "CheckRegistry": "rfsrules.checks.spec",
    "CheckSpec": "rfsrules.checks.spec",
    "CompileContext": "rfsrules.checks.spec",
    "EngineUnsupportedError": "rfsrules.errors",
    "InputError": "rfsrules.errors",
    "Issue": "rfsrules.errors",
    "PluginError": "rfsrules.errors",
    "RfsrulesError": "rfsrules.errors",
    "RulesetError": "rfsrules.errors",
    "UnknownNameError": "rfsrules.errors",
    "UsageError": "rfsrules.errors",
    "ValidationFailed": "rfsrules.errors",
    "Failure": "rfsrules.hof",
    "Result": "rfsrules.hof",
    "Success": "rfsrules.hof",
    "apply_rules_to": "rfsrules.hof",
    "create_log_entry": "rfsrules.hof",
    "custom_check": "rfsrules.hof",
    "extract_from": "rfsrules.hof",
    "range_check": "rfsrules.hof",
    "required": "rfsrules.hof",
    "scan_data_for": "rfsrules.hof",
    "validate_config": "rfsrules.hof",
    "MISSING": "rfsrules.paths",
    "parse_path": "rfsrules.paths",
    "hookimpl": "rfsrules.plugins.hookspecs",
    "Report": "rfsrules.report",
    "Summary": "rfsrules.report",
    "Dimension": "rfsrules.results",
    "Reason": "rfsrules.results",
    "RuleResult": "rfsrules.results",
    "Severity": "rfsrules.results",
    "Violation": "rfsrules.results",
    "load_ruleset": "rfsrules.ruleset.loader",
    "load_ruleset_text": "rfsrules.ruleset.loader",
    "check": "rfsrules.runner",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rfsrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
