"""The product's own words are never taken for values.

Every event, outcome and reason name the code writes into audit entries and
log lines (``Audit("sensitive_operation", "withheld_audit_unavailable", ...)``)
goes through the value guard and the log scrubber. One that looked like a
value (``sensitive_operation`` read as a password once "sensitive" became a
spelling word) got the audit entry stored withheld: the trail lost what
happened. Collected from the source, so a new name is checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

from guardrail.logs import scrub

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"""["']([a-z]+(?:_[a-z]+)+)["']""")
"""Names of words only: the product's vocabulary ("field_0", a key the log writer makes
up for an unloggable one, is no name of anything)."""


def _names() -> set[str]:
    names: set[str] = set()
    for folder in ("guardrail", "handoff", "audio"):
        for path in (ROOT / folder).rglob("*.py"):
            if "detect" in path.parts:
                continue
            names.update(_NAME.findall(path.read_text()))
    return names


def test_every_snake_case_name_in_the_code_passes_the_scrubber_unchanged():
    names = _names()
    assert "sensitive_operation" in names
    assert len(names) > 200
    changed = sorted(n for n in names if scrub(n) != n)
    assert changed == []
