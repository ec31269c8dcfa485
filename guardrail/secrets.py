"""Secret references: credentials are named, never written into config.

A secret in config is a reference: ``env:NAME`` (an environment variable) or
``file:/path`` (a file, e.g. a mounted Kubernetes or Docker secret). A literal
is refused with a message saying how to fix it. :class:`SecretRef` is read
each time its value is needed, so a rotated secret (a changed variable or
file) is picked up without a restart and without dropping live calls. Its
``repr`` never shows the value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SecretError", "SecretRef"]

_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]{0,127})$")
_FILE = re.compile(r"^file:(/.{1,4096})$")


class SecretError(ValueError):
    """A secret reference is malformed, or its value cannot be read."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A reference to a secret; :meth:`value` reads it now."""

    ref: str

    @classmethod
    def parse(cls, value: object, where: str) -> SecretRef:
        """Accept ``env:NAME`` or ``file:/path``; refuse anything else (a literal)."""
        if isinstance(value, str) and (_ENV.match(value) or _FILE.match(value)):
            return cls(value)
        raise SecretError(
            f"{where}: secrets are references, not values; write env:NAME (an environment "
            "variable) or file:/path (a file holding it), and put the secret there"
        )

    def value(self) -> str:
        m = _ENV.match(self.ref)
        if m:
            v = os.environ.get(m[1])
            if not v:
                raise SecretError(f"environment variable {m[1]} is not set or empty")
            return v
        path = Path(self.ref[5:])
        try:
            v = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise SecretError(f"secret file {path} cannot be read") from None
        if not v:
            raise SecretError(f"secret file {path} is empty")
        return v

    def __repr__(self) -> str:
        return f"SecretRef({self.ref!r})"
