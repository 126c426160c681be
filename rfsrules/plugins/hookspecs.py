"""Hook specifications: every extension point of rfsrules, grouped by phase.

A plugin is any importable module (or object) with functions decorated by :data:`hookimpl` whose names
match the hooks below. Installed packages advertise theirs in the ``rfsrules`` entry-point group; a
ruleset can name project-local ones under ``plugins:``. Built-in checks, the Python engine and every
other built-in are registered through these same hooks.

Registration hooks return lists of objects; the manager merges them, tags each with the name of the
plugin that registered it and reports clashes naming both plugins. Lifecycle hooks are called by the
runner and the CLI at fixed points; there are no per-record hooks. ``docs/plugins.md`` carries the
reference generated from the docstrings here (``python -m rfsrules.plugins.docgen docs/plugins.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, MutableMapping

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from ..checks.spec import CheckSpec
    from ..engines.api import EngineSpec
    from ..report import Report
    from ..ruleset.model import Ruleset
    from .specs import ChannelSpec, DetectorSpec, TemplateSpec

PROJECT = "rfsrules"
PLUGIN_API_VERSION = 1
"""Version of the hook API. A plugin module may set ``RFSRULES_PLUGIN_API = 1``; a higher value is rejected."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- registration: called once per PluginManager.load(), each returns a list -------------------------

@hookspec
def rfsrules_register_checks() -> list[CheckSpec]:
    """Register checks usable from YAML as ``check: <name>``.

    Called once when the plugin manager loads. One hook covers every level: a ``CheckSpec`` with
    ``level="value"`` tests single values, ``level="record"`` whole records, ``level="batch"``
    aggregates over the batch (see ``rfsrules.checks.spec`` for the three Python protocols). The
    parameters JSON Schema (``params``/``required``) is merged into the ruleset schema, so
    ``rfsrules lint`` reports a bad parameter at its line and column and ``rfsrules schema`` shows it.
    Third-party names are namespaced (``pii.email_masked``); a name registered by two plugins is an
    error naming both.

    :returns: a list of ``rfsrules.CheckSpec``.

    Example::

        @hookimpl
        def rfsrules_register_checks():
            return [CheckSpec(name="acme.even", level="value", fields="many",
                              summary="Integers must be even", python=build_even)]

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_register_engines() -> list[EngineSpec]:
    """Register engines selectable with ``--engine NAME``.

    Called once when the plugin manager loads. An engine compiles the rule IR (``Ruleset.rules``)
    and runs it over sources; ``EngineSpec.factory(registry)`` builds it with the merged check registry.

    :returns: a list of ``rfsrules.engines.api.EngineSpec``.

    Example::

        @hookimpl
        def rfsrules_register_engines():
            return [EngineSpec(name="acme", factory=AcmeEngine, summary="runs rules in Acme DB")]

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_register_detectors() -> list[DetectorSpec]:
    """Register anomaly detectors usable in a ruleset's ``anomalies:`` section.

    Called once when the plugin manager loads. A detector scores a batch's metrics against their
    history; the anomaly subsystem calls ``DetectorSpec.factory``.

    :returns: a list of ``rfsrules.plugins.specs.DetectorSpec``.

    Example::

        @hookimpl
        def rfsrules_register_detectors():
            return [DetectorSpec(name="acme.seasonal", summary="weekly seasonality",
                                 factory=SeasonalDetector, params={"period": {"type": "integer"}})]

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_register_channels() -> list[ChannelSpec]:
    """Register alert channels usable in a ruleset's ``alerts:`` section.

    Called once when the plugin manager loads. The alert subsystem builds a channel with
    ``ChannelSpec.factory(config)`` and sends alerts through it.

    :returns: a list of ``rfsrules.plugins.specs.ChannelSpec``.

    Example::

        @hookimpl
        def rfsrules_register_channels():
            return [ChannelSpec(name="acme.pager", summary="page the on-call engineer",
                                factory=PagerChannel, params={"service": {"type": "string"}},
                                required=("service",))]

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_register_templates() -> list[TemplateSpec]:
    """Register report templates: a template directory or a Jinja loader under a name prefix.

    Called once when the plugin manager loads. Templates are then found as ``<name>/<file>`` through
    ``PluginManager.template_loader()``.

    :returns: a list of ``rfsrules.plugins.specs.TemplateSpec``.

    Example::

        @hookimpl
        def rfsrules_register_templates():
            return [TemplateSpec(name="acme", summary="Acme report layouts",
                                 loader=jinja2.PackageLoader("rfsrules_acme", "templates"))]

    .. versionadded:: 0.1
    """


