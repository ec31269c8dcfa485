"""Structural promises: the audio core does no I/O, and the package installs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


FORBIDDEN = {
    "asyncio",
    "socket",
    "ssl",
    "selectors",
    "threading",
    "pipecat",
    "websockets",
    "twilio",
    "aiohttp",
    "time",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_audio_core_does_no_io_and_reads_no_clock():
    """audio/ is pure: no event loop, sockets, threads or wall clock."""
    files = sorted((ROOT / "audio").glob("*.py"))
    assert len(files) >= 9
    for f in files:
        assert not (_imports(f) & FORBIDDEN), f.name


def test_importing_the_audio_core_starts_no_event_loop_machinery():
    code = (
        "import sys\n"
        "import audio.mulaw, audio.framing, audio.vad, audio.dtmf, audio.masking\n"
        "import audio.recorder, audio.wav, audio.frontend, audio.synth\n"
        "print(','.join(m for m in ('asyncio', 'pipecat') if m in sys.modules))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert r.stdout.strip() == ""


def test_console_script_is_installed():
    r = subprocess.run(["guardrail", "--help"], capture_output=True, text=True, check=False)
    assert r.returncode == 0
    assert "dtmf" in r.stdout


def test_pipecat_is_installed_and_agrees_with_our_codec():
    """pipecat-ai 1.14 is part of the test install; its mu-law path matches ours."""
    import asyncio
    from importlib.metadata import version

    import numpy as np
    from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler
    from pipecat.audio.utils import ulaw_to_pcm

    from audio import mulaw

    assert version("pipecat-ai").startswith("1.14.")
    codes = bytes(range(256)) * 2
    out = asyncio.run(ulaw_to_pcm(codes, 8000, 8000, SOXRStreamAudioResampler()))
    assert out == mulaw.decode(codes).tobytes()
    assert np.frombuffer(out, np.int16).shape == (512,)


def test_ruff_is_clean():
    r = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
