"""Per-frame telephony audio: codec, framing, VAD, DTMF, masking, recording.

Everything here is synchronous, pure and allocation-light: it is called for
every 20 ms frame of every call. Nothing here imports asyncio or touches a
socket; adapters do the I/O.
"""
