"""Typer command classes that convert ordinary option values without importing pydantic."""

from __future__ import annotations

import enum
import re
from typing import Any

from typer.core import TyperCommand, TyperGroup

# Typer 0.2x converts every given option value through a pydantic ``TypeAdapter``; importing pydantic
# and building the adapters was about a fifth of an ``rfsrules check`` run on a small file. The options
# of ``rfsrules`` are strings, lists of strings, flags, bounded integers and enums, whose ordinary values
# need no pydantic: each parameter gets a converter that returns what Typer's adapter returns for those
# values and hands every other value (a wrong type, a number out of range, an unknown choice) to
# Typer's own adapter, so error messages are unchanged. With a Typer without adapters nothing changes.

try:  # Typer's private coercion layer (pydantic based); absent in older versions
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_choice
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - depends on the installed Typer
    RuntimeParam = None  # type: ignore[assignment,misc]

_INT = re.compile(r"0|-?[1-9][0-9]{0,17}")
"""Decimal integers every converter reads alike (no plus sign, spaces, underscores or leading zeros)."""


def _fast_value(annotation: Any, info: Any, value: Any, ctx: Any) -> tuple[bool, Any]:
    """``(True, converted)`` when ``value`` is an ordinary value of ``annotation``, else ``(False, None)``."""
    if annotation is str:
        return (True, value) if type(value) is str else (False, None)
    if annotation is bool:
        return (True, value) if type(value) is bool else (False, None)
    if annotation is int:
        if type(value) is int:
            number = value
        elif type(value) is str and _INT.fullmatch(value):
            number = int(value)
        else:
            return False, None
        if info.clamp or (info.min is not None and number < info.min) or (
                info.max is not None and number > info.max):
            return False, None
        return True, number
    if getattr(annotation, "__origin__", None) is list and getattr(annotation, "__args__", None) == (str,):
        if isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            return True, list(value)
        return False, None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        try:
            return True, coerce_cli_choice(value, choices=tuple(annotation),
                                           case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return False, None
    return False, None


if RuntimeParam is not None:

    class _FastRuntimeParam(RuntimeParam):  # type: ignore[misc,valid-type]
        """Converts ordinary values itself; everything else goes to Typer's adapter, built on demand."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            done, converted = _fast_value(self.annotation, self.parameter_info, value, ctx)
            if done:
                return converted
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def _install(params: list[Any]) -> None:
    if RuntimeParam is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if (isinstance(param, _TyperParameter) and descriptor is not None and descriptor.file_annotation is None
                and descriptor.parameter_info.parser is None and param._runtime_param is None):
            param._runtime_param = _FastRuntimeParam(parameter_info=descriptor.parameter_info,
                                                     annotation=descriptor.annotation)


class _FastParams:
    """Gives the parameters of a Typer command or group (and its ``--help``) the fast converter."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _install(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        """The ``--help`` option (made on first use), with the same conversion."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _install([option])
        return option


class FastCommand(_FastParams, TyperCommand):
    """A Typer command whose ordinary option values are converted without pydantic."""


class FastGroup(_FastParams, TyperGroup):
    """A Typer group (the global options) whose ordinary option values are converted without pydantic."""
