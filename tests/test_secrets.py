"""Secret references: literals refused, env and file read on use, rotation picked up."""

from __future__ import annotations

import os
import stat

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
    f.chmod(0o600)
    ref = SecretRef.parse(f"file:{f}", "x")
    assert ref.value() == "one"
    f.write_text("two\n")
    assert ref.value() == "two"
    os.replace(_secret(tmp_path / "new", "three\n"), f)  # rotation by rename, as mounts do
    assert ref.value() == "three"
    f.unlink()
    with pytest.raises(SecretError, match="cannot be read"):
        ref.value()


def test_repr_never_shows_the_value(monkeypatch):
    monkeypatch.setenv("GR_TEST_SECRET", LITERAL)
    ref = SecretRef.parse("env:GR_TEST_SECRET", "x")
    assert LITERAL not in repr(ref)
    assert LITERAL not in str(ref)


def _secret(path, text: str | bytes = LITERAL, mode: int = 0o600):
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o666, 0o777, 0o640, 0o604, 0o620, 0o602])
def test_file_secrets_open_to_group_or_others_are_refused_saying_chmod_600(tmp_path, mode):
    f = _secret(tmp_path / "token", mode=mode)
    with pytest.raises(SecretError, match="chmod 600") as info:
        SecretRef.parse(f"file:{f}", "twilio.auth_token").value()
    assert oct(mode)[2:] in str(info.value)
    assert LITERAL not in str(info.value)
    assert "1111" not in str(info.value)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_owner_only_file_secrets_are_read(tmp_path, mode):
    f = _secret(tmp_path / "token", mode=mode)
    assert SecretRef.parse(f"file:{f}", "x").value() == LITERAL


def test_file_secrets_through_a_symlink_are_refused(tmp_path):
    f = _secret(tmp_path / "token")
    link = tmp_path / "link"
    link.symlink_to(f)
    with pytest.raises(SecretError, match="symbolic link") as info:
        SecretRef.parse(f"file:{link}", "x").value()
    assert LITERAL not in str(info.value)
    # a symlinked directory above the file is fine (Kubernetes' ..data layout)
    d = tmp_path / "..data"
    d.symlink_to(tmp_path)
    assert SecretRef.parse(f"file:{d / 'token'}", "x").value() == LITERAL


def test_non_regular_files_are_refused_without_reading(tmp_path):
    for path in ("/dev/zero", "/dev/null", str(tmp_path)):
        with pytest.raises(SecretError, match="not a regular file"):
            SecretRef.parse(f"file:{path}", "x").value()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(SecretError, match="not a regular file"):  # and does not block
        SecretRef.parse(f"file:{fifo}", "x").value()
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_file_secrets_are_read_up_to_a_cap(tmp_path):
    f = _secret(tmp_path / "token", "x" * 4096)
    assert SecretRef.parse(f"file:{f}", "x").value() == "x" * 4096
    f = _secret(tmp_path / "big", LITERAL * 100_000)
    with pytest.raises(SecretError, match="larger than 4 KiB") as info:
        SecretRef.parse(f"file:{f}", "x").value()
    assert "1111" not in str(info.value)


def test_bad_bytes_and_empty_files_are_secret_errors(tmp_path):
    f = _secret(tmp_path / "token", b"\xff\xfe4111111111111111")
    with pytest.raises(SecretError, match="not UTF-8") as info:
        SecretRef.parse(f"file:{f}", "x").value()
    assert "1111" not in str(info.value)
    assert "xff" not in str(info.value)
    f = _secret(tmp_path / "empty", " \n")
    with pytest.raises(SecretError, match="is empty"):
        SecretRef.parse(f"file:{f}", "x").value()
