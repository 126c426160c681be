"""Declarations that registration hooks return for anomaly detectors, alert channels and report templates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping


class _ParameterisedSpec:
    """Shared behaviour of registered specs that carry a parameter schema (detectors, channels)."""

    def params_schema(self) -> dict[str, Any]:
        """The JSON Schema object for this spec's parameters."""
        return {"type": "object", "properties": dict(self.params), "required": list(self.required)}

    def with_plugin(self, plugin: str):
        """A copy tagged with the name of the plugin that registered it."""
        return replace(self, plugin=plugin)


@dataclass(frozen=True)
class DetectorSpec(_ParameterisedSpec):
    """An anomaly detector usable from the ruleset's ``anomalies:`` section as ``detector: <name>``.

    :param name: the name used in YAML; plugins namespace theirs (``acme.seasonal``).
    :param summary: one line, shown by ``rfsrules plugins``.
    :param factory: ``factory(config, ctx) -> detector``; the detector protocol is defined by the
        anomaly subsystem (it scores a batch's metrics against their history).
    :param params: JSON Schema ``properties`` of the detector's parameters.
    :param required: names of required parameters.
    :param description: what it detects, in Markdown.
    :param plugin: the registering plugin's name (set by the plugin manager).
    """

    name: str
    summary: str
    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    description: str = ""
    plugin: str = "rfsrules"


@dataclass(frozen=True)
class ChannelSpec(_ParameterisedSpec):
    """An alert channel usable from the ruleset's ``alerts:`` section as ``channel: <name>``.

    :param name: the name used in YAML (``slack``, ``acme.pager``).
    :param summary: one line, shown by ``rfsrules plugins``.
    :param factory: ``factory(config) -> channel``; the channel protocol (``send(alert)``) is defined
        by the alert subsystem.
    :param params: JSON Schema ``properties`` of the channel's configuration.
    :param required: names of required configuration keys.
    :param description: what it sends where, in Markdown.
    :param plugin: the registering plugin's name (set by the plugin manager).
    """

    name: str
    summary: str
    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    description: str = ""
    plugin: str = "rfsrules"


@dataclass(frozen=True)
class TemplateSpec:
    """A named set of Jinja report templates: a template directory or a ready ``jinja2`` loader.

    Templates are addressed as ``<name>/<template>`` (``acme/summary.md.j2``) through the
    manager's :meth:`~rfsrules.plugins.manager.PluginManager.template_loader`.

    :param name: the prefix of the set (``builtin``, ``acme``).
    :param summary: one line, shown by ``rfsrules plugins``.
    :param directory: a directory holding the templates (give this or ``loader``).
    :param loader: a ``jinja2.BaseLoader`` (e.g. ``PackageLoader("rfsrules_acme", "templates")``).
    :param plugin: the registering plugin's name (set by the plugin manager).
    """

    name: str
    summary: str = ""
    directory: str | Path | None = None
    loader: Any = None
    plugin: str = "rfsrules"

    def __post_init__(self):
        if (self.directory is None) == (self.loader is None):
            raise ValueError(f"template set {self.name!r}: give exactly one of directory= or loader=")
        if "/" in self.name or not self.name:
            raise ValueError(f"template set name {self.name!r} must be non-empty and contain no '/'")

    def jinja_loader(self):
        """The ``jinja2`` loader of this set (a ``FileSystemLoader`` for a directory)."""
        if self.loader is not None:
            return self.loader
        import jinja2

        return jinja2.FileSystemLoader(str(self.directory))

    def with_plugin(self, plugin: str) -> "TemplateSpec":
        """A copy tagged with the name of the plugin that registered it."""
        return replace(self, plugin=plugin)


__all__ = ["ChannelSpec", "DetectorSpec", "TemplateSpec"]
