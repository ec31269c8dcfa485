"""The demo's report: a readable timeline per call from the audit trail, and a PNG of it.

The timeline is the audit store's own record of each call (``guardrail
audit export``): what a security reviewer would read to prove what happened.
The picture shows, per call, the recording as it was written (its level over
time, silenced spans shaded) under the audit events that explain them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audio.wav import read_wav

from .run import CALL_1, CALL_2, DemoResult

__all__ = ["plot", "timeline_text"]

_QUIET = {"call_started", "audio_started", "stream_started"}
_TITLES = {
    CALL_1: "call 1: card on the secure path, then an SSN blurted out",
    CALL_2: "call 2: the recording pause is refused; the call fails closed",
}


def _line(e: dict) -> str:
    what = e["event"]
    extra = " ".join(x for x in (e.get("category") or "", e.get("resource") or "") if x)
    return f"  {e['t_ms']:>9.0f} ms  {what:<24} {e['outcome']:<28} {extra}".rstrip()


def timeline_text(result: DemoResult) -> str:
    """Both calls' audit entries in order, the checks, and the added latency."""
    out = []
    for call in (CALL_1, CALL_2):
        out.append(f"{_TITLES[call]} ({call})")
        out.append(f"  {'stream time':>12}  {'audit event':<24} {'outcome':<28} category")
        for e in result.timeline.get(call, []):
            if e["event"] not in _QUIET:
                out.append(_line(e))
        spans = _silenced(result.out / "recordings" / f"{call}.wav")
        if spans:
            out.append("  silenced in the recording: " + ", ".join(
                f"{a:.0f}-{b:.0f} ms" for a, b in spans))  # fmt: skip
        view = [line for line in result.bot_view.get(call, []) if "heard" not in line]
        if view:
            out.append("  the bot received (besides audio):")
            out += [f"    {line}" for line in view]
        out.append("")
    out.append("protections:")
    for c in result.checks:
        out.append(f"  [{'ok' if c.ok else 'FAILED'}] {c.call}: {c.name}" + (
            f" ({c.detail})" if c.detail else ""))  # fmt: skip
    lat = result.latency_us
    if lat:
        out.append("")
        out.append(
            f"time the guardrail added per caller media message: p50 {lat['p50']:.0f} us, "
            f"p99 {lat['p99']:.0f} us, max {lat['max']:.0f} us over {int(lat['frames'])} messages"
        )
    return "\n".join(out) + "\n"


def _silenced(wav: Path, min_ms: int = 200) -> list[tuple[float, float]]:
    """Spans of the recording that are digital silence for ``min_ms`` or more (masked
    or paused: speech and line noise are never exactly zero)."""
    if not wav.exists():
        return []
    pcm, _ = read_wav(wav)
    t, rms = _envelope(pcm, ms=10)
    zero = np.r_[0, (rms == 0).astype(int), 0]
    edges = np.flatnonzero(np.diff(zero))
    return [
        (float(t[a] * 1000), float(t[b - 1] * 1000 + 10))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
        if (b - a) * 10 >= min_ms
    ]


def _envelope(pcm: np.ndarray, ms: int = 20) -> tuple[np.ndarray, np.ndarray]:
    n = 8 * ms
    frames = len(pcm) // n
    x = pcm[: frames * n].astype(np.float64).reshape(frames, n)
    rms = np.sqrt(np.mean(x**2, axis=1))
    return np.arange(frames) * ms / 1000.0, rms


_COLORS = {
    "pause_recording": "#2e86c1",
    "resume_recording": "#2e86c1",
    "handoff": "#8e44ad",
    "handoff_result": "#8e44ad",
    "disclosure": "#c0392b",
    "recording_exposed": "#c0392b",
    "request": "#d35400",
}


def plot(result: DemoResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(13, 6.2))
    for ax, call in zip(axes, (CALL_1, CALL_2), strict=True):
        wav = result.out / "recordings" / f"{call}.wav"
        if wav.exists():
            pcm, _ = read_wav(wav)
            t, rms = _envelope(pcm)
            db = 20 * np.log10(np.maximum(rms, 1.0) / 32768.0)
            ax.fill_between(t, -90, db, color="#7f8c8d", lw=0, label="recording level")
            quiet = db < -80
            edges = np.flatnonzero(np.diff(np.r_[0, quiet.astype(int), 0]))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                if b - a >= 5:
                    ax.axvspan(t[a], t[min(b, len(t) - 1)], color="#f5b7b1", alpha=0.5, lw=0)
        placed: list[float] = []
        for e in result.timeline.get(call, []):
            color = _COLORS.get(e["event"])
            if color is None:
                continue
            x = e["t_ms"] / 1000.0
            ax.axvline(x, color=color, lw=1)
            label = f"{e['event']} {e['outcome']}"[:34]
            slot = sum(1 for p in placed if abs(p - x) < 0.6)  # labels side by side
            placed.append(x)
            ax.text(x + 0.13 * slot, -3, label, rotation=90, fontsize=6.5, va="top",
                    ha="left", color=color)  # fmt: skip
        ax.set_ylim(-90, 0)
        ax.set_ylabel("dBFS", fontsize=8)
        ax.set_title(_TITLES[call] + "  (shaded: silenced in the recording)", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("stream time (s)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
