"""Build ``holdout3.jsonl`` from the hand-written, marked-up sources in ``src/``.

The third hand-written held-out set. The sources use the markup of the first
set (see ``bench/data/handwritten/build_holdout.py``, whose parser this script
imports); ids are ``h3-<section>-<n>``. Before writing, every item goes
through the second set's checks (``check`` in
``bench/data/handwritten2/build.py``, imported, not copied): schema, spans on
value characters, every span read back to a value of its category (public
test cards only, ABA and IBAN checksums, SSNs in a valid shape, PIN and code
lengths), and no Luhn-valid card-like run outside the test-card list anywhere,
context included. A failed check names the item and writes nothing.

One difference: this set also uses published test cards the second set does
not (``EXTRA_TEST_CARDS``). The second set's ``check`` reads its module's
``TEST_CARDS`` when it runs, so this script loads its own copy of that module
and widens ``TEST_CARDS`` there; the second set's build and test load theirs
and are not affected.

Run: ``python bench/data/handwritten3/build.py`` (from the repo root).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_holdout = _load("build_holdout", HERE.parent / "handwritten" / "build_holdout.py")
_checks = _load("handwritten3_checks", HERE.parent / "handwritten2" / "build.py")

# Published test cards (Visa, Mastercard 2-series and debit, Amex, Discover, JCB,
# Diners) beside the second set's five.
EXTRA_TEST_CARDS = {
    "4242424242424242",
    "4000056655665556",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "371449635398431",
    "6011000990139424",
    "3566002020360505",
    "36227206271667",
}
_checks.TEST_CARDS = _checks.TEST_CARDS | EXTRA_TEST_CARDS
TEST_CARDS = _checks.TEST_CARDS
CheckError = _checks.CheckError
check = _checks.check
read_back = _checks.read_back


def build() -> list[dict]:
    """The items of every source file, with ``h3-`` ids."""
    items = [it for p in sorted((HERE / "src").glob("*.txt")) for it in build_holdout.parse(p)]
    for it in items:
        it["id"] = "h3-" + it["id"].removeprefix("hw-")
    return items


def mix(items: list[dict]) -> dict:
    """Counts for the README: roles, kinds of line, findings and requests a category."""
    with_values = sum(1 for it in items if it["role"] == "caller" and it["findings"])
    agent = sum(1 for it in items if it["role"] == "agent" and (it["findings"] or it["requests"]))
    return {
        "items": len(items),
        "caller": sum(1 for it in items if it["role"] == "caller"),
        "agent": sum(1 for it in items if it["role"] == "agent"),
        "caller_with_values": with_values,
        "several_values": sum(1 for it in items if len(it["findings"]) > 1),
        "agent_requests_or_readbacks": agent,
        "agent_requests": sum(1 for it in items if it["requests"]),
        "agent_readbacks": sum(1 for it in items if it["role"] == "agent" and it["findings"]),
        "negatives": sum(1 for it in items if not it["findings"] and not it["requests"]),
        "with_context": sum(1 for it in items if it.get("context")),
        "findings": Counter(f["category"] for it in items for f in it["findings"]),
        "requests": Counter(c for it in items for c in it["requests"]),
    }


def main() -> int:
    items = build()
    check(items)
    out = HERE / "holdout3.jsonl"
    out.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items))
    m = mix(items)
    print(f"{len(items)} items -> {out}")
    for key, value in m.items():
        if not isinstance(value, Counter):
            print(f"  {key:28s} {value}")
    for cat in sorted(set(m["findings"]) | set(m["requests"])):
        print(f"  {cat:20s} findings {m['findings'][cat]:3d}  requests {m['requests'][cat]:3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
