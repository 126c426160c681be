"""``rfsrules version``: print the installed version."""

from __future__ import annotations

import typer

NAME = "version"


def version_line() -> str:
    """``rfsrules 0.1.0``."""
    from .. import __version__

    return f"rfsrules {__version__}"


def command() -> None:
    """Print the rfsrules version."""
    typer.echo(version_line())
