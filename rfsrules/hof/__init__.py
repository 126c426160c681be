"""rfsrules.hof package."""
