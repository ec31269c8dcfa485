"""In-call guardrail for telephony voice agents.

``guardrail.scan(text, role=...)`` is the detector's one-call API. The
package keeps its import light: the command line and adapters import what
they need, so ``import guardrail`` never pulls Pipecat, numpy or asyncio
into a process that does not use them.
"""

from .detect import CallScanner, Finding, ScanResult, StreamingRedactor, scan

__version__ = "0.1.0"

__all__ = ["CallScanner", "Finding", "ScanResult", "StreamingRedactor", "__version__", "scan"]
