"""rfsrules.checks package."""
