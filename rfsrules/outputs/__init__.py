"""rfsrules.outputs package."""
