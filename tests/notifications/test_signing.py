"""The webhook signature: HMAC-SHA256 over "<timestamp>.<body>", checked in constant time,
refused when stale."""

from __future__ import annotations

from services.common.notifications import signing

SECRET = b"kahu-test-secret-0123456789"
BODY = b'{"a":1}'
#: `printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac kahu-test-secret-0123456789`
EXPECTED = "v1=74f2dc3c62b6b1674e0d510537860d1f4fbbe41f6895a8160baeca759a723158"


def test_the_signature_is_hmac_sha256_over_the_timestamp_and_body() -> None:
    assert signing.signature(SECRET, 1700000000, BODY) == EXPECTED
    assert signing.headers(SECRET, 1700000000, BODY, "police.immediate_danger:n1:police") == {
        "Kahu-Timestamp": "1700000000",
        "Kahu-Signature": EXPECTED,
        "Idempotency-Key": "police.immediate_danger:n1:police",
    }


def test_a_genuine_delivery_verifies() -> None:
    assert signing.verify(SECRET, "1700000000", EXPECTED, BODY, now=1700000100) == ""


def test_a_changed_body_another_secret_or_another_timestamp_is_refused() -> None:
    assert "does not match" in signing.verify(SECRET, "1700000000", EXPECTED, b'{"a":2}', now=1700000000)
    assert "does not match" in signing.verify(b"another-secret-0123456", "1700000000", EXPECTED, BODY, now=1700000000)
    assert "does not match" in signing.verify(SECRET, "1700000001", EXPECTED, BODY, now=1700000000)
    assert "does not match" in signing.verify(SECRET, "1700000000", "v1=00", BODY, now=1700000000)


def test_a_stale_or_missing_timestamp_is_refused() -> None:
    assert "more than 300 s" in signing.verify(SECRET, "1700000000", EXPECTED, BODY, now=1700000301)
    assert "more than 300 s" in signing.verify(SECRET, "1700000000", EXPECTED, BODY, now=1699999699)
    assert "missing" in signing.verify(SECRET, "", EXPECTED, BODY, now=1700000000)
    assert "missing" in signing.verify(SECRET, "-5", EXPECTED, BODY, now=1700000000)
