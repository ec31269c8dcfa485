"""Reading TOML from outside: a parse error says where, never what.

``tomllib`` quotes keys in some messages (``Cannot declare ('a', '4111...')
twice``), raises :class:`RecursionError` on deeply nested arrays and
:class:`ValueError` on an integer too long to convert. :func:`loads` turns
every one of those into :class:`TomlInputError`, whose message names only
the line and column and what is wrong in general terms, so a config error
can be printed and logged whatever the file holds.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

__all__ = ["TomlInputError", "loads"]

_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
_MAX_BYTES = 4 * 1024 * 1024


class TomlInputError(ValueError):
    """The text is not TOML this program accepts; the message never quotes it."""


def loads(text: str) -> dict[str, Any]:
    """Parse ``text``; :class:`TomlInputError` with a position-only message if bad."""
    if len(text) > _MAX_BYTES:
        raise TomlInputError("not valid TOML: larger than 4 MiB")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _WHERE.search(str(exc))
        where = (
            f" at line {m[1]}, column {m[2]}"
            if m
            else " at the end of the file"
            if "end of document" in str(exc)
            else ""
        )
        raise TomlInputError(
            f"not valid TOML{where}: check the syntax there (a key defined twice, a missing"
            " quote or bracket)"
        ) from None
    except RecursionError:
        raise TomlInputError("not valid TOML: arrays or tables nested too deeply") from None
    except ValueError:
        raise TomlInputError("not valid TOML: a number too long to read") from None
