"""``Result``: ``Success(value)`` or ``Failure(error)``, with map/bind/unwrap (the seed's ``rfs.core.result``)."""

from __future__ import annotations

from typing import Any, Callable, Generic, NoReturn, TypeVar

from ..errors import RfsrulesError

T = TypeVar("T")
E = TypeVar("E")
U = TypeVar("U")


class UnwrapError(RfsrulesError):
    """``unwrap()`` on a Failure or ``unwrap_error()`` on a Success; ``result`` is the Result concerned."""

    def __init__(self, message: str, result: "Result"):
        self.result = result
        super().__init__(message)


class Result(Generic[T, E]):
    """Base class of :class:`Success` and :class:`Failure`; not instantiated directly."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any):
        if cls is Result:
            raise TypeError("Result is abstract: use Success(value) or Failure(error)")
        return super().__new__(cls)

    def is_success(self) -> bool:
        """True for a Success."""
        return isinstance(self, Success)

    def is_failure(self) -> bool:
        """True for a Failure."""
        return isinstance(self, Failure)

    def unwrap(self) -> T:
        """The value of a Success; raises :class:`UnwrapError` on a Failure."""
        raise NotImplementedError

    def unwrap_error(self) -> E:
        """The error of a Failure; raises :class:`UnwrapError` on a Success."""
        raise NotImplementedError

    def unwrap_or(self, default: Any) -> Any:
        """The value of a Success, else ``default``."""
        raise NotImplementedError

    def unwrap_or_else(self, fn: Callable[[E], Any]) -> Any:
        """The value of a Success, else ``fn(error)``."""
        raise NotImplementedError

    def map(self, fn: Callable[[T], U]) -> "Result[U, E]":
        """``Success(fn(value))`` for a Success; a Failure is returned unchanged."""
        raise NotImplementedError

    def map_error(self, fn: Callable[[E], U]) -> "Result[T, U]":
        """``Failure(fn(error))`` for a Failure; a Success is returned unchanged."""
        raise NotImplementedError

    def bind(self, fn: Callable[[T], "Result[U, E]"]) -> "Result[U, E]":
        """``fn(value)`` (which must return a Result) for a Success; a Failure is returned unchanged."""
        raise NotImplementedError


class Success(Result[T, E]):
    """A successful result holding ``value``."""

    __slots__ = ("value",)
    __match_args__ = ("value",)

    def __init__(self, value: T):
        self.value = value

    def unwrap(self) -> T:
        return self.value

    def unwrap_error(self) -> NoReturn:
        raise UnwrapError(f"unwrap_error() called on {self!r}", self)

    def unwrap_or(self, default: Any) -> T:
        return self.value

    def unwrap_or_else(self, fn: Callable[[E], Any]) -> T:
        return self.value

    def map(self, fn: Callable[[T], U]) -> "Success[U, E]":
        return Success(fn(self.value))

    def map_error(self, fn: Callable[[E], U]) -> "Success[T, U]":
        return self  # type: ignore[return-value]

    def bind(self, fn: Callable[[T], Result[U, E]]) -> Result[U, E]:
        out = fn(self.value)
        if not isinstance(out, Result):
            raise TypeError(f"bind() needs a function returning a Result, got {type(out).__name__}")
        return out

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Result):
            return isinstance(other, Success) and self.value == other.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Success, self.value))

    def __repr__(self) -> str:
        return f"Success({self.value!r})"


class Failure(Result[T, E]):
    """A failed result holding ``error`` (any value: a message, a list of error dicts, an exception)."""

    __slots__ = ("error",)
    __match_args__ = ("error",)

    def __init__(self, error: E):
        self.error = error

    def unwrap(self) -> NoReturn:
        exc = UnwrapError(f"unwrap() called on {self!r}", self)
        if isinstance(self.error, BaseException):
            raise exc from self.error
        raise exc

    def unwrap_error(self) -> E:
        return self.error

    def unwrap_or(self, default: Any) -> Any:
        return default

    def unwrap_or_else(self, fn: Callable[[E], Any]) -> Any:
        return fn(self.error)

    def map(self, fn: Callable[[T], U]) -> "Failure[U, E]":
        return self  # type: ignore[return-value]

    def map_error(self, fn: Callable[[E], U]) -> "Failure[T, U]":
        return Failure(fn(self.error))

    def bind(self, fn: Callable[[T], Result[U, E]]) -> "Failure[U, E]":
        return self  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Result):
            return isinstance(other, Failure) and self.error == other.error
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Failure, self.error))

    def __repr__(self) -> str:
        return f"Failure({self.error!r})"
