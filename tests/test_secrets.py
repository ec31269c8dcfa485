"""Secret references: literals refused, env and file read on use, rotation picked up."""

from __future__ import annotations

import pytest

from guardrail.secrets import SecretError, SecretRef

LITERAL = "sk_live_4111111111111111"


def test_literal_secrets_are_refused_without_quoting_them():
    with pytest.raises(SecretError, match=r"twilio\.auth_token: secrets are references") as info:
        SecretRef.parse(LITERAL, "twilio.auth_token")
    assert LITERAL not in str(info.value)
    for bad in ("env:", "env:1BAD", "file:relative/path", 42, None):
        with pytest.raises(SecretError):
            SecretRef.parse(bad, "x")


def test_env_reference_read_on_use_and_rotation(monkeypatch):
    ref = SecretRef.parse("env:GR_TEST_SECRET", "x")
    monkeypatch.setenv("GR_TEST_SECRET", "first")
    assert ref.value() == "first"
    monkeypatch.setenv("GR_TEST_SECRET", "second")
    assert ref.value() == "second"
    monkeypatch.delenv("GR_TEST_SECRET")
    with pytest.raises(SecretError, match="GR_TEST_SECRET is not set"):
        ref.value()


def test_file_reference_and_rotation(tmp_path):
    f = tmp_path / "token"
    f.write_text("one\n")
    ref = SecretRef.parse(f"file:{f}", "x")
    assert ref.value() == "one"
    f.write_text("two\n")
    assert ref.value() == "two"
    f.unlink()
    with pytest.raises(SecretError, match="cannot be read"):
        ref.value()


def test_repr_never_shows_the_value(monkeypatch):
    monkeypatch.setenv("GR_TEST_SECRET", LITERAL)
    ref = SecretRef.parse("env:GR_TEST_SECRET", "x")
    assert LITERAL not in repr(ref)
    assert LITERAL not in str(ref)
