"""The example websocket bot: Twilio's Media Streams protocol plus the guardrail side channel.

``python examples/ws_bot.py PORT`` serves it on loopback (``ws://127.0.0.1:PORT/twilio``)
with a scripted brain instead of speech-to-text, an LLM and text-to-speech, so
it runs offline; put ``guardrail serve`` in front of it with ``[bot] url``.
The bot is :class:`guardrail.sim.bot.ScriptedBot` (also what ``guardrail demo``
and the tests run): read that module to see what a bot does with the side
channel (``guardrail.agent_text`` before it speaks, ``guardrail.transcript``
for what it heard, ``guardrail.notice`` from the guardrail).
"""

from __future__ import annotations

import sys

from guardrail.sim.bot import main

if __name__ == "__main__":
    sys.exit(main())
