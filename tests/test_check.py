"""``guardrail check``: the security checklist, run through the real command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guardrail.audit import AuditEntry, AuditStore
from guardrail.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "guardrail.toml"
SID = "AC00000000000000000000000000000007"
TOKEN = "tok-5b1e9c0d-check-secret"
FILE_TOKEN = "file-secret-a7c3e2-value"
WED_10_NY = "2026-12-02T15:00:00Z"  # Wednesday 10:00 in New York
WED_20_NY = "2026-12-03T01:00:00Z"  # Wednesday 20:00 in New York
FRI_18_NY = "2026-12-04T23:00:00Z"  # Friday 18:00 in New York

BASE = """
[twilio]
account_sid = "env:GR_CHECK_SID"
auth_token = "env:GR_CHECK_TOKEN"

[server]
public_url = "https://guard.example.com"

[routes.secure_card]
kind = "keypad"
sink = "https://tokens.example.com/v1/tokenize"

[routes.desk]
kind = "human"
targets = ["+1 415 555 0100", "queue:support"]
timezone = "America/New_York"
after_hours = "overnight"

[routes.desk.hours]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"

[routes.overnight]
kind = "human"
targets = ["+44 20 7946 0018"]

[policy.payment_card]
route = "secure_card"
[policy.card_security_code]
route = "secure_card"
[policy.card_expiry]
route = "secure_card"
[policy.ssn]
route = "desk"
[policy.bank_account]
route = "desk"
[policy.routing_number]
route = "desk"
[policy.iban]
route = "desk"
[policy.pin]
route = "desk"
[policy.password]
route = "desk"
"""


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("GR_CHECK_SID", SID)
    monkeypatch.setenv("GR_CHECK_TOKEN", TOKEN)


def check(tmp_path: Path, toml: str, *args: str, capsys) -> tuple[int, str, str]:
    cfg = tmp_path / "guardrail.toml"
    cfg.write_text(toml)
    code = main(["check", "--config", str(cfg), "--now", WED_10_NY, *args])
    out, err = capsys.readouterr()
    for secret in (TOKEN, FILE_TOKEN, SID):
        assert secret not in out + err
    return code, out, err


def lines(out: str, status: str) -> dict[str, str]:
    """check name -> the report line, for every line with ``status``."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"^(OK|WARN|FAIL)\s{2,}(\S.*?)\s{2,}(.*)$", line)
        if m and m[1] == status.upper():
            found[m[2]] = m[3]
    return found


def test_a_complete_config_passes(tmp_path, creds, capsys):
    code, out, _ = check(tmp_path, BASE, capsys=capsys)
    assert lines(out, "fail") == {}, out
    assert code == 0
    ok = lines(out, "ok")
    assert "env:GR_CHECK_TOKEN" in ok["secret twilio.auth_token"]
    assert "granted and needed" in ok["scope call:redirect"]
    assert "desk" in ok["scope call:redirect"]
    assert out.rstrip().endswith("ok)")


def test_credentials_unset_fail_and_name_the_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GR_CHECK_SID", raising=False)
    monkeypatch.delenv("GR_CHECK_TOKEN", raising=False)
    code, out, _ = check(tmp_path, BASE, capsys=capsys)
    assert code == 1
    fails = lines(out, "fail")
    assert "GR_CHECK_TOKEN" in fails["secret twilio.auth_token"]
    assert "GR_CHECK_SID" in fails["secret twilio.account_sid"]
    assert "webhook signatures" in fails
    assert "result: FAIL" in out


def test_credentials_missing_from_the_config_fail(tmp_path, capsys):
    toml = BASE.replace('account_sid = "env:GR_CHECK_SID"\nauth_token = "env:GR_CHECK_TOKEN"\n', "")
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    fails = lines(out, "fail")
    assert "not set" in fails["secret twilio.auth_token"]
    assert "not set" in fails["secret twilio.account_sid"]


