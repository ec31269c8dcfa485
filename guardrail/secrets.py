"""Secret references: credentials are named, never written into config.

A secret in config is a reference: ``env:NAME`` (an environment variable) or
``file:/path`` (a file, e.g. a mounted Kubernetes or Docker secret). A literal
is refused with a message saying how to fix it. :class:`SecretRef` is read
each time its value is needed, so a rotated secret (a changed variable or
file) is picked up without a restart and without dropping live calls. Its
``repr`` never shows the value, and no error quotes it.

A ``file:`` secret must be a regular file (not a device, FIFO or directory,
so ``file:/dev/zero`` is refused before anything is read), opened without
following a symbolic link as its last component (a symlinked directory above
it, such as Kubernetes' ``..data``, is fine), readable by its owner only
(mode 0600 or 0400: anything open to group or others is refused, saying
``chmod 600``), and at most :data:`MAX_SECRET_BYTES` of UTF-8 text.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field

__all__ = ["MAX_SECRET_BYTES", "SecretError", "SecretRef"]

MAX_SECRET_BYTES = 4096
"""Longest ``file:`` secret read; Twilio tokens and keys are well under 100 bytes."""

_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]{0,127})$")
_FILE = re.compile(r"^file:(/.{1,4096})$")


class SecretError(ValueError):
    """A secret reference is malformed, or its value cannot be read."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A reference to a secret; :meth:`value` reads it now.

    ``where`` (the config key, e.g. ``twilio.auth_token``) prefixes errors.
    """

    ref: str
    where: str = field(default="", compare=False)

    @classmethod
    def parse(cls, value: object, where: str) -> SecretRef:
        """Accept ``env:NAME`` or ``file:/path``; refuse anything else (a literal)."""
        if isinstance(value, str) and (_ENV.match(value) or _FILE.match(value)):
            return cls(value, where)
        raise SecretError(
            f"{where}: secrets are references, not values; write env:NAME (an environment "
            "variable) or file:/path (a file holding it), and put the secret there"
        )

    def value(self) -> str:
        """The secret now (stripped of surrounding whitespace), or :class:`SecretError`.

        Read on every call, so rotation needs no restart. The error names the
        config key and the variable or path, never the value.
        """
        m = _ENV.match(self.ref)
        if m:
            v = os.environ.get(m[1])
            if not v:
                raise SecretError(f"{self._at()}environment variable {m[1]} is not set or empty")
            return v
        return self._read_file(self.ref[5:])

    def _at(self) -> str:
        return f"{self.where}: " if self.where else ""

    def _read_file(self, path: str) -> str:
        at = f"{self._at()}secret file {path}"
        try:
            st = os.lstat(path)
        except OSError:
            raise SecretError(f"{at} cannot be read") from None
        if stat.S_ISLNK(st.st_mode):
            raise SecretError(_symlink(at))
        if not stat.S_ISREG(st.st_mode):
            raise SecretError(f"{at} is not a regular file")
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # swapped for a link since the lstat
                raise SecretError(_symlink(at)) from None
            raise SecretError(f"{at} cannot be read") from None
        try:
            st = os.fstat(fd)  # what was opened, not what the path named a moment ago
            if not stat.S_ISREG(st.st_mode):
                raise SecretError(f"{at} is not a regular file")
            mode = stat.S_IMODE(st.st_mode)
            if mode & 0o077:
                raise SecretError(
                    f"{at} is open to group or others (mode {mode:04o}); run chmod 600 {path}"
                    " (for a mounted secret, set the mount's mode to 0400)"
                )
            data = _read_capped(fd)
        except OSError:
            raise SecretError(f"{at} cannot be read") from None
        finally:
            os.close(fd)
        if data is None:
            raise SecretError(f"{at} is larger than {MAX_SECRET_BYTES // 1024} KiB")
        try:
            v = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise SecretError(f"{at} is not UTF-8 text") from None
        if not v:
            raise SecretError(f"{at} is empty")
        return v

    def __repr__(self) -> str:
        return f"SecretRef({self.ref!r})"


def _symlink(at: str) -> str:
    return (
        f"{at} is a symbolic link; point the config at the file itself"
        " (for a Kubernetes secret volume, the file under its ..data directory)"
    )


def _read_capped(fd: int) -> bytes | None:
    """Up to :data:`MAX_SECRET_BYTES` from ``fd``; ``None`` if there is more."""
    chunks: list[bytes] = []
    n = 0
    while n <= MAX_SECRET_BYTES:
        chunk = os.read(fd, MAX_SECRET_BYTES + 1 - n)
        if not chunk:
            break
        chunks.append(chunk)
        n += len(chunk)
    return None if n > MAX_SECRET_BYTES else b"".join(chunks)
