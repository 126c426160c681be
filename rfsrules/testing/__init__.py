"""rfsrules.testing package."""
