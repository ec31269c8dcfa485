"""Retention: the ``[retention]`` keys, the redacted transcript store, ``guardrail purge``."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from guardrail.audit import AuditEntry, AuditStore
from guardrail.cli import main
from guardrail.config import Config, ConfigError
from guardrail.events import ForwardText
from guardrail.retention import Retention, months_before
from guardrail.transcripts import TranscriptStore, TranscriptValueError

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CALL = "CA" + "1" * 32
OTHER = "CA" + "2" * 32
CARD = "4111 1111 1111 1111"


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the [retention] keys ------------------------------------------------------


def test_defaults_follow_the_standards():
    r = Config.from_toml("").retention
    assert (r.recordings_days, r.transcripts_days) == (30, 30)
    assert (r.audit_months, r.audit_online_months) == (12, 3)
    assert r.recordings_dir is None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("transcripts_days = -1", "retention.transcripts_days"),
        ('transcripts_days = "30"', "retention.transcripts_days"),
        ("recordings_days = true", "retention.recordings_days"),
        ("audit_months = 0", "retention.audit_months"),
        ("audit_months = 6\naudit_online_months = 7", "retention.audit_online_months"),
        ('recordings_dir = "relative/dir"', "retention.recordings_dir"),
        ('recordings_dir = "/"', "retention.recordings_dir"),
    ],
)
def test_bad_values_name_the_key(table, key):
    with pytest.raises(ConfigError) as info:
        Config.from_toml(f"[retention]\n{table}\n")
    assert key in str(info.value)


def test_sensitive_authentication_data_has_no_period():
    with pytest.raises(ConfigError) as info:
        Config.from_toml("[retention]\ncard_security_code_days = 1\n")
    msg = str(info.value)
    assert "never stored" in msg
    assert "PCI DSS 3.3.1" in msg
    assert "card_security_code_days" not in msg  # keys as written are never quoted


def test_short_audit_periods_load():
    r = Config.from_toml("[retention]\naudit_months = 6\naudit_online_months = 1\n").retention
    assert (r.audit_months, r.audit_online_months) == (6, 1)  # `check` fails them


def test_months_before_clamps_to_the_end_of_the_month():
    t = dt.datetime(2026, 3, 31, 8, 30, tzinfo=UTC)
    assert months_before(t, 1) == dt.datetime(2026, 2, 28, 8, 30, tzinfo=UTC)
    assert months_before(t, 12) == dt.datetime(2025, 3, 31, 8, 30, tzinfo=UTC)
    assert months_before(t, 13) == dt.datetime(2025, 2, 28, 8, 30, tzinfo=UTC)
    assert months_before(dt.datetime(2028, 3, 30, tzinfo=UTC), 1).day == 29
    assert Retention().cutoffs(NOW)["audit"] == dt.datetime(2025, 12, 2, 12, 0, tzinfo=UTC)


# -- the transcript store --------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/guardrail.db"
    return request.getfixturevalue("pg_url")


def test_append_export_purge(store_url):
    with TranscriptStore.open(store_url) as store:
        store.append(CALL, 2000, "agent", "What is your card number?", at=ago(40))
        store.append(CALL, 1000, "caller", "Hi, I'd like to pay", at=ago(40))
        store.append(CALL, 3000, "caller", "It is [payment_card]", at=ago(10))
        store.append(OTHER, 500, "caller", "my birthday is [date_of_birth]", at=ago(31))
        rows = store.export(CALL)
        assert [(r["t_ms"], r["role"], r["text"]) for r in rows] == [
            (1000.0, "caller", "Hi, I'd like to pay"),
            (2000.0, "agent", "What is your card number?"),
            (3000.0, "caller", "It is [payment_card]"),
        ]
        assert rows[0]["time"] == stamp(ago(40))

        dry = store.purge(ago(30), dry_run=True)
        assert (dry.count, dry.calls, dry.deleted) == (3, 2, 0)
        assert (dry.oldest, dry.newest) == (stamp(ago(40)), stamp(ago(31)))
        assert len(store.export(CALL)) == 3

        done = store.purge(ago(30))
        assert (done.count, done.deleted) == (3, 3)
        assert [r["text"] for r in store.export(CALL)] == ["It is [payment_card]"]
        assert store.export(OTHER) == []
        assert store.purge(ago(30)).count == 0


@pytest.mark.parametrize(
    "text",
    [
        f"my card is {CARD}",
        "four one one one one one one one one one one one one one one one",
        "my social is 123-45-6789",
        "call me back on 415 555 0100",
        "see https://user:pw@example.com/x",
    ],
)
def test_only_redacted_text_is_stored(tmp_path, text):
    with TranscriptStore.open(f"sqlite:///{tmp_path}/g.db") as store:
        with pytest.raises(TranscriptValueError) as info:
            store.append(CALL, 0, "caller", text)
        assert text not in str(info.value)
        for word in text.split():
            if any(ch.isdigit() for ch in word):
                assert word not in str(info.value)
        assert store.export(CALL) == []


def test_bad_shapes_are_refused(tmp_path):
    with TranscriptStore.open(f"sqlite:///{tmp_path}/g.db") as store:
        for args in (
            ("not-a-sid", 0, "caller", "hi"),
            (CALL, -1, "caller", "hi"),
            (CALL, float("nan"), "caller", "hi"),
            (CALL, 0, "bot", "hi"),
            (CALL, 0, "caller", "x" * 20_000),
        ):
            with pytest.raises(TranscriptValueError):
                store.append(*args)


def test_record_hook_stores_final_text_and_never_raises(tmp_path):
    with TranscriptStore.open(f"sqlite:///{tmp_path}/g.db") as store:
        assert store.record(CALL, ForwardText("It is [payment_card]", "caller", True, 10.0, True))
        assert not store.record(CALL, ForwardText("It is", "caller", False, 5.0))  # interim
        assert not store.record(CALL, ForwardText(CARD, "caller", True, 20.0))
        assert not store.record(None, ForwardText("hello", "agent", True, 30.0))
        assert store.refused == 1
        assert [r["text"] for r in store.export(CALL)] == ["It is [payment_card]"]


def test_for_config(tmp_path):
    url = f"sqlite:///{tmp_path}/g.db"
    assert TranscriptStore.for_config(Config.from_toml("")) is None
    none_kept = Config.from_toml(f'[store]\nurl = "{url}"\n[retention]\ntranscripts_days = 0\n')
    assert TranscriptStore.for_config(none_kept) is None
    store = TranscriptStore.for_config(Config.from_toml(f'[store]\nurl = "{url}"\n'))
    assert store is not None
    store.close()


# -- guardrail purge ---------------------------------------------------------------


def _old_file(path: Path, days: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF-not-really")
    t = ago(days).timestamp()
    os.utime(path, (t, t))


def _setup(tmp_path: Path, url: str) -> Path:
    rec = tmp_path / "recordings"
    _old_file(rec / "old.wav", 45)
    _old_file(rec / "day" / "older.wav", 90)
    _old_file(rec / "new.wav", 5)
    _old_file(rec / "notes.txt", 400)  # not a recording: never touched
    with TranscriptStore.open(url) as ts:
        ts.append(CALL, 100, "caller", "It is [payment_card]", at=ago(40))
        ts.append(OTHER, 100, "caller", "hello", at=ago(2))
    audit = AuditStore.open(url)
    for days in (500, 400, 380):
        audit.append(
            AuditEntry(actor="proxy", event="call_started", outcome="ok", time=stamp(ago(days)))
        )
    for days in (100, 1):
        audit.append(
            AuditEntry(actor="proxy", event="call_started", outcome="ok", time=stamp(ago(days)))
        )
    audit.close()
    cfg = tmp_path / "guardrail.toml"
    cfg.write_text(f'[store]\nurl = "{url}"\n[retention]\nrecordings_dir = "{rec}"\n')
    return cfg


def _purge(cfg: Path, capsys, *extra: str) -> tuple[int, dict[str, dict]]:
    code = main(["purge", "--config", str(cfg), "--now", NOW.isoformat(), *extra])
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in out.splitlines()]
    assert "[payment_card]" not in out
    assert "hello" not in out
    return code, {r["kind"]: r for r in rows}


def test_purge_dry_run_lists_and_removes_nothing(tmp_path, capsys, store_url):
    cfg = _setup(tmp_path, store_url)
    code, rows = _purge(cfg, capsys, "--dry-run")
    assert code == 0
    rec = rows["recordings"]
    assert (rec["due"], rec["deleted"], rec["kept"]) == (2, 0, 1)
    assert [Path(f["path"]).name for f in rec["files"]] == ["older.wav", "old.wav"]
    assert [f["age_days"] for f in rec["files"]] == [90.0, 45.0]
    tr = rows["transcripts"]
    assert (tr["due"], tr["deleted"], tr["calls"], tr["oldest_age_days"]) == (1, 0, 1, 40.0)
    au = rows["audit"]
    assert (au["due"], au["deleted"], au["first_seq"], au["last_seq"]) == (3, 0, 1, 3)
    assert all(r["dry_run"] for r in rows.values())
    assert (tmp_path / "recordings" / "old.wav").exists()
    with TranscriptStore.open(store_url) as ts:
        assert len(ts.export(CALL)) == 1
    audit = AuditStore.open(store_url, create=False)
    try:
        assert [e["event"] for e in audit.export()] == ["call_started"] * 5  # nothing written
    finally:
        audit.close()


def test_purge_removes_what_is_due_keeps_the_rest_and_is_audited(tmp_path, capsys, store_url):
    cfg = _setup(tmp_path, store_url)
    code, rows = _purge(cfg, capsys)
    assert code == 0
    rec_dir = tmp_path / "recordings"
    assert not (rec_dir / "old.wav").exists()
    assert not (rec_dir / "day" / "older.wav").exists()
    assert (rec_dir / "new.wav").exists()
    assert (rec_dir / "notes.txt").exists()
    assert rows["recordings"]["deleted"] == 2
    with TranscriptStore.open(store_url) as ts:
        assert ts.export(CALL) == []
        assert [r["text"] for r in ts.export(OTHER)] == ["hello"]
    assert rows["transcripts"]["deleted"] == 1
    assert (rows["audit"]["deleted"], rows["audit"]["last_seq"]) == (3, 3)
    assert all(r["audited"] for r in rows.values())

    audit = AuditStore.open(store_url, create=False)
    try:
        entries = list(audit.export())
        purges = [e for e in entries if e["event"] == "purge"]
        assert [e["actor"] for e in purges] == ["purge"] * 4
        assert [e["outcome"] for e in purges] == [
            "recordings: deleted 2 older than 30 days",
            "transcripts: deleted 1 older than 30 days",
            "audit: deleted 3 older than 12 months, seq 1 to 3",
            "call_state: deleted 0 expired",  # the call state shared across servers
        ]
        assert [e["seq"] for e in entries if e["event"] == "call_started"] == [4, 5]
        result = audit.verify()
        assert result.ok, result
        assert result.anchor is not None
        assert result.anchor.startswith("3:")
    finally:
        audit.close()

    code, rows = _purge(cfg, capsys)  # nothing more is due
    assert code == 0
    assert [rows[k]["deleted"] for k in ("recordings", "transcripts", "audit")] == [0, 0, 0]


def test_purge_without_a_store_or_directory_skips_those_kinds(tmp_path, capsys):
    cfg = tmp_path / "guardrail.toml"
    cfg.write_text("")
    code, rows = _purge(cfg, capsys)
    assert code == 0
    assert set(rows) == {"recordings", "transcripts", "audit"}
    assert all("skipped" in r for r in rows.values())


def test_purge_counts_pass_the_audit_value_guard():
    from guardrail.audit import check_entry
    from guardrail.retention import _outcome

    rec = {"kind": "audit", "period": "12 months", "deleted": 123_456, "first_seq": 1_000_001,
           "last_seq": 1_123_456}  # fmt: skip
    outcome = _outcome(rec)
    assert outcome == "audit: deleted 123_456 older than 12 months, seq 1_000_001 to 1_123_456"
    check_entry(AuditEntry(actor="purge", event="purge", outcome=outcome))


def test_purge_deletes_expired_call_state_and_keeps_live_tokens(tmp_path, capsys, store_url):
    from guardrail.call_state import CallStateStore

    cfg = _setup(tmp_path, store_url)
    state = CallStateStore.open(store_url)
    try:
        wall = NOW.timestamp()
        expired = state.issue_token("CA" + "1" * 32, wall - 7200, ttl_s=600)
        live = state.issue_token("CA" + "2" * 32, wall - 60, ttl_s=3600)
    finally:
        state.close()
    code, rows = _purge(cfg, capsys, "--dry-run")
    assert code == 0
    assert rows["call_state"]["held"]["tokens"] == 2
    code, rows = _purge(cfg, capsys)
    assert code == 0
    assert rows["call_state"]["deleted"] == 1
    state = CallStateStore.open(store_url)
    try:
        assert not state.redeem_token(expired, "CA" + "1" * 32, wall)
        assert state.redeem_token(live, "CA" + "2" * 32, wall)
    finally:
        state.close()
