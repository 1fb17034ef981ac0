"""Bearer tokens: what verifies, what does not, and why (never what a token holds); keys
rotate by editing the key set, without a restart."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from services.common import identity
from services.common.identity import (
    InvalidToken,
    Principal,
    Signer,
    TokenVerifier,
    WorkloadTokens,
    bearer,
    principal_from_claims,
)
from services.common.keys import JWKS_FILE, REVOKED_FILE, SIGNING_KEY_FILE, KeyFileError, new_signing_key

ISSUER, AUDIENCE = "kahu-test", "kahu"
SUPERVISOR = Principal(subject="sup.mere", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))


@pytest.fixture
def signing(tmp_path: Path) -> Path:
    directory = tmp_path / "signing"
    new_signing_key(directory, kid="key-1")
    return directory


def verifier(signing: Path) -> TokenVerifier:
    return TokenVerifier.from_dir(signing, issuer=ISSUER, audience=AUDIENCE)


def mint(signing: Path, principal: Principal = SUPERVISOR, ttl: float = 600, **claims: object) -> str:
    return Signer.from_dir(signing).mint(
        principal, issuer=str(claims.pop("iss", ISSUER)), audience=str(claims.pop("aud", AUDIENCE)), ttl=ttl, **claims
    )


def test_a_good_token_names_its_principal(signing: Path) -> None:
    principal = verifier(signing).verify(mint(signing))
    assert (principal.subject, set(principal.roles), set(principal.sites)) == ("sup.mere", {"supervisor"}, {"hutt"})
    assert principal.token_id and not principal.dev


def _forged_with_other_key(signing: Path) -> str:
    other = signing.parent / "other"
    new_signing_key(other, kid="key-1")  # same kid, other key
    return mint(other)


def _unsigned() -> str:
    claims = {"sub": "sup.mere", "iss": ISSUER, "aud": AUDIENCE, "exp": time.time() + 60}
    return jwt.encode(claims, None, "none")  # type: ignore[arg-type]


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _hmac_with_public_key(signing: Path) -> str:
    """The algorithm-confusion attack: HS256 keyed with the (public) verification key."""
    public = (signing / JWKS_FILE).read_bytes()
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "kid": "key-1"}).encode())
    body = _b64(json.dumps({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60}).encode())
    signature = _b64(hmac.new(public, header + b"." + body, hashlib.sha256).digest())
    return (header + b"." + body + b"." + signature).decode()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: "", "no bearer token"),
        (lambda s: "not.a.jwt", "not a JWT"),
        (lambda s: mint(s, ttl=-120), "expired"),
        (lambda s: mint(s, aud="someone-else"), "another audience"),
        (lambda s: mint(s, iss="someone-else"), "another issuer"),
        (lambda s: mint(s, ttl=8 * 24 * 3600), "longer than"),
        (_forged_with_other_key, "signature does not verify"),
        (lambda s: _unsigned(), "ES256"),
        (_hmac_with_public_key, "ES256"),
        (lambda s: mint(s)[:-8] + "AAAAAAAA", "signature"),
    ],
)
def test_bad_tokens_are_refused_saying_why(signing: Path, make: object, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        verifier(signing).verify(make(signing))  # type: ignore[operator]


def test_a_token_from_an_unknown_key_is_refused(signing: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    new_signing_key(other, kid="key-9")
    with pytest.raises(InvalidToken, match="not a trusted key"):
        verifier(signing).verify(mint(other))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "workload:worker", "roles": ["supervisor"]},  # a workload subject with a person's role
        {"sub": "sup.mere", "roles": ["workload"]},  # a person with the workload role
        {"sub": "workload:worker", "roles": ["workload", "supervisor"]},
        {"sub": "sup mere", "roles": ["supervisor"]},
        {"sub": "sup.mere", "roles": "supervisor"},
        {"sub": "sup.mere", "roles": ["supervisor"], "sites": ["hutt", 7]},
        {"sub": "sup.mere", "roles": ["supervisor"], "case_id": "not-a-case"},
    ],
)
def test_malformed_claims_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        principal_from_claims(claims)


def test_keys_rotate_by_editing_the_key_set_without_a_restart(signing: Path) -> None:
    check = verifier(signing)
    old_token = mint(signing)
    new_signing_key(signing, kid="key-2")  # 1. publish key-2 beside key-1 (and sign with it)
    os.utime(signing / JWKS_FILE, ns=(time.time_ns(), time.time_ns() + 10**9))
    new_token = mint(signing)
    assert jwt.get_unverified_header(new_token)["kid"] == "key-2"
    assert check.verify(new_token).subject == "sup.mere"  # unknown kid: the set is re-read at once
    assert check.verify(old_token).subject == "sup.mere"  # key-1 still trusted
    jwks = json.loads((signing / JWKS_FILE).read_text())
    jwks["keys"] = [k for k in jwks["keys"] if k["kid"] != "key-1"]  # 2. retire key-1
    (signing / JWKS_FILE).write_text(json.dumps(jwks))
    os.utime(signing / JWKS_FILE, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    fresh = TokenVerifier.from_dir(signing, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(InvalidToken, match="not a trusted key"):
        fresh.verify(old_token)
    assert fresh.verify(new_token).subject == "sup.mere"


def test_a_key_set_with_a_private_key_or_none_at_all_stops_start_up(signing: Path, tmp_path: Path) -> None:
    private = json.loads((signing / SIGNING_KEY_FILE).read_text())
    (signing / JWKS_FILE).write_text(json.dumps({"keys": [private]}))
    with pytest.raises(KeyFileError, match="no private part"):
        verifier(signing)
    with pytest.raises(KeyFileError, match="cannot read"):
        verifier(tmp_path / "nowhere")


def test_workload_tokens_name_the_process_and_renew(signing: Path) -> None:
    tokens = WorkloadTokens(Signer.from_dir(signing), ISSUER, AUDIENCE, "worker", ttl=120)
    first = tokens.current()
    principal = verifier(signing).verify(first)
    assert (principal.subject, set(principal.roles), principal.is_workload) == ("workload:worker", {"workload"}, True)
    assert tokens.current() == first  # cached while fresh
    tokens._renew_at = 0  # as if half its life had passed
    assert tokens.current() != first


def test_only_es256_keys_sign(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key))
    with pytest.raises(jwt.InvalidKeyError, match="curve 'secp384r1' does not match the expected curve 'secp256r1'"):
        Signer({**jwk, "kid": "k"}).mint(SUPERVISOR, issuer=ISSUER, audience=AUDIENCE, ttl=60)  # P-384 is not ES256


def test_the_bearer_header_is_read_case_insensitively() -> None:
    assert bearer([("Authorization", "Bearer abc")]) == "abc"
    assert bearer([("authorization", b"bearer  xyz ")]) == "xyz"
    assert bearer([("authorization", "Basic abc")]) == ""
    assert bearer(None) == ""


def test_a_key_published_for_workloads_cannot_sign_a_persons_token(signing: Path, tmp_path: Path) -> None:
    pods = tmp_path / "pods"
    new_signing_key(pods, kid="pods-1", roles=["workload"])
    jwks = json.loads((signing / JWKS_FILE).read_text())
    jwks["keys"] += json.loads((pods / JWKS_FILE).read_text())["keys"]
    (signing / JWKS_FILE).write_text(json.dumps(jwks))
    check = verifier(signing)
    worker = Principal(subject="workload:worker", roles=frozenset({"workload"}))
    assert check.verify(mint(pods, worker)).is_workload
    with pytest.raises(InvalidToken, match="may not sign tokens for these roles"):
        check.verify(mint(pods, SUPERVISOR))  # a pod's key minting a supervisor's token


def _revoke(signing: Path, subjects: dict[str, str] | None = None, tokens: list[str] | None = None) -> None:
    path = signing / REVOKED_FILE
    path.write_text(json.dumps({"subjects": subjects or {}, "tokens": tokens or []}), encoding="utf-8")
    later = time.time_ns() + 10**9  # a new mtime, as a Secret update gives
    os.utime(path, ns=(later, later))


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def test_a_revoked_subjects_earlier_tokens_are_refused_and_later_ones_accepted(
    signing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = verifier(signing)
    old = mint(signing)
    other = mint(signing, Principal(subject="sup.aroha", roles=frozenset({"supervisor"})))
    issued = jwt.decode(old, options={"verify_signature": False})["iat"]
    _revoke(signing, subjects={"sup.mere": _iso(issued)})

    def refused() -> bool:
        try:
            check.verify(old)
        except InvalidToken as error:
            return str(error) == "the token was revoked"
        return False

    _until(refused)  # the list is picked up without a restart
    assert check.verify(other).subject == "sup.aroha"
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 5)  # a token issued after the revocation
    assert check.verify(mint(signing)).subject == "sup.mere"


def test_a_revoked_token_id_is_refused_alone(signing: Path) -> None:
    stolen, kept = mint(signing), mint(signing)
    _revoke(signing, tokens=[jwt.decode(stolen, options={"verify_signature": False})["jti"]])
    check = verifier(signing)
    with pytest.raises(InvalidToken, match="revoked"):
        check.verify(stolen)
    assert check.verify(kept).subject == "sup.mere"


def test_a_bad_revocation_list_stops_start_up_and_later_keeps_the_last_good_one(
    signing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "_RELOAD_EVERY", 0.0)  # every verification looks at the file
    (signing / REVOKED_FILE).write_text('{"subjects": {"sup.mere": "yesterday"}}', encoding="utf-8")
    with pytest.raises(KeyFileError, match=REVOKED_FILE):
        verifier(signing)
    stolen = mint(signing)
    _revoke(signing, tokens=[jwt.decode(stolen, options={"verify_signature": False})["jti"]])
    check = verifier(signing)
    (signing / REVOKED_FILE).write_text("{not json", encoding="utf-8")
    later = time.time_ns() + 3 * 10**9
    os.utime(signing / REVOKED_FILE, ns=(later, later))
    for _ in range(3):
        with pytest.raises(InvalidToken, match="revoked"):
            check.verify(stolen)


def _until(probe: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, "not picked up in time"
        time.sleep(0.05)


def _refusal(check: TokenVerifier, token: str) -> str:
    try:
        check.verify(token)
    except InvalidToken as error:
        return str(error)
    return ""


def test_a_token_seen_before_is_checked_again_on_every_use(signing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = verifier(signing)
    revoked, replaced, expiring = mint(signing), mint(signing), mint(signing, ttl=60)
    for token in (revoked, replaced, expiring):
        assert check.verify(token).subject == check.verify(token).subject == "sup.mere"  # the second from memory

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 120)  # past 60 s and the leeway
    assert _refusal(check, expiring) == "the token has expired"
    assert _refusal(check, replaced) == ""  # ten minutes' life
    monkeypatch.undo()

    _revoke(signing, tokens=[jwt.decode(revoked, options={"verify_signature": False})["jti"]])
    _until(lambda: _refusal(check, revoked) == "the token was revoked")
    assert _refusal(check, replaced) == ""

    other = signing.parent / "other"
    new_signing_key(other, kid="key-1")  # the same kid, published with another key
    (signing / JWKS_FILE).write_text((other / JWKS_FILE).read_text())
    later = time.time_ns() + 3 * 10**9
    os.utime(signing / JWKS_FILE, ns=(later, later))
    _until(lambda: _refusal(check, replaced) == "the token's signature does not verify")
    assert _refusal(check, mint(other)) == ""
