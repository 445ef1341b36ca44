"""Argument checks at the public boundary: a wrong type is a ``WrongType`` naming the
argument (both a ``TypeError`` and the package's ``UsageError``, exit 2), a wrong value a
``UsageError`` (a ``ValueError``), before any work or I/O.

Before, ``convert(record, programs="Piano=0")`` failed deep in ``gm`` with ``'str' object has
no attribute 'items'``, ``export_task(..., output=None)`` fetched the record and saved the
JSON before an ``AssertionError``, ``wait_for_record(on_poll=5)`` made a request and then
``'int' object is not callable``. These checks are ``isinstance`` calls: free on the hot
path. ``bool`` never passes for a number (``True`` is an ``int`` to Python, not a ppq).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .errors import UsageError

__all__ = ["WrongType", "brief", "check_callable", "check_flag", "check_mapping", "check_number",
           "check_type", "kind"]


class WrongType(UsageError, TypeError):
    """An argument of the wrong type: ``except TypeError`` and ``except UsageError`` both
    catch it."""


def brief(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters (a 10,000-character option
    value is not echoed whole)."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4,300 digits
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind(value: object) -> str:
    """What a value is, for a message: ``None``, ``str``, ``int``..."""
    return "None" if value is None else type(value).__name__


def check_type(name: str, value: object, types: type | tuple[type, ...], what: str, *,
               optional: bool = False) -> None:
    """``TypeError("<name> must be <what>, not <type>")`` unless ``value`` is one of
    ``types`` (or None when ``optional``)."""
    if optional and value is None:
        return
    allowed = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in allowed):
        raise WrongType(f"{name} must be {what}{' or None' if optional else ''}, "
                        f"not {kind(value)}")


def check_flag(name: str, value: object) -> None:
    check_type(name, value, bool, "True or False")


def check_callable(name: str, value: object, *, optional: bool = True) -> None:
    if optional and value is None:
        return
    if not callable(value):
        raise WrongType(f"{name} must be callable{' or None' if optional else ''}, "
                        f"not {kind(value)}")


def check_number(name: str, value: object, *, minimum: float | None = None,
                 maximum: float | None = None, integer: bool = False,
                 optional: bool = False) -> None:
    """A number (an ``int`` with ``integer``), finite, within the bounds given."""
    if optional and value is None:
        return
    check_type(name, value, int if integer else (int, float),
               "a whole number" if integer else "a number", optional=optional)
    assert isinstance(value, (int, float))
    if not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number, not {value!r}")
    if minimum is not None and value < minimum:
        raise UsageError(f"{name} must be at least {minimum:g}, not {value!r}")
    if maximum is not None and value > maximum:
        raise UsageError(f"{name} must be at most {maximum:g}, not {value!r}")


def check_mapping(name: str, value: object, keys: type | tuple[type, ...],
                  values: type | tuple[type, ...], what: str, *, optional: bool = True,
                  hint: str = "") -> None:
    """A mapping whose keys and values have these types (``what`` says what it maps)."""
    if optional and value is None:
        return
    if not isinstance(value, Mapping):
        raise WrongType(f"{name} must be a mapping of {what}, not {kind(value)}"
                        + (f" ({hint})" if hint and isinstance(value, str) else ""))
    for key, item in value.items():
        if not isinstance(key, keys) or isinstance(item, bool) or not isinstance(item, values):
            raise WrongType(f"{name} must map {what}; {key!r}: {item!r} does not")

