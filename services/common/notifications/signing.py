"""The signature of a webhook delivery, written once for the sender and every receiver.

A delivery carries three headers: `Kahu-Timestamp` (Unix seconds when it was sent),
`Kahu-Signature: v1=<hex>`, where hex is HMAC-SHA256 with the channel's secret over
`<timestamp>.<body>` (the timestamp's digits, a full stop, the body's bytes), and
`Idempotency-Key` (the notification's key: the same on every try, so the receiver keeps
the first and answers 2xx to the rest). A receiver recomputes the signature, compares it
in constant time, and refuses a timestamp more than `TOLERANCE` away from its clock (a
captured delivery replayed later).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "Kahu-Timestamp"
SIGNATURE_HEADER = "Kahu-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
VERSION = "v1"
#: Seconds a receiver accepts between the delivery's timestamp and its own clock.
TOLERANCE = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `Kahu-Signature` header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def headers(secret: bytes, timestamp: int, body: bytes, key: str) -> dict[str, str]:
    """The headers of one signed delivery of `body` under idempotency key `key`."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: key,
    }


def verify(secret: bytes, timestamp: str, signed: str, body: bytes, *, now: float, tolerance: int = TOLERANCE) -> str:
    """Why a delivery is refused ("" when it is genuine): a malformed or stale timestamp,
    or a signature that does not match."""
    if not timestamp.isdigit():
        return "Kahu-Timestamp is missing or not Unix seconds"
    if abs(now - int(timestamp)) > tolerance:
        return f"Kahu-Timestamp is more than {tolerance} s from now"
    if not hmac.compare_digest(signature(secret, int(timestamp), body).encode(), signed.encode()):
        return "Kahu-Signature does not match the body"
    return ""
