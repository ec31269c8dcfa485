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
