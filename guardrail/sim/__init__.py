"""What surrounds the guardrail on a call, simulated on loopback for the demo and the tests.

- :mod:`guardrail.sim.twilio`: Twilio towards our server (signed webhooks, the
  media stream, playback with marks and clears);
- :mod:`guardrail.sim.rest`: Twilio's REST API, a local stand-in that records
  every request and can fail on purpose (401, 404, 429, 5xx, slow, never);
- :mod:`guardrail.sim.bot`: a bot that speaks Twilio's Media Streams protocol
  and the guardrail's side channel, with a scripted brain.

They speak the real protocols over real sockets, so what they talk to cannot
tell them from the real thing; nothing here is used on a live call.
"""