# --- lifecycle: called by the loader, the runner and the CLI at fixed points ------------------------

@hookspec
def rfsrules_ruleset_loaded(ruleset: Ruleset) -> None:
    """Called after a ruleset has been loaded and validated, before any data is read.

    Use it to audit rulesets (who uses which checks) or to refuse one by raising an exception, which
    stops the run and is reported as a plugin error naming your plugin. The ruleset is frozen.

    :param ruleset: the loaded ``rfsrules.ruleset.model.Ruleset`` (its ``rules`` are the rule IR).
    :returns: nothing; return values are ignored.

    Example::

        @hookimpl
        def rfsrules_ruleset_loaded(ruleset):
            if not ruleset.owner:
                raise ValueError(f"ruleset {ruleset.name} has no owner")

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_batch_checked(report: Report, ruleset: Ruleset) -> None:
    """Called once per checked batch, after the report is complete and gated, before it is rendered.

    Use it to export metrics, store history or attach context. ``report.context`` may be extended;
    counts and statuses must not be changed.

    :param report: the batch's ``rfsrules.Report``.
    :param ruleset: the ruleset the batch was checked against.
    :returns: nothing; return values are ignored.

    Example::

        @hookimpl
        def rfsrules_batch_checked(report, ruleset):
            statsd.gauge(f"quality.{ruleset.name}", report.summary.quality.overall)

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def rfsrules_alert_before_send(alert: MutableMapping[str, Any], channel: str) -> bool | None:
    """Called for each alert just before it is sent to a channel; may enrich or drop it.

    Implementations run in pluggy's order (``tryfirst``/``trylast`` to steer it). Enrich the alert
    by changing the mapping in place and returning None. Return ``False`` to drop it: the alert is
    not sent and later implementations are not called (``firstresult``).

    :param alert: the alert about to be sent (a mutable mapping: ``title``, ``severity``, ``message``,
        ``ruleset``, ... as built by the alert subsystem).
    :param channel: the name of the channel it is going to (``slack``, ``acme.pager``).
    :returns: ``False`` to drop the alert, None to let it through.

    Example::

        @hookimpl
        def rfsrules_alert_before_send(alert, channel):
            if channel == "slack" and alert["severity"] == "low":
                return False
            alert["runbook"] = "https://wiki.example.com/runbooks/data-quality"

    .. versionadded:: 0.1
    """


@hookspec
def rfsrules_report_rendered(report: Report, format: str, output: str) -> None:
    """Called after a report has been rendered to an output format and written out.

    ``rfsrules check`` calls it once the text is on stdout or in the ``--output`` file (not at all
    with ``--quiet`` and no ``--output``: nothing is rendered then); an exception still makes the
    command exit 2, but the report has been written. Use it to publish rendered reports (upload the
    Markdown report, archive the JSON one).

    :param report: the ``rfsrules.Report`` that was rendered.
    :param format: the output format name (``text``, ``json``, ``junit``, ``markdown``, or a template).
    :param output: the rendered text.
    :returns: nothing; return values are ignored.

    Example::

        @hookimpl
        def rfsrules_report_rendered(report, format, output):
            if format == "json":
                archive.put(f"{report.ruleset_name}.json", output)

    .. versionadded:: 0.1
    """


REGISTRATION_HOOKS = {
    "rfsrules_register_checks": "checks",
    "rfsrules_register_engines": "engines",
    "rfsrules_register_detectors": "detectors",
    "rfsrules_register_channels": "channels",
    "rfsrules_register_templates": "templates",
}
"""Registration hook name -> the kind of object it registers (the key used in listings)."""

LIFECYCLE_HOOKS = (
    "rfsrules_ruleset_loaded",
    "rfsrules_batch_checked",
    "rfsrules_alert_before_send",
    "rfsrules_report_rendered",
)
"""Lifecycle hooks, in the order they fire during a run."""
