"""``rfsrules schema``: print the JSON Schema of the ruleset format (for editors and CI)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import debug_enabled, handle_errors, write_output
from .exitcodes import ExitCode

NAME = "schema"


def command(
    ctx: typer.Context,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write the schema to FILE instead of stdout.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Print the ruleset JSON Schema (Draft 2020-12), including every registered check."""
    with handle_errors(debug_enabled(ctx, debug)):
        text = schema_text()
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_output(output, text)
    raise typer.Exit(int(ExitCode.OK))


def schema_text() -> str:
    """The schema of the default registry as indented JSON."""
    from ..outputs.json_format import dumps
    from ..plugins.manager import default_registry
    from ..ruleset.schema import ruleset_json_schema

    return dumps(ruleset_json_schema(default_registry()))
