"""The per-call audio front end: the PCM feed answers exactly as the mu-law feed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from audio import mulaw, synth
from audio.frontend import AudioFrontEnd


def _events(feed, chunks):
    out = []
    t = 0.0
    for c in chunks:
        out += list(feed(c[0], t))
        t += c[1]
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=40), st.sampled_from(["4111#", "9", ""]))
def test_pcm_and_mulaw_feeds_give_the_same_events_however_split(sizes, digits):
    x, _ = synth.keyed_sequence(digits or "", tone_ms=80, gap_ms=80)
    speech = (np.sin(np.arange(4000) / 3) * 4000).astype(np.int16)
    mu = mulaw.encode_bytes(np.concatenate([speech, x]))
    pcm = mulaw.decode(mu)  # the same samples, exactly, in both feeds
    a, b = AudioFrontEnd(), AudioFrontEnd()
    mu_chunks, pcm_chunks, i = [], [], 0
    for n in sizes * (len(mu) // max(1, sum(sizes)) + 1):
        if i >= len(mu):
            break
        mu_chunks.append((mu[i : i + n], len(mu[i : i + n]) / 8.0))
        pcm_chunks.append((pcm[i : i + n].tobytes(), len(mu[i : i + n]) / 8.0))
        i += n
    ea = _events(a.feed, mu_chunks) + a.flush()
    eb = _events(b.feed_pcm, pcm_chunks) + b.flush()
    assert ea == eb


def test_keypad_decisions_do_not_depend_on_the_analysis_frame():
    """The Pipecat adapter analyses 16 kHz input in 30 ms frames: every key, and
    its times, must be the same as with Twilio's 20 ms frames."""
    from audio.dtmf import KeyDown, KeyUp

    rng = np.random.default_rng(5)
    x, _ = synth.keyed_sequence("4111111111111111#", tone_ms=70, gap_ms=60)
    x = synth.add_noise(x, 25, rng)
    pcm = x.tobytes()
    keys = []
    for frame_ms in (20, 30):
        fe = AudioFrontEnd(frame_ms=frame_ms)
        ev = list(fe.feed_pcm(pcm, 0.0)) + fe.flush()
        keys.append([e for e in ev if isinstance(e, KeyDown | KeyUp)])
    assert [k for k in keys[0] if isinstance(k, KeyUp)]  # the keys were found
    assert [(type(k), k.digit, getattr(k, "start_ms", None)) for k in keys[0]] == [
        (type(k), k.digit, getattr(k, "start_ms", None)) for k in keys[1]
    ]
    ups = [[(k.start_ms, k.end_ms) for k in ks if isinstance(k, KeyUp)] for ks in keys]
    assert ups[0] == ups[1]
