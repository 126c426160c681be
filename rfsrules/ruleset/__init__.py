"""rfsrules.ruleset package."""
