"""``python -m bench.load_stub WHAT guardrail-args...``: ``guardrail`` with parts taken out.

For ``python -m bench.load --breakdown`` only: the same ``guardrail serve``
with its per-message work replaced, so that the CPU per call it no longer
spends says what that work costs in a loaded server (caches shared with
every other call, the event loop's own cost around it), which a
microbenchmark of the same code, warm and alone, understates. ``WHAT``:

- ``session``: ``Executor.feed`` answers every caller-audio event with the
  audio passed on, unanalysed (no VAD, no DTMF, no session state);
- ``session+parse``: also the media parser answers a ``media`` message with
  a fixed event, unparsed.

Never a way to run the product: nothing is protected in either.
"""

from __future__ import annotations

import sys


def _stub(what: str) -> None:
    from guardrail import executor
    from guardrail.events import CallerAudio, ForwardAudio

    feed = executor.Executor.feed

    def unanalysed(self, event, _feed=feed):
        if type(event) is CallerAudio:
            return [ForwardAudio(event.payload, event.t_ms)]
        return _feed(self, event)

    executor.Executor.feed = unanalysed
    if what == "session+parse":
        from guardrail import media_stream

        parse = media_stream.StreamParser.parse
        fixed = [CallerAudio(b"\xff" * 160, 0.0)]

        def unparsed(self, text, _parse=parse):
            if text.startswith('{"event": "media"'):
                return fixed
            return _parse(self, text)

        media_stream.StreamParser.parse = unparsed


STUBS = ("session", "session+parse")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in STUBS:
        print(f"usage: python -m bench.load_stub {{{','.join(STUBS)}}} serve ...", file=sys.stderr)
        return 2
    _stub(argv[0])
    from guardrail.cli import main as guardrail

    return guardrail(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
