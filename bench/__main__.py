"""``python -m bench [--quick] [--json PATH]``: every hot path beside its baseline.

Each row is measured against a baseline in the same run (see
:mod:`bench.harness`); ``ratio`` is the path's median over the baseline's.
Budgets come from DESIGN.md. The exit code is 0 whether or not budgets are
met: the report says which are, and a release checks ``ok``.
"""

from __future__ import annotations

import argparse
import json
import sys

from .paths import run_all


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    p.add_argument("--only", metavar="NAME", action="append", help="run only these rows")
    args = p.parse_args(argv)
    rows = run_all(quick=args.quick, only=args.only)

    # The Pipecat input path through the real transport and serializer, guarded
    # vs unguarded (bench/pipecat_transport.py; no rows without the pipecat extra).
    from .pipecat_transport import transport_rows

    rows.extend(transport_rows(quick=args.quick, only=args.only))

    w = sys.stdout.write
    w(f"{'path':<28}{'unit':>6}{'p50':>10}{'p99':>10}{'baseline':>10}{'ratio':>8}  budget\n")
    for r in rows:
        base = "-" if r.baseline is None else f"{r.baseline:.3f}"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        mark = "ok" if r.ok else "OVER"
        w(
            f"{r.name:<28}{r.unit:>6}{r.p50:>10.3f}{r.p99:>10.3f}{base:>10}{ratio:>8}  "
            f"{r.budget} [{mark}]\n"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([r.as_dict() for r in rows], f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
