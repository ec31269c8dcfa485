"""The ``guardrail`` command line.

Commands that print data print JSON Lines on stdout. Bad input (a file that
is not audio, the wrong sample rate, stereo, truncated or empty) gives one
line on stderr saying what is wrong and how to fix it, and exit code 2; it
never prints a traceback and never echoes the input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input the user can fix; the message is printed as it is."""


def _frames(pcm, frame_samples: int):
    import numpy as np

    pad = (-len(pcm)) % frame_samples
    if pad:
        pcm = np.concatenate([pcm, np.zeros(pad, dtype=np.int16)])
    for i in range(0, len(pcm), frame_samples):
        yield i, pcm[i : i + frame_samples]


def _read(path: str, raw: bool):
    from audio.errors import AudioFormatError
    from audio.wav import read_wav

    try:
        pcm, _ = read_wav(path, raw=raw)
    except AudioFormatError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return pcm


def cmd_dtmf(args: argparse.Namespace) -> int:
    from audio.dtmf import DtmfDetector, KeyUp

    pcm = _read(args.file, args.raw)
    det = DtmfDetector(args.frame_ms)
    n = args.frame_ms * 8
    presses = []
    for i, frame in _frames(pcm, n):
        presses.extend(e for e in det.process(frame, i / 8.0) if isinstance(e, KeyUp))
    presses.extend(e for e in det.flush() if isinstance(e, KeyUp))
    out = sys.stdout
    if args.digits:
        out.write("".join(p.digit for p in presses) + "\n")
    else:
        for p in presses:
            out.write(
                json.dumps({"digit": p.digit, "start_ms": p.start_ms, "end_ms": p.end_ms}) + "\n"
            )
    return 0


def cmd_vad(args: argparse.Namespace) -> int:
    from audio.vad import SpeechStopped, VoiceActivityDetector

    pcm = _read(args.file, args.raw)
    vad = VoiceActivityDetector(
        args.aggressiveness,
        frame_ms=args.frame_ms,
        start_ms=args.start_ms,
        stop_ms=args.stop_ms,
    )
    segments = []
    for i, frame in _frames(pcm, args.frame_ms * 8):
        ev = vad.process(frame.tobytes(), i / 8.0)
        if isinstance(ev, SpeechStopped):
            segments.append(ev)
    last = vad.flush()
    if last is not None:
        segments.append(last)
    for s in segments:
        sys.stdout.write(json.dumps({"start_ms": s.start_ms, "end_ms": s.t_ms}) + "\n")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from .replay import run

    policy = routes = None
    if args.config:
        config = _config(args.config)
        policy = config.policy
        routes = {name: r.kind for name, r in config.routes.items()} or None
    audit = store = None
    if args.audit:
        from .audit import BufferedAudit

        store = _store(args.audit, create=True)
        audit = BufferedAudit(store, actor="replay")
    try:
        code = run(
            args.log, sys.stdout, policy=policy, record=args.record, routes=routes, audit=audit
        )
        if audit is not None and not (audit.flush() and audit.healthy):
            sys.stderr.write(
                f"guardrail replay: audit store: {audit.pending} entries not written, "
                f"{audit.dropped} dropped\n"
            )
            return 1
        return code
    except FileNotFoundError:
        raise UsageError(f"{args.log}: file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{args.log}: is a directory; expected a message log") from None
    except PermissionError:
        raise UsageError(f"{args.log}: not readable (permission denied)") from None
    finally:
        if store is not None:
            store.close()


def _store(url: str, *, create: bool):
    from .audit import AuditStore, AuditStoreError

    try:
        return AuditStore.open(url, create=create)
    except AuditStoreError as exc:
        raise UsageError(str(exc)) from None


