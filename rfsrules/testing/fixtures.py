"""Pytest plugin shipped with rfsrules (``pytest11`` entry point): fixtures for testing rulesets and plugins.

Importing this module loads nothing else of rfsrules; the fixtures import what they use when called.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def rfsrules_runner():
    """Run a ruleset against in-memory records in-process and get the ``Report``.

    ``rfsrules_runner(ruleset, records, metadata=None, ref_time=None, max_examples=None,
    fail_on="high") -> Report`` where ``ruleset`` is YAML text, a path, a mapping or a ``Ruleset``;
    ``rfsrules_runner.rule({"check": "pii.email_masked", "field": "note"}, records) -> RuleResult``
    runs a single rule. Installed plugins are loaded; to test a plugin module that is not installed,
    build your own: ``RulesetRunner(plugins=[my_module])`` from ``rfsrules.testing``.
    """
    from .runner import RulesetRunner

    return RulesetRunner()


@pytest.fixture
def rfsrules_plugin_manager():
    """A freshly loaded ``PluginManager`` (built-ins plus installed plugins), independent of the process-wide one."""
    from ..plugins.manager import PluginManager, plugin_config

    return PluginManager(**plugin_config()).load()
