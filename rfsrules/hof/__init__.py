"""Readable HOF chains: apply_rules_to, scan_data_for, extract_from, validate_config, Result, create_log_entry."""

from .chains import ON_ERROR_MODES, Chain, PatternScan, PatternScanner, extract_from, scan_data_for
from .config import ConfigRule, ConfigValidation, custom_check, range_check, read_field, required, validate_config
from .log_entry import create_log_entry
from .result import Failure, Result, Success, UnwrapError
from .rules import RuleApplication, ViolationList, apply_rules_to

__all__ = [
    "ON_ERROR_MODES",
    "Chain",
    "ConfigRule",
    "ConfigValidation",
    "Failure",
    "PatternScan",
    "PatternScanner",
    "Result",
    "RuleApplication",
    "Success",
    "UnwrapError",
    "ViolationList",
    "apply_rules_to",
    "create_log_entry",
    "custom_check",
    "extract_from",
    "range_check",
    "read_field",
    "required",
    "scan_data_for",
    "validate_config",
]
