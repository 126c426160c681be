"""The ``rfsrules`` command: global options and one sub-command per module of ``COMMAND_MODULES``."""

from __future__ import annotations

import importlib
from typing import Annotated, Optional

import typer

from .exitcodes import ExitCode
from .fastparams import FastCommand, FastGroup

COMMAND_MODULES = (
    "rfsrules.cli.check",
    "rfsrules.cli.lint",
    "rfsrules.cli.schema",
    "rfsrules.cli.explain",
    "rfsrules.cli.version",
    "rfsrules.cli.plugins_cmd",
)
"""Modules defining one sub-command each, as ``NAME`` and ``command`` (whose docstring is the help).
A new command (plugins, monitor, diff, ...) is a new module listed here."""


def _show_version(value: bool) -> None:
    if value:
        from .version import version_line

        typer.echo(version_line())
        raise typer.Exit(int(ExitCode.OK))


def _global_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show tracebacks of errors (also: RFSRULES_DEBUG=1).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False,
    no_plugins: Annotated[bool, typer.Option(
        "--no-plugins", help="Load only built-in plugins (no installed entry points).")] = False,
    disable_plugin: Annotated[Optional[list[str]], typer.Option(
        "--disable-plugin", "-p", metavar="NAME",
        help="Do not load the installed plugin NAME (repeatable; 'no:NAME' also works).")] = None,
) -> None:
    """rfsrules: declarative YAML data-quality rules for data pipelines.

    Exit status: 0 OK, 1 a check failed its gate, 2 usage, ruleset or input error.
    """
    ctx.obj = {"debug": debug}
    _configure_plugins(no_plugins, disable_plugin or [])


def _configure_plugins(no_plugins: bool, disabled: list[str]) -> None:
    """Apply --no-plugins/--disable-plugin; the process-wide manager is reset only when they change."""
    from ..plugins import manager

    wanted = {"disabled": tuple(manager.parse_disable_options(disabled)), "entry_points": not no_plugins}
    current = manager.plugin_config()
    if (tuple(current.get("disabled", ())), current.get("entry_points", True)) != (
            wanted["disabled"], wanted["entry_points"]):
        manager.configure_plugins(disabled=disabled, no_plugins=no_plugins)


def build_app() -> typer.Typer:
    """A fresh Typer application with every command of ``COMMAND_MODULES``."""
    application = typer.Typer(
        name="rfsrules",
        cls=FastGroup,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_global_options)
    for modname in COMMAND_MODULES:
        module = importlib.import_module(modname)
        application.command(name=module.NAME, cls=FastCommand)(module.command)
    return application


app = build_app()


def main() -> None:
    """Console-script entry point (``rfsrules``, ``python -m rfsrules``)."""
    app(prog_name="rfsrules")
