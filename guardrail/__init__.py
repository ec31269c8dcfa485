"""In-call guardrail for telephony voice agents.

The package keeps its import light: the command line and adapters import
what they need, so ``import guardrail`` never pulls Pipecat or numpy-heavy
modules into a process that does not use them.
"""

__version__ = "0.1.0"
