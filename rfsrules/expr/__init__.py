"""rfsrules.expr package."""
