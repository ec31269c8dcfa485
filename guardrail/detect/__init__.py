"""Text detectors: what a caller discloses and what an agent asks for.

``from guardrail.detect import scan`` for one text; :class:`CallScanner` for a
call's conversation; :class:`StreamingRedactor` for token streams.
"""

from .categories import DISCLOSURE_CATEGORIES, REQUEST_CATEGORIES
from .disclose import Finding
from .scan import CallScanner, ScanResult, StreamingRedactor, redact, scan

__all__ = [
    "DISCLOSURE_CATEGORIES",
    "REQUEST_CATEGORIES",
    "CallScanner",
    "Finding",
    "ScanResult",
    "StreamingRedactor",
    "redact",
    "scan",
]
