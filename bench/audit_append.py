"""Audit appends per second on SQLite and PostgreSQL, N concurrent calls.

``python -m bench.audit_append [--calls N[,N...]] [--seconds S]
[--store sqlite|postgresql|both] [--shared] [--json PATH]``

Each call is a thread with a store connection of its own (as calls on
several servers, or several processes, share one store; ``--shared``: one
connection for all, as the calls of one server process share its store) appending the
entries a call writes, back to back, for ``S`` seconds; every append is one
durable commit on the store's one chain (SQLite: ``synchronous=FULL``;
PostgreSQL: ``synchronous_commit=on``). Reported per store and N: appends/s
over all calls, and the p50/p99 latency of one append as the caller sees it
(waiting for the head lock included). At the end the chain is verified and
must hold every acknowledged entry. PostgreSQL is a ``pgserver`` started in
a temporary directory for the run and stopped after it (its data directory
is on the same disk as SQLite's file).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from guardrail.audit import AuditEntry, AuditStore, BufferedAudit
from guardrail.events import Audit

SID = "CA" + "5e" * 16


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        actor="proxy",
        event="disclosure",
        outcome="redacted",
        t_ms=20.0 * i,
        category="payment_card",
        action="audit",
        call_sid=SID,
    )


def run(url: str, calls: int, seconds: float, *, shared: bool = False) -> dict:
    """``calls`` threads appending to ``url`` for ``seconds``: the measured row.
    ``shared``: one store (one connection) for all of them, as one server
    process shares its store between its calls; otherwise one each."""
    one = AuditStore.open(url) if shared else None
    stores = [one or AuditStore.open(url) for _ in range(calls)]
    latencies: list[list[float]] = [[] for _ in range(calls)]
    errors: list[str] = []
    start = threading.Barrier(calls + 1)
    deadline = [0.0]

    def call(k: int) -> None:
        store, lat = stores[k], latencies[k]
        start.wait()
        i = 0
        try:
            while time.perf_counter() < deadline[0]:
                t0 = time.perf_counter()
                store.append(_entry(i))
                lat.append(time.perf_counter() - t0)
                i += 1
        except Exception as exc:  # reported, not hidden
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=call, args=(k,)) for k in range(calls)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    for s in {id(s): s for s in stores}.values():
        s.close()
    every = sorted(x for lat in latencies for x in lat)
    total = len(every)
    store = AuditStore.open(url, create=False)
    try:
        result = store.verify()
    finally:
        store.close()
    return {
        "calls": calls,
        "connections": 1 if shared else calls,
        "appends": total,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(total / elapsed, 1),
        "p50_ms": round(1000 * every[total // 2], 3) if total else None,
        "p99_ms": round(1000 * every[min(total - 1, int(total * 0.99))], 3) if total else None,
        "mean_ms": round(1000 * statistics.fmean(every), 3) if total else None,
        "verified": bool(result.ok and result.entries == total),
        "errors": errors,
    }


def run_buffered(url: str, calls: int, seconds: float, *, rate: float) -> dict:
    """``calls`` threads, each with a background :class:`BufferedAudit` on one
    shared store, offering ``rate`` entries a second each for ``seconds``: how
    long the caller waits per entry (an enqueue) and what the writers commit."""
    store = AuditStore.open(url)
    trails = [
        BufferedAudit(store, actor="proxy", call_sid=SID, background=True) for _ in range(calls)
    ]
    latencies: list[list[float]] = [[] for _ in range(calls)]
    start = threading.Barrier(calls + 1)
    deadline = [0.0]

    def call(k: int) -> None:
        trail, lat = trails[k], latencies[k]
        start.wait()
        i, due = 0, time.perf_counter()
        while due < deadline[0]:
            t0 = time.perf_counter()
            trail(Audit("disclosure", "redacted", 20.0 * i, "payment_card"))
            lat.append(time.perf_counter() - t0)
            i += 1
            due += 1.0 / rate
            time.sleep(max(0.0, due - time.perf_counter()))  # the call's pace, not a fix

    threads = [threading.Thread(target=call, args=(k,)) for k in range(calls)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    drained = all(trail.close(timeout=60) for trail in trails)
    elapsed = time.perf_counter() - t0
    every = sorted(x for lat in latencies for x in lat)
    committed = sum(t.appended for t in trails)
    dropped = sum(t.dropped for t in trails)
    result = store.verify()
    store.close()
    return {
        "calls": calls,
        "connections": 1,
        "offered_per_s": round(calls * rate, 1),
        "appends": committed,
        "dropped": dropped,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(committed / elapsed, 1),
        "p50_ms": round(1000 * every[len(every) // 2], 4) if every else None,
        "p99_ms": round(1000 * every[min(len(every) - 1, int(len(every) * 0.99))], 4)
        if every
        else None,
        "verified": bool(result.ok and result.entries == committed and drained),
        "errors": [],
    }


@contextlib.contextmanager
def _postgres(root: Path) -> Iterator[str]:
    """A pgserver in ``root`` for the run: its ``postgres`` database URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(root / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _new_pg_db(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.replace("/postgres?", f"/{name}?", 1)


def _mode(args: argparse.Namespace) -> str:
    if args.buffered:
        return f"buffered@{args.buffered:g}/s"
    return "shared" if args.shared else "per-call"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.audit_append", description=__doc__)
    ap.add_argument("--calls", default="1,10,50", help="concurrent calls, e.g. 10 or 1,10,50")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long each run appends")
    ap.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument(
        "--shared",
        action="store_true",
        help="one store connection shared by the calls (one server process) instead of one each",
    )
    ap.add_argument(
        "--buffered",
        type=float,
        metavar="RATE",
        help="calls go through BufferedAudit(background=True) on one shared store, each "
        "offering RATE entries/s; latency is then the caller's wait (an enqueue)",
    )
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    try:
        ns = [int(x) for x in args.calls.split(",") if x.strip()]
    except ValueError:
        ap.error("--calls takes a number or a comma-separated list of numbers")
    if not ns or min(ns) < 1:
        ap.error("--calls must be at least 1")
    kinds = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    root = Path(tempfile.mkdtemp(prefix="guardrail-audit-bench-"))
    rows: list[dict] = []
    try:
        with contextlib.ExitStack() as stack:
            pg = stack.enter_context(_postgres(root)) if "postgresql" in kinds else None
            for kind in kinds:
                for i, n in enumerate(ns):
                    if kind == "sqlite":
                        url = f"sqlite:///{root / f'audit{i}.db'}"
                    else:
                        assert pg is not None
                        url = _new_pg_db(pg, f"bench{i}")
                    AuditStore.open(url).close()
                    if args.buffered:
                        measured = run_buffered(url, n, args.seconds, rate=args.buffered)
                    else:
                        measured = run(url, n, args.seconds, shared=args.shared)
                    row = {"store": kind, "mode": _mode(args), **measured}
                    rows.append(row)
                    print(
                        f"{kind:10s} {row['mode']:14s} calls={n:3d} "
                        f"connections={row['connections']:3d}  "
                        f"{row['appends_per_s']:8.1f} appends/s  "
                        f"p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  "
                        f"verified={row['verified']}"
                        + (f"  dropped={row['dropped']}" if "dropped" in row else "")
                        + (f"  errors={row['errors']}" if row["errors"] else ""),
                        flush=True,
                    )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["verified"] and not r["errors"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
