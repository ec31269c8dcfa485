"""Build ``dev.jsonl`` from the hand-written, marked-up sources in ``src/``.

Same markup as the held-out set (see ``bench/data/handwritten/build_holdout.py``,
whose parser this reuses): ``## name`` sections, ``c:``/``a:`` context turns,
``C``/``A`` scored lines with a trailing ``=> category, ...`` for requests,
``«code:value»`` for disclosed values. Ids are ``hd-<name>-<n>``, so they
never collide with the held-out ``hw-`` ids.

Run: ``python bench/data/handwritten_dev/build_dev.py`` (from the repo root).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "build_holdout", HERE.parent / "handwritten" / "build_holdout.py"
)
build_holdout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_holdout)
SourceError = build_holdout.SourceError


def parse(path: Path) -> list[dict]:
    """The items of one source file, with ``hd-`` ids."""
    items = build_holdout.parse(path)
    for it in items:
        it["id"] = "hd-" + it["id"].removeprefix("hw-")
    return items


def build() -> list[dict]:
    """Every item of every source file, in file order."""
    return [it for p in sorted((HERE / "src").glob("*.txt")) for it in parse(p)]


def main() -> int:
    items = build()
    out = HERE / "dev.jsonl"
    out.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items))
    print(f"{len(items)} items -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
