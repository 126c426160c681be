"""``rfsrules plugins``: list installed plugins, their versions and what each registers."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import debug_enabled, handle_errors
from .exitcodes import ExitCode

NAME = "plugins"
FORMATS = ("text", "json")


def plugins_command(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", "-f", help="Output format: text or json.")] = "text",
) -> None:
    """List loaded plugins (built-in and installed) with versions and what each registers.

    Plugins that failed to load and names registered by two plugins are listed too; then the
    command exits 2 so a CI job can catch a broken plugin installation. Honours ``--no-plugins``
    and ``--disable-plugin``/``-p no:NAME``.
    """
    from ..errors import UsageError
    from ..plugins.info import plugins_listing, render_json, render_text
    from ..plugins.manager import PluginManager, plugin_config

    with handle_errors(debug_enabled(ctx)):
        if format not in FORMATS:
            raise UsageError(f"unknown format {format!r} for plugins (choose from {', '.join(FORMATS)})")
        manager = PluginManager(**plugin_config(), strict=False).load()
        listing = plugins_listing(manager)
        typer.echo(render_json(listing) if format == "json" else render_text(listing), nl=False)
    if listing["errors"] or listing["conflicts"]:
        raise typer.Exit(ExitCode.ERROR)


command = plugins_command
"""The sub-command as ``rfsrules.cli.app`` expects it (``NAME`` + ``command``)."""

__all__ = ["NAME", "command", "plugins_command"]