def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify`` (exit 0 only on an intact chain, 1 on a broken one; with
    ``--head``, also no truncation after it; with ``--anchor``, the store's
    purge anchor must be that one), ``audit head``, ``audit export`` (JSON
    Lines). Store URLs appear in messages only with the password redacted."""
    from .audit import AuditStoreError, parse_head, parse_time, redact_url

    for option in ("head", "anchor"):
        if getattr(args, option, None) is not None:
            try:
                parse_head(getattr(args, option))
            except ValueError as exc:
                raise UsageError(f"--{option}: {exc}") from None
    if getattr(args, "since", None) is not None:
        try:
            parse_time(args.since)
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
    store = _store(args.store, create=False)
    out = sys.stdout
    try:
        if args.audit_command == "verify":
            result = store.verify(head=args.head, anchor=args.anchor)
            out.write(json.dumps(result.as_dict()) + "\n")
            return 0 if result.ok else 1
        if args.audit_command == "head":
            head = store.head()
            if head is None:
                raise UsageError(f"{redact_url(args.store)}: the store is empty; no head yet")
            out.write(head + "\n")
            return 0
        for entry in store.export(call=args.call, since=args.since):
            out.write(json.dumps(entry) + "\n")
        return 0
    except AuditStoreError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()


def _config(path: str):
    from .config import Config, ConfigError

    try:
        return Config.load(path)
    except ConfigError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _now(text: str | None):
    from .check import parse_now

    try:
        return parse_now(text)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None


def cmd_check(args: argparse.Namespace) -> int:
    """The security checklist (guardrail.check): exit 1 on any failing line; a
    config that does not load is bad input (exit 2, one line on stderr)."""
    from . import check
    from .config import Config, ConfigError

    now = _now(args.now)
    try:
        config = Config.load(args.config)
    except ConfigError as exc:
        raise UsageError(f"{args.config}: fails, the config does not load: {exc}") from None
    report = check.run(config, args.config, now=now)
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(report.text())
    return 1 if report.failed else 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete what is due per [retention] (JSON Lines, one summary per kind); exit 1
    if any kind failed."""
    from .retention import run_purge

    now = _now(args.now)
    config = _config(args.config)
    rows, ok = run_purge(config, now=now, dry_run=args.dry_run)
    for row in rows:
        sys.stdout.write(json.dumps(row) + "\n")
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """``guardrail demo``: two protected calls offline; exit 0 only if every protection held."""
    from .demo.report import plot, timeline_text
    from .demo.run import run

    out = Path(args.out)
    err = sys.stderr
    err.write(f"guardrail demo: two calls through guardrail serve on loopback; files in {out}/\n")
    result = run(out, say=lambda line: (err.write(line + "\n"), err.flush()))
    text = timeline_text(result)
    (out / "timeline.txt").write_text(text)
    checks = [
        {"call": c.call, "check": c.name, "ok": c.ok, "detail": c.detail} for c in result.checks
    ]
    summary = {"ok": result.ok, "checks": checks, "added_latency_us": result.latency_us}
    (out / "checks.json").write_text(json.dumps(summary, indent=1) + "\n")
    sys.stdout.write("\n" + text)
    try:
        plot(result, out / "timeline.png")
        png = f", {out / 'timeline.png'}"
    except ImportError:
        png = " (no PNG: pip install -e '.[demo]' for matplotlib)"
    store = out / "guardrail.db"
    sys.stdout.write(
        f"\nfiles: {out / 'timeline.txt'}{png}, the recordings in {out / 'recordings'}/, "
        f"the audit store {store} (guardrail audit verify --store sqlite:///{store})\n"
    )
    failed = [c for c in result.checks if not c.ok]
    if failed:
        sys.stdout.write(f"demo FAILED: {len(failed)} protection(s) did not happen\n")
        return 1
    sys.stdout.write(f"demo ok: all {len(result.checks)} protections happened\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .config import ConfigError
    from .server import run

    config = _config(args.config)
    try:
        run(config, args.host, args.port)
    except ConfigError as exc:
        raise UsageError(f"{args.config}: {exc}") from None
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bench.__main__ import main as bench_main

    argv = [*(["--quick"] if args.quick else []), *(["--json", args.json] if args.json else [])]
    return bench_main(argv)


MAX_LINE_BYTES = 8 * 1024 * 1024


def _scan_line(raw: bytes, lineno: int, default_role: str) -> tuple[str, str] | dict:
    """Parse one input line: (role, text), or an error object that never quotes it.

    JSON is read by :func:`~guardrail.media_stream.loads_json`, so an integer
    too long to convert or ``NaN`` is an error for this line only, and a lone
    surrogate escape in the text is U+FFFD (same length: spans still index the
    text as sent): the text returned always encodes as UTF-8. A line of any
    length is scanned (a long text in overlapping windows, see
    :mod:`guardrail.detect.scan`): nothing is passed through unscanned.
    """
    from .media_stream import loads_json

    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"error": f"line {lineno}: not valid UTF-8"}
    if not line.strip():
        return {"error": f"line {lineno}: empty; expected a JSON object"}
    try:
        obj = loads_json(line, ValueError)
    except ValueError as exc:
        return {"error": f"line {lineno}: {exc}"}
    if not isinstance(obj, dict):
        return {"error": f'line {lineno}: expected a JSON object with "text"'}
    text = obj.get("text")
    role = obj.get("role", default_role)
    if not isinstance(text, str):
        return {"error": f'line {lineno}: "text" must be a string'}
    if role not in ("caller", "agent"):
        return {"error": f'line {lineno}: "role" must be "caller" or "agent"'}
    return role, text


