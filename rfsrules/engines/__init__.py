"""rfsrules.engines package."""