def test_file_secret_open_to_others_fails_and_0600_passes(tmp_path, creds, capsys):
    secret = tmp_path / "token"
    secret.write_text(FILE_TOKEN + "\n")
    toml = BASE.replace('"env:GR_CHECK_TOKEN"', f'"file:{secret}"')
    os.chmod(secret, 0o644)
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    line = lines(out, "fail")["secret twilio.auth_token"]
    assert "0644" in line
    assert f"chmod 600 {secret}" in line
    os.chmod(secret, 0o600)
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 0, out
    assert lines(out, "ok")["secret twilio.auth_token"].startswith(f"file:{secret} ")


def test_missing_file_secret_fails(tmp_path, creds, capsys):
    toml = BASE.replace('"env:GR_CHECK_TOKEN"', f'"file:{tmp_path}/nope"')
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    assert "cannot be read" in lines(out, "fail")["secret twilio.auth_token"]


def test_a_literal_secret_is_refused_when_the_config_loads(tmp_path, capsys):
    toml = BASE.replace('"env:GR_CHECK_TOKEN"', f'"{TOKEN}"')
    code, out, err = check(tmp_path, toml, capsys=capsys)
    assert code == 2
    assert out == ""
    assert "twilio.auth_token" in err
    assert "secrets are references" in err


def test_a_policy_route_that_is_not_defined_is_named(tmp_path, creds, capsys):
    # without a [routes] section config loading cannot know the names; check does
    toml = (
        '[twilio]\naccount_sid = "env:GR_CHECK_SID"\nauth_token = "env:GR_CHECK_TOKEN"\n'
        '[server]\npublic_url = "https://guard.example.com"\n'
        '[policy.ssn]\nroute = "identity_team"\n'
    )
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    fails = lines(out, "fail")
    assert "policy.ssn.route" in fails["route identity_team"]
    assert "[routes.identity_team]" in fails["route identity_team"]
    assert "policy.payment_card.route" in fails["route secure_card"]  # the default policy's


def test_with_routes_defined_loading_names_the_bad_route_key(tmp_path, creds, capsys):
    toml = BASE.replace('[policy.ssn]\nroute = "desk"', '[policy.ssn]\nroute = "identity_team"')
    code, _out, err = check(tmp_path, toml, capsys=capsys)
    assert code == 2
    assert "policy.ssn.route" in err


def test_an_invalid_handoff_number_is_named_not_quoted(tmp_path, creds, capsys):
    toml = BASE.replace('"+1 415 555 0100"', '"+1 415 555 01"')
    code, _out, err = check(tmp_path, toml, capsys=capsys)
    assert code == 2
    assert "routes.desk.targets[0]" in err
    assert "555 01" not in err


def test_scopes_broader_than_the_policy_needs_are_flagged(tmp_path, creds, capsys):
    toml = BASE.replace(
        "[twilio]\n",
        '[twilio]\nscopes = ["recording:pause", "recording:resume", "call:redirect",'
        ' "recording:delete"]\n',
    )
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    warn = lines(out, "warn")
    assert "broader than needed" in warn["scope recording:delete"]
    assert "recording_after_exposure is not delete" in warn["scope recording:delete"]
    assert code == 0  # allowed, flagged
    # a keypad-only policy does not need call:redirect
    keypad_only = re.sub(r'route = "desk"', 'route = "secure_card"', toml)
    keypad_only = keypad_only.replace("[policy.ssn]", '[policy.ssn]\non_request = "secure_path"')
    for cat in ("bank_account", "routing_number", "iban", "pin", "password"):
        keypad_only = keypad_only.replace(
            f"[policy.{cat}]", f'[policy.{cat}]\non_request = "secure_path"'
        )
    code, out, _ = check(tmp_path, keypad_only, capsys=capsys)
    assert "no pay or human route" in lines(out, "warn")["scope call:redirect"]


def test_a_needed_scope_not_granted_fails(tmp_path, creds, capsys):
    toml = BASE.replace(
        "[twilio]\n", '[twilio]\nscopes = ["recording:pause", "recording:resume"]\n'
    )
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    assert "needed but not granted" in lines(out, "fail")["scope call:redirect"]
    toml = BASE.replace(
        "[policy.payment_card]",
        '[policy]\nrecording_after_exposure = "delete"\n[policy.payment_card]',
    )
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert "recording_after_exposure is delete" in lines(out, "fail")["scope recording:delete"]