def cmd_scan(args: argparse.Namespace) -> int:
    from .detect import CallScanner, scan

    scanner = CallScanner()
    out = sys.stdout.buffer  # JSON Lines in UTF-8, whatever the locale says
    data = sys.stdin.buffer.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for lineno, raw in enumerate(lines, 1):
        parsed = _scan_line(raw.rstrip(b"\r"), lineno, args.role)
        if isinstance(parsed, dict):
            out.write(json.dumps(parsed).encode("ascii") + b"\n")
            continue
        role, text = parsed
        if args.independent:
            result = scan(text, role)
        elif role == "agent":
            result = scanner.agent(text)
        else:
            result = scanner.caller(text)
        out.write(json.dumps(result.as_dict(), ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
    return 0


def _frame_ms(value: str) -> int:
    if value not in ("10", "20", "30"):
        raise argparse.ArgumentTypeError("must be 10, 20 or 30")
    return int(value)


_STORE_HELP = "sqlite:///path/guardrail.db or postgresql://user@host/db"


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guardrail",
        description="In-call guardrail for telephony voice agents.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser(
        "dtmf",
        help="decode the keypad tones in an 8 kHz WAV file",
        description="Print one JSON line per key press: digit, start_ms, end_ms. "
        "Accepts 8 kHz mono WAV, 16-bit PCM or mu-law (--raw: headerless mu-law).",
    )
    d.add_argument("file", help="8 kHz mono WAV file (16-bit PCM or mu-law)")
    d.add_argument("--raw", action="store_true", help="the file is headerless 8 kHz mu-law")
    d.add_argument("--digits", action="store_true", help="print only the digit string")
    d.add_argument("--frame-ms", type=_frame_ms, default=20, help="analysis frame: 10, 20 or 30")
    d.set_defaults(func=cmd_dtmf)

    v = sub.add_parser(
        "vad",
        help="print the speech segments of an 8 kHz WAV file",
        description="Print one JSON line per speech segment: start_ms, end_ms.",
    )
    v.add_argument("file", help="8 kHz mono WAV file (16-bit PCM or mu-law)")
    v.add_argument("--raw", action="store_true", help="the file is headerless 8 kHz mu-law")
    v.add_argument(
        "--aggressiveness", type=int, choices=(0, 1, 2, 3), default=2, help="webrtcvad mode"
    )
    v.add_argument("--frame-ms", type=_frame_ms, default=20, help="frame: 10, 20 or 30")
    v.add_argument("--start-ms", type=int, default=60, help="voiced ms that start speech")
    v.add_argument("--stop-ms", type=int, default=400, help="unvoiced ms that end speech")
    v.set_defaults(func=cmd_vad)

    sc = sub.add_parser(
        "scan",
        help="find sensitive data and requests in JSON Lines of text",
        description='Read JSON Lines {"role": "caller"|"agent", "text": "..."} on stdin and '
        'write one line per input: {"findings": [{"category", "start", "end"}], '
        '"requests": [...], "redacted": "..."}. The lines are one conversation: an agent '
        "line sets what the caller's next lines are expected to hold, and consecutive caller "
        'lines are one turn. A bad line gets {"error": ...} and the rest go on.',
    )
    sc.add_argument(
        "--role",
        choices=("caller", "agent"),
        default="caller",
        help="role of lines that do not say (default: caller)",
    )
    sc.add_argument(
        "--independent",
        action="store_true",
        help="scan every line on its own, not as one conversation",
    )
    sc.set_defaults(func=cmd_scan)

    rp = sub.add_parser(
        "replay",
        help="run a recorded Twilio Media Streams log through the guardrail",
        description="Read one message per line (Twilio's connected/start/media/dtmf/mark/stop "
        "and the guardrail.transcript / guardrail.agent_text side channel), run it through "
        "the guardrail with a dry-run Twilio control, and print every action taken as "
        'JSON Lines {"t_ms", "action", ...}.',
    )
    rp.add_argument("log", help="the message log (JSON Lines)")
    rp.add_argument("--config", help="a guardrail TOML config (default: the safe built-in policy)")
    rp.add_argument("--record", metavar="OUT.wav", help="write the masked caller audio here")
    rp.add_argument(
        "--audit", metavar="URL", help="append the audit entries to this store (sqlite:///path)"
    )
    rp.set_defaults(func=cmd_replay)

    au = sub.add_parser(
        "audit",
        help="verify, show the head of, or export an audit store",
        description="The hash-chained audit trail: verify exits 0 only on an intact chain "
        "(1 on a broken one); head prints SEQ:HASH to keep elsewhere; export writes JSON "
        "Lines, one entry a line.",
    )
    asub = au.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    av = asub.add_parser("verify", help="check every hash and link of the chain")
    av.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    av.add_argument("--head", metavar="SEQ:HASH", help="a head kept earlier: also no truncation")
    av.add_argument(
        "--anchor",
        metavar="SEQ:HASH",
        help="the anchor the last purge reported: the store's anchor must be this one",
    )
    ah = asub.add_parser("head", help="print the current head, SEQ:HASH")
    ah.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    ae = asub.add_parser("export", help="write the entries as JSON Lines")
    ae.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    ae.add_argument("--call", metavar="SID", help="only this call's entries")
    ae.add_argument("--since", metavar="T", help="only entries at or after T (ISO-8601, UTC)")
    au.set_defaults(func=cmd_audit)

    sv = sub.add_parser(
        "serve",
        help="serve the Twilio webhooks and media streams (proxy mode with [bot] url)",
        description="Serve the signature-checked Twilio webhooks and, with [bot] url, relay "
        "each call's media stream to the bot through the guardrail. Logs are JSON Lines on "
        "stderr; the first says where it listens. SIGTERM drains: no new calls, live ones "
        "get [server] drain_timeout_s to finish.",
    )
    sv.add_argument("--config", required=True, help="the guardrail TOML config")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sv.add_argument(
        "--port", type=int, default=8080, help="port to listen on (0: any free port; see the log)"
    )
    sv.set_defaults(func=cmd_serve)

    dm = sub.add_parser(
        "demo",
        help="two protected calls, offline on loopback (exit 0 only if every protection held)",
        description="Runs guardrail serve in proxy mode, a simulated Twilio caller, the example "
        "bot, a Twilio REST stand-in and the audit store on loopback: a call that pays on the "
        "secure path and comes back, then blurts out an SSN; a call whose recording pause is "
        "refused. Prints the timeline from the audit trail; writes it, a PNG, the recordings "
        "and the store to --out.",
    )
    dm.add_argument("--out", default="guardrail-demo", help="folder for the files (created)")
    dm.set_defaults(func=cmd_demo)

    ck = sub.add_parser(
        "check",
        help="the security checklist for a config: connections, scopes, secrets, retention",
        description="One line per check (ok, warn, fail; the control it evidences; the "
        "finding), then the evidence per control. Exits 1 on any failure, 2 if the config "
        "does not load. Never prints a secret's value.",
    )
    ck.add_argument("--config", required=True, help="the guardrail TOML config")
    ck.add_argument("--json", action="store_true", help="print the report as JSON")
    ck.add_argument("--now", metavar="ISO", help="judge business hours at this time (default: now)")
    ck.set_defaults(func=cmd_check)

    pg = sub.add_parser(
        "purge",
        help="delete recordings, transcripts and audit entries past their [retention] period",
        description="Per kind (local recordings, transcripts, audit entries), delete what is "
        "older than its period and audit the purge; one JSON line per kind with counts and "
        "ages, never contents; the audit line's anchor (SEQ:HASH) is worth keeping elsewhere, "
        "like a head. --dry-run lists what would go and changes nothing (not even the audit).",
    )
    pg.add_argument("--config", required=True, help="the guardrail TOML config")
    pg.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")
    pg.add_argument("--now", metavar="ISO", help="purge as of this time (default: now)")
    pg.set_defaults(func=cmd_purge)

    b = sub.add_parser("bench", help="benchmark the hot paths (python -m bench)")
    b.add_argument("--quick", action="store_true", help="fewer samples")
    b.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``guardrail`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except UsageError as exc:
        sys.stderr.write(f"guardrail {args.command}: {exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
