"""rfsrules.io package."""
