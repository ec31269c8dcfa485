"""``python -m bench [--quick] [--json PATH] [--gate] [--png PATH]``: hot paths vs baselines.

Each row is measured against a baseline in the same run (see
:mod:`bench.harness`); ``ratio`` is the path's median over the baseline's.
Budgets come from DESIGN.md.

Without ``--gate`` the exit code is 0 whether or not budgets are met: the
report says which are. With ``--gate`` (what a release runs, see the README),
a row over budget is re-measured, interleaved with its baseline, up to
``--tries`` times, and the run exits 1 only if some row stays over
(:mod:`bench.gate`); ``--gate-json`` writes every attempt, ``--png`` a plot of
each row's distribution beside its baseline.
"""

from __future__ import annotations

import argparse
import json
import sys

from .harness import Row
from .paths import run_all


def measure_rows(*, quick: bool, only: list[str] | None) -> list[Row]:
    """Every row (or the ``only`` ones), in report order."""
    rows = run_all(quick=quick, only=only)

    # The Pipecat input path through the real transport and serializer, guarded
    # vs unguarded (bench/pipecat_transport.py; no rows without the pipecat extra).
    from .pipecat_transport import transport_rows

    rows.extend(transport_rows(quick=quick, only=only))
    return rows


def _remeasure(quick: bool):
    def again(name: str) -> Row | None:
        return next((r for r in measure_rows(quick=quick, only=[name]) if r.name == name), None)

    return again


def _print(rows: list[Row], marks: dict[str, str] | None = None) -> None:
    w = sys.stdout.write
    w(f"{'path':<30}{'unit':>6}{'p50':>10}{'p99':>10}{'baseline':>10}{'ratio':>8}  budget\n")
    for r in rows:
        base = "-" if r.baseline is None else f"{r.baseline:.3f}"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        mark = (marks or {}).get(r.name) or ("ok" if r.ok else "OVER")
        w(
            f"{r.name:<30}{r.unit:>6}{r.p50:>10.3f}{r.p99:>10.3f}{base:>10}{ratio:>8}  "
            f"{r.budget} [{mark}]\n"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    p.add_argument("--only", metavar="NAME", action="append", help="run only these rows")
    p.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 if a row stays over budget after re-measuring (the pre-release gate)",
    )
    p.add_argument("--tries", type=int, default=3, help="re-measures of a row over budget")
    p.add_argument("--gate-json", metavar="PATH", help="with --gate: every attempt, as JSON")
    p.add_argument("--png", metavar="PATH", help="plot each row's distribution beside its baseline")
    args = p.parse_args(argv)
    if args.tries < 0:
        p.error("--tries must be 0 or more")
    rows = measure_rows(quick=args.quick, only=args.only)

    result = None
    if args.gate or args.png:
        from .gate import run_gate

        tries = args.tries if args.gate else 0
        log = (lambda m: print(m, file=sys.stderr, flush=True)) if args.gate else None
        result = run_gate(rows, _remeasure(args.quick), tries=tries, log=log)
        rows = [v.final for v in result.rows]
        marks = {
            v.name: {"ok": "ok", "ok_on_remeasure": "ok, re-measured", "over": "OVER"}[v.verdict]
            for v in result.rows
        }
        _print(rows, marks)
    else:
        _print(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([r.as_dict() for r in rows], f, indent=1)
            f.write("\n")
    if result is not None:
        if args.gate_json:
            result.write_json(args.gate_json)
        if args.png:
            from .gate import plot_rows

            plot_rows(result, args.png)
        if args.gate:
            if result.passed:
                print("gate: every row within budget", file=sys.stderr)
                return 0
            print(
                f"gate: over budget after re-measuring: {', '.join(result.failed)}", file=sys.stderr
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
