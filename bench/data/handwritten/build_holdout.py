"""Build ``holdout.jsonl`` from the hand-written, marked-up sources in ``src/``.

The sources are the set: every line was written by hand. This script only
turns the markup into the JSON Lines schema of ``bench/data/generated``
(character spans), so nobody counts offsets by hand. Format, one item a line:

- ``## name``: a section; ids are ``hw-<name>-<n>``;
- ``c: text`` / ``a: text``: an earlier turn (caller / agent), the context
  of the next item;
- ``C text`` / ``A text``: the scored line, caller / agent; a trailing
  ``=> pin, password`` lists the categories the line asks for;
- ``«code:value»`` marks a disclosed value (codes in ``CODES``); markup in
  a context turn is dropped (context is not scored);
- ``#`` starts a comment line.

Run: ``python bench/data/handwritten/build_holdout.py`` (from the repo root).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = {
    "pc": "payment_card",
    "cvv": "card_security_code",
    "exp": "card_expiry",
    "ssn": "ssn",
    "acct": "bank_account",
    "rt": "routing_number",
    "iban": "iban",
    "dob": "date_of_birth",
    "pin": "pin",
    "pw": "password",
}
REQUESTS = {*CODES.values(), "health"}
MARK = re.compile(r"«(\w+):(.*?)»")


class SourceError(ValueError):
    """A source line does not follow the markup; the message names file and line."""


def unmark(text: str, where: str) -> tuple[str, list[dict]]:
    """The text without markup, and the spans the markup stood for."""
    out, findings, pos = [], [], 0
    for m in MARK.finditer(text):
        out.append(text[pos : m.start()])
        code, value = m.group(1), m.group(2)
        if code not in CODES:
            raise SourceError(f"{where}: unknown code {code!r}; use one of {sorted(CODES)}")
        start = sum(len(x) for x in out)
        out.append(value)
        findings.append({"category": CODES[code], "start": start, "end": start + len(value)})
        pos = m.end()
    out.append(text[pos:])
    plain = "".join(out)
    if "«" in plain or "»" in plain:
        raise SourceError(f"{where}: unbalanced markup")
    return plain, findings


def parse(path: Path) -> list[dict]:
    """The items of one source file."""
    items: list[dict] = []
    section, n, context = path.stem, 0, []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        where = f"{path.name}:{no}"
        if not line or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            section, n = line[3:].strip(), 0
            continue
        if line[:3] in ("c: ", "a: "):
            text, _ = unmark(line[3:], where)
            context.append({"role": "caller" if line[0] == "c" else "agent", "text": text})
            continue
        if line[:2] not in ("C ", "A "):
            raise SourceError(f"{where}: a line starts with C, A, c:, a:, ## or #")
        body, _, req = line[2:].partition(" => ")
        requests = [r.strip() for r in req.split(",") if r.strip()]
        bad = [r for r in requests if r not in REQUESTS]
        if bad:
            raise SourceError(f"{where}: unknown request category {bad}")
        text, findings = unmark(body, where)
        n += 1
        item = {
            "id": f"hw-{section}-{n:03d}",
            "role": "caller" if line[0] == "C" else "agent",
            "text": text,
            "findings": findings,
            "requests": sorted(set(requests), key=requests.index),
        }
        if context:
            item["context"] = context
        items.append(item)
        context = []
    if context:
        raise SourceError(f"{path.name}: context turns at the end with no item after them")
    return items


def main() -> int:
    items = [it for p in sorted((HERE / "src").glob("*.txt")) for it in parse(p)]
    out = HERE / "holdout.jsonl"
    out.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items))
    print(f"{len(items)} items -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
