"""Errors raised by the audio core.

Messages say what is wrong and how to fix it; they never quote sample data.
"""

from __future__ import annotations

__all__ = ["AudioError", "AudioFormatError", "SpanFlushedError"]


class AudioError(Exception):
    """Base class of every error raised by :mod:`audio`."""


class AudioFormatError(AudioError, ValueError):
    """Audio (a file, a payload or a parameter) is not in a format we accept."""


class SpanFlushedError(AudioError):
    """A retroactive mask was asked for audio that has already been written out."""
