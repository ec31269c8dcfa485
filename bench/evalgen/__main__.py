"""``python -m bench.evalgen [--out DIR] [--seed N]``: regenerate the frozen dev/test split."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .generate import SEED, write

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "generated"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.evalgen", description=__doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for dev.jsonl, test.jsonl")
    p.add_argument("--seed", type=int, default=SEED, help="the generator's seed")
    args = p.parse_args(argv)
    counts = write(args.out, args.seed)
    sys.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
