"""rfsrules.cli package."""
