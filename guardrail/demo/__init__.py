"""``guardrail demo``: two protected calls, end to end, offline on loopback.

Everything a real deployment has, running in this process on 127.0.0.1:
``guardrail serve``'s app in proxy mode, a simulated Twilio that signs its
webhooks and streams 8 kHz audio (committed speech in ``audio/``, keypad
tones), the example websocket bot with a scripted brain that uses the side
channel (:mod:`guardrail.sim.bot`), a Twilio REST stand-in
(:mod:`guardrail.sim.rest`) and the embedded audit store (SQLite). See
:mod:`guardrail.demo.run` for the two calls and what is checked.
"""