def test_business_hours_say_where_a_caller_goes_now_and_when_it_changes(tmp_path, creds, capsys):
    _code, out, _ = check(tmp_path, BASE, capsys=capsys)
    line = lines(out, "ok")["route desk now"]
    assert line.startswith("open now (Wed 10:00 America/New_York)")
    assert "rings +14155550100, then queue:support" in line
    assert "closes Wed 17:00 local (2026-12-02T22:00:00Z)" in line
    assert "after-hours route overnight: rings +442079460018" in line

    cfg = tmp_path / "guardrail.toml"
    for now, opens in (
        (WED_20_NY, "opens Thu 09:00 local (2026-12-03T14:00:00Z)"),
        (FRI_18_NY, "opens Mon 09:00 local (2026-12-07T14:00:00Z)"),
    ):
        assert main(["check", "--config", str(cfg), "--now", now]) == 0
        out = capsys.readouterr().out
        line = lines(out, "ok")["route desk now"]
        assert "closed now" in line
        assert "after-hours route overnight, which rings +442079460018" in line
        assert opens in line
        assert "+14155550100" not in line  # the daytime desk is not rung after hours


def test_closed_without_an_after_hours_route_warns(tmp_path, creds, capsys):
    toml = BASE.replace('after_hours = "overnight"\n', "")
    cfg = tmp_path / "guardrail.toml"
    cfg.write_text(toml)
    assert main(["check", "--config", str(cfg), "--now", WED_20_NY]) == 0
    out = capsys.readouterr().out
    line = lines(out, "warn")["route desk now"]
    assert "no after_hours route" in line
    assert "still rings +14155550100" in line


def test_json_parses_and_matches_the_text_report(tmp_path, creds, capsys):
    code, text, _ = check(tmp_path, BASE, capsys=capsys)
    code_j, out, _ = check(tmp_path, BASE, "--json", capsys=capsys)
    assert code == code_j
    report = json.loads(out)
    checks = report["checks"]
    assert all(set(c) == {"check", "status", "controls", "detail"} for c in checks)
    text_lines = [line for line in text.splitlines() if re.match(r"^(OK|WARN|FAIL)\s", line)]
    assert len(text_lines) == len(checks)
    for line, c in zip(text_lines, checks, strict=True):
        assert line.startswith(c["status"].upper())
        assert c["check"] in line
        assert c["detail"] in line
        for control in c["controls"]:
            assert control in line
    s = report["summary"]
    assert (s["ok"], s["warn"], s["fail"]) == tuple(
        sum(c["status"] == k for c in checks) for k in ("ok", "warn", "fail")
    )
    assert s["result"] == "ok"
    controls = {c["control"]: c for c in report["controls"]}
    assert set(controls) == {
        "PCI DSS 3.3.1",
        "PCI DSS 7.2",
        "PCI DSS 8.3",
        "PCI DSS 10.2",
        "PCI DSS 10.5.1",
        "HIPAA 164.312(b)",
        "GDPR 5(1)(e)",
    }
    assert "retention audit" in controls["PCI DSS 10.5.1"]["checks"]
    assert any(
        cmd.startswith("guardrail audit export --store")
        for cmd in controls["PCI DSS 10.2"]["commands"]
    )


def test_the_sample_config_with_env_vars_set(tmp_path, monkeypatch):
    """The sample runs as it is on loopback (no public_url, which the server tests
    rely on), so its one failing line is that; with a public_url it passes."""
    env = {**os.environ, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}

    def run(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "guardrail.cli", "check", "--config", str(path), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
            check=False,
        )

    r = run(SAMPLE)
    assert TOKEN not in r.stdout + r.stderr
    assert SID not in r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert [c["check"] for c in report["checks"] if c["status"] == "fail"] == ["server.public_url"]
    assert r.returncode == 1
    public = tmp_path / "guardrail.toml"
    text = SAMPLE.read_text()
    assert '# public_url = "https://guard.example.com"' in text
    public.write_text(text.replace('# public_url = "', 'public_url = "', 1))
    r = run(public)
    assert r.returncode == 0, r.stdout
    assert TOKEN not in r.stdout + r.stderr
    assert SID not in r.stdout + r.stderr
    assert json.loads(r.stdout)["summary"]["fail"] == 0


