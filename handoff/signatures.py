"""Twilio request signatures: which URL Twilio signed, and whether it matches.

Every ``/twilio/*`` request, the media-stream websocket upgrade included,
must carry a valid ``X-Twilio-Signature``; anything else is refused (403)
before a byte of audio is processed. Twilio signs the URL it called: behind a
reverse proxy that is the public URL, which the server only knows from
``X-Forwarded-Proto``/``X-Forwarded-Host`` -- headers anyone can send, so
they are honoured only when the deployment says its proxy sets them.
The websocket's signed URL is ``wss://...`` with no form parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

__all__ = ["public_url", "signature_ok"]


def public_url(
    path_qs: str,
    headers: Mapping[str, str],
    *,
    scheme: str,
    host: str,
    trust_forwarded: bool = False,
    websocket: bool = False,
) -> str:
    """The URL Twilio called, as it signed it.

    ``scheme``/``host`` are what this server saw; with ``trust_forwarded``
    the first ``X-Forwarded-Proto``/``X-Forwarded-Host`` values win. A
    websocket upgrade is signed as ``wss://`` (``ws://`` for plain HTTP).
    """
    if trust_forwarded:
        proto = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        fwd_host = headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        if proto in ("http", "https"):
            scheme = proto
        if fwd_host:
            host = fwd_host
    if websocket:
        scheme = "wss" if scheme in ("https", "wss") else "ws"
    return f"{scheme}://{host}{path_qs}"


def signature_ok(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's for this URL and these form parameters."""
    if not signature or not auth_token:
        return False
    try:
        return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
    except (ValueError, TypeError, UnicodeError):
        return False
