"""The seed's ``rfs.hof.readable`` names, so a seed program ports by changing its import lines only."""

from .chains import extract_from, scan_data_for
from .config import custom_check, range_check, required, validate_config
from .log_entry import create_log_entry
from .rules import apply_rules_to

__all__ = [
    "apply_rules_to",
    "create_log_entry",
    "custom_check",
    "extract_from",
    "range_check",
    "required",
    "scan_data_for",
    "validate_config",
]