def test_public_url_rules(tmp_path, creds, capsys):
    toml = BASE.replace("https://guard.example.com", "http://127.0.0.1:8080")
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert "loopback only" in lines(out, "warn")["server.public_url"]
    toml = BASE.replace("https://guard.example.com", "http://guard.example.com")
    code, out, err = check(tmp_path, toml, capsys=capsys)
    assert code == 2
    assert "server.public_url" in err
    toml = BASE.replace('public_url = "https://guard.example.com"\n', "")
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    assert "not set" in lines(out, "fail")["server.public_url"]


def test_card_data_to_the_bot_and_an_unpaused_recording_fail(tmp_path, creds, capsys):
    toml = BASE.replace(
        '[policy.payment_card]\nroute = "secure_card"',
        '[policy.payment_card]\non_request = "monitor"\non_disclosure = "monitor"\n'
        "pause_recording = false",
    ).replace(
        '[policy.ssn]\nroute = "desk"', '[policy.ssn]\nroute = "desk"\npause_recording = false'
    )
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    fails = lines(out, "fail")
    assert "payment_card" in fails["boundary bot"]
    assert "PCI DSS 3.3.1" in fails["boundary bot"]
    assert "policy.ssn.pause_recording is false" in fails["recording pause ssn"]
    assert "recording pause payment_card" not in fails  # monitored: not protected at all


def test_data_boundaries_name_where_each_category_goes(tmp_path, creds, capsys):
    _code, out, _ = check(tmp_path, BASE, capsys=capsys)
    ok = lines(out, "ok")
    assert (
        "payment_card, card_security_code, card_expiry -> secure_card (keypad)"
        in ok["boundary secure path"]
    )
    assert (
        "ssn, bank_account, routing_number, iban, pin, password -> desk (human)"
        in ok["boundary human"]
    )
    assert "date_of_birth" in ok["boundary redacted"]
    assert "never receives" in ok["boundary bot"]
    warn = lines(out, "warn")
    assert "https://tokens.example.com " in warn["connection sink routes.secure_card"]
    assert "/v1/tokenize" not in out  # a sink's path may carry a credential


def test_audit_retention_shorter_than_pci_loads_but_fails_check(tmp_path, creds, capsys):
    toml = BASE + "\n[retention]\naudit_months = 6\naudit_online_months = 1\n"
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    fails = lines(out, "fail")
    assert "at least 12" in fails["retention audit"]
    assert "at least 3" in fails["retention audit online"]


def test_a_store_is_verified_and_a_password_in_its_url_fails(tmp_path, creds, capsys):
    db = tmp_path / "g.db"
    store = AuditStore.open(f"sqlite:///{db}")
    store.append(AuditEntry(actor="server", event="call_started", outcome="ok"))
    store.close()
    os.chmod(db, 0o600)
    toml = BASE + f'\n[store]\nurl = "sqlite:///{db}"\n'
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 0, out
    assert "audit chain intact, 1 entries" in lines(out, "ok")["connection store"]
    assert f"guardrail audit export --store sqlite:///{db}" in out

    toml = BASE + '\n[store]\nurl = "postgresql://guard:pw-c0ffee-secret@127.0.0.1:1/guard"\n'
    code, out, _ = check(tmp_path, toml, capsys=capsys)
    assert code == 1
    assert "password" in lines(out, "fail")["secret store.url"]
    assert "pw-c0ffee-secret" not in out
    assert "connection store" in lines(out, "fail")  # port 1: nothing listens


def test_a_broken_audit_chain_fails(tmp_path, creds, capsys):
    import sqlite3

    db = tmp_path / "g.db"
    store = AuditStore.open(f"sqlite:///{db}")
    for _ in range(3):
        store.append(AuditEntry(actor="server", event="call_started", outcome="ok"))
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER audit_entries_no_update")
    conn.execute("UPDATE audit_entries SET outcome = 'failed' WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, _ = check(tmp_path, BASE + f'\n[store]\nurl = "sqlite:///{db}"\n', capsys=capsys)
    assert code == 1
    assert "broken at seq 2" in lines(out, "fail")["connection store"]
