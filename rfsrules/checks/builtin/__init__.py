"""rfsrules.checks.builtin package."""
