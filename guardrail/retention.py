"""Retention: how long each kind of data the guardrail keeps may live, and the purge.

::

    [retention]
    recordings_days = 30         # local recordings the guardrail writes (masked)
    recordings_dir = "/var/lib/guardrail/recordings"   # where they are; purge covers it
    transcripts_days = 30        # redacted transcripts at rest ([store] url); 0: none kept
    audit_months = 12            # audit entries (PCI DSS 10.5.1: at least 12)
    audit_online_months = 3      # of those, immediately available (PCI DSS 10.5.1: at least 3)

The defaults follow the standards:

- **Sensitive authentication data** (card security codes, PINs) is never
  stored at all (PCI DSS 3.3.1): the session sends it to a secure path or
  redacts it before anything is written, so it has no period and no key here;
  a key that tries to set one is refused.
- **Redacted transcripts** and **masked local recordings**: 30 days (GDPR
  5(1)(e), storage limitation: kept only as long as needed). ``0`` keeps none.
- **Audit entries**: 12 months, the last 3 immediately available (PCI DSS
  10.5.1). The store keeps every entry online until ``audit_months``; a
  shorter ``audit_online_months`` only says older entries may be moved to an
  archive (``guardrail audit export``) by the team's own process.

Config loading accepts any period in range, shorter audit periods too (a
deployment outside PCI DSS may have a reason to keep less); ``guardrail
check`` reports an audit period under 12 months, or under 3 online, as a
failure of PCI DSS 10.5.1. Loading stays pure (no warnings printed); the
check is where a period is judged.

``guardrail purge`` (:func:`purge_recordings` here; transcripts and audit
entries through their stores) deletes what is older than its period and
audits the purge; ``--dry-run`` lists what would go (counts and ages, never
contents) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "KEYS",
    "RECORDING_SUFFIXES",
    "FilePurge",
    "Retention",
    "RetentionError",
    "months_before",
    "purge_recordings",
    "run_purge",
]

KEYS = (
    "recordings_days",
    "recordings_dir",
    "transcripts_days",
    "audit_months",
    "audit_online_months",
)
RECORDING_SUFFIXES = (".wav",)
"""What purge treats as a local recording in ``recordings_dir`` (what the recorder writes)."""
_MAX_DAYS = 3650
_MAX_MONTHS = 120
PCI_AUDIT_MONTHS = 12
PCI_AUDIT_ONLINE_MONTHS = 3


class RetentionError(ValueError):
    """A ``[retention]`` key is not valid; the message names it and the fix."""


@dataclass(frozen=True, slots=True)
class Retention:
    """Validated retention periods (defaults: the standards' minimums and maximums)."""

    recordings_days: int = 30
    transcripts_days: int = 30
    audit_months: int = PCI_AUDIT_MONTHS
    audit_online_months: int = PCI_AUDIT_ONLINE_MONTHS
    recordings_dir: str | None = None

    @classmethod
    def from_dict(cls, table: Any) -> Retention:
        """Validate a ``[retention]`` mapping; :class:`RetentionError` names the key."""
        if not isinstance(table, dict):
            raise RetentionError("retention: must be a table ([retention])")
        for key in table:
            if key not in KEYS:
                raise RetentionError(
                    f"retention: an unknown key; the keys are {', '.join(KEYS)}. Sensitive "
                    "authentication data (card security codes, PINs) is never stored, so it "
                    "has no period to set (PCI DSS 3.3.1)"
                )
        rec = _whole(table, "recordings_days", 30, 0, _MAX_DAYS, "days")
        tr = _whole(table, "transcripts_days", 30, 0, _MAX_DAYS, "days")
        audit = _whole(table, "audit_months", PCI_AUDIT_MONTHS, 1, _MAX_MONTHS, "months")
        online = _whole(
            table, "audit_online_months", PCI_AUDIT_ONLINE_MONTHS, 1, _MAX_MONTHS, "months"
        )
        if online > audit:
            raise RetentionError(
                "retention.audit_online_months: at most audit_months (entries online are"
                " a part of those kept)"
            )
        rdir = table.get("recordings_dir")
        if rdir is not None and (
            not isinstance(rdir, str) or not rdir.startswith("/") or len(rdir) > 4096
        ):
            raise RetentionError(
                "retention.recordings_dir: an absolute path to the directory of local"
                " recordings, like /var/lib/guardrail/recordings"
            )
        if rdir is not None and Path(rdir) == Path("/"):
            raise RetentionError("retention.recordings_dir: a directory of its own, not /")
        return cls(rec, tr, audit, online, rdir)

    def cutoffs(self, now: dt.datetime) -> dict[str, dt.datetime]:
        """Per data kind, the time before which data is due for deletion."""
        return {
            "recordings": now - dt.timedelta(days=self.recordings_days),
            "transcripts": now - dt.timedelta(days=self.transcripts_days),
            "audit": months_before(now, self.audit_months),
        }


def _whole(table: dict, key: str, default: int, lo: int, hi: int, unit: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RetentionError(f"retention.{key}: a whole number of {unit} from {lo} to {hi}")
    return value


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """``now`` minus whole calendar months (the day clamped to the month's end)."""
    y, m = divmod(now.year * 12 + (now.month - 1) - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return now.replace(year=y, month=m, day=min(now.day, last))


@dataclass(frozen=True, slots=True)
class FilePurge:
    """What a purge of local recordings found: the files due (path and age), and
    how many were deleted (0 in a dry run); ``errors`` counts files that could
    not be deleted (named in ``failed``)."""

    due: tuple[tuple[str, float], ...]
    deleted: int
    before: dt.datetime
    failed: tuple[str, ...] = field(default=())
    kept: int = 0

    @property
    def count(self) -> int:
        return len(self.due)


def purge_recordings(
    directory: str | Path, before: dt.datetime, *, now: dt.datetime, dry_run: bool
) -> FilePurge:
    """Delete the local recordings (``*.wav``, regular files, not symbolic links)
    under ``directory`` last modified before ``before``; newer ones are kept.

    Only the recorder's own kind of file is touched, so a misconfigured
    directory costs at most old recordings, never other data. A missing
    directory holds nothing. Ages are in days from ``now`` to the file's
    modification time.
    """
    root = Path(directory)
    cutoff = before.timestamp()
    due: list[tuple[str, float, Path]] = []
    kept = 0
    if root.is_dir():
        for dirpath, _dirs, files in os.walk(root, followlinks=False):
            for name in sorted(files):
                if not name.lower().endswith(RECORDING_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                if st.st_mtime < cutoff:
                    due.append((str(path), st.st_mtime, path))
                else:
                    kept += 1
    due.sort(key=lambda d: d[1])
    deleted = 0
    failed: list[str] = []
    if not dry_run:
        for name, _mtime, path in due:
            try:
                path.unlink()
                deleted += 1
            except FileNotFoundError:
                continue  # gone already: nothing left to delete
            except OSError:
                failed.append(name)
    now_ts = now.timestamp()
    return FilePurge(
        tuple((name, round((now_ts - mtime) / 86400.0, 1)) for name, mtime, _ in due),
        deleted,
        before,
        tuple(failed),
        kept,
    )


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _n(count: int) -> str:
    """A count as the audit value guard accepts it: ``12_345``, never a digit run."""
    return f"{count:_}"


def _age_days(now: dt.datetime, stamp: str | None) -> float | None:
    if stamp is None:
        return None
    t = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return round((now - t).total_seconds() / 86400.0, 1)


def run_purge(config: Any, *, now: dt.datetime, dry_run: bool) -> tuple[list[dict], bool]:
    """``guardrail purge``: per data kind, delete what is older than its period.

    Returns one summary per kind (``kind``, ``dry_run``, ``before``, ``period``,
    counts and ages; for recordings the paths of the files; never contents)
    and whether every kind succeeded. Unless ``dry_run``, each kind that ran
    is audited in ``[store] url``: an entry ``actor="purge"``,
    ``event="purge"``, with the kind, the outcome and the counts in
    ``outcome`` (in a form the value guard accepts). A dry run writes
    nothing at all, the audit store included.
    """
    from .audit import AuditEntry, AuditError, AuditStore
    from .transcripts import TranscriptError, TranscriptStore

    r: Retention = config.retention
    cut = r.cutoffs(now)
    url = config.store_url
    rows: list[dict] = []
    ok = True

    def row(kind: str, period: str, **more: Any) -> dict:
        before = _iso(cut.get(kind, now))  # call state: each row's own expiry, due by now
        out = {"kind": kind, "dry_run": dry_run, "before": before, "period": period}
        out.update(more)
        rows.append(out)
        return out

    days = f"{r.recordings_days} days"
    if r.recordings_dir is None:
        row("recordings", days, skipped="no [retention] recordings_dir configured")
    else:
        fp = purge_recordings(r.recordings_dir, cut["recordings"], now=now, dry_run=dry_run)
        ok &= not fp.failed
        row(
            "recordings",
            days,
            due=fp.count,
            deleted=fp.deleted,
            kept=fp.kept,
            failed=len(fp.failed),
            files=[{"path": p, "age_days": age} for p, age in fp.due],
        )

    days = f"{r.transcripts_days} days"
    if url is None:
        row("transcripts", days, skipped="no [store] url: no transcripts are kept")
    else:
        try:
            ts = TranscriptStore.open(url, create=False)
        except TranscriptError as exc:
            if url.startswith("sqlite:") and "no store at" in str(exc):
                row("transcripts", days, skipped="the store does not exist yet")
            else:
                ok = False
                row("transcripts", days, error=str(exc))
        else:
            try:
                tp = ts.purge(cut["transcripts"], dry_run=dry_run)
                row(
                    "transcripts",
                    days,
                    due=tp.count,
                    deleted=tp.deleted,
                    calls=tp.calls,
                    oldest_age_days=_age_days(now, tp.oldest),
                    newest_age_days=_age_days(now, tp.newest),
                )
            except TranscriptError as exc:
                ok = False
                row("transcripts", days, error=str(exc))
            finally:
                ts.close()

    months = f"{r.audit_months} months"
    store = None
    if url is None:
        row("audit", months, skipped="no [store] url: no audit store to purge")
    else:
        try:
            store = AuditStore.open(url, create=not dry_run)
        except AuditError as exc:
            if dry_run and url.startswith("sqlite:"):
                row("audit", months, skipped="the store does not exist yet")
            else:
                ok = False
                row("audit", months, error=str(exc))
        else:
            try:
                res = store.purge(_iso(cut["audit"]), dry_run=dry_run)
                row(
                    "audit",
                    months,
                    due=res.count,
                    deleted=0 if dry_run else res.count,
                    first_seq=res.first_seq,
                    last_seq=res.last_seq,
                    anchor=res.anchor,
                )
            except (AuditError, ValueError) as exc:
                ok = False
                row("audit", months, error=str(exc))
    ok &= _purge_call_state(url, now, dry_run, row)
    try:
        if store is not None and not dry_run:
            for rec in rows:
                outcome = _outcome(rec)
                if outcome is None:
                    continue
                try:
                    store.append(AuditEntry(actor="purge", event="purge", outcome=outcome))
                    rec["audited"] = True
                except AuditError:
                    ok = False
                    rec["audited"] = False
    finally:
        if store is not None:
            store.close()
    return rows, ok


def _purge_call_state(url: str | None, now: dt.datetime, dry_run: bool, row: Any) -> bool:
    """Call state shared across servers (resume tokens, snapshots, replay keys):
    each row carries its own expiry (hours, not a retention period), so what
    is past it goes; a dry run counts the rows held."""
    from .call_state import CallStateError, CallStateStore, supports

    if url is None or not supports(url):
        return True
    if url.startswith("sqlite:") and dry_run:
        path = url.removeprefix("sqlite://")
        if not os.path.exists(path):
            row("call_state", "expiry per row", skipped="the store does not exist yet")
            return True
    try:
        store = CallStateStore.open(url)
    except CallStateError as exc:
        row("call_state", "expiry per row", error=str(exc))
        return False
    try:
        if dry_run:
            row("call_state", "expiry per row", held=store.counts())
        else:
            row("call_state", "expiry per row", deleted=store.purge(now.timestamp()))
        return True
    except CallStateError as exc:
        row("call_state", "expiry per row", error=str(exc))
        return False
    finally:
        store.close()


def _outcome(rec: dict) -> str | None:
    """The audit outcome of one kind's purge: kind, result, counts (no paths, no dates)."""
    kind, period = rec["kind"], rec["period"]
    if "skipped" in rec:
        return None
    if "error" in rec:
        return f"{kind}: failed, older than {period}"
    if kind == "call_state":
        return f"call_state: deleted {_n(rec['deleted'])} expired"
    text = f"{kind}: deleted {_n(rec['deleted'])} older than {period}"
    if rec.get("failed"):
        text += f", {_n(rec['failed'])} could not be deleted"
    if kind == "audit" and rec.get("first_seq") is not None:
        text += f", seq {_n(rec['first_seq'])} to {_n(rec['last_seq'])}"
    return text
