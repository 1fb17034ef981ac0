"""Who is calling: signed bearer tokens (JWT, ES256) and the principals they name.

A token is verified with PyJWT against the public keys in `signing/jwks.json` (the key
named by the token's `kid`; the file is re-read when it changes, so keys rotate without a
restart): signature, issuer, audience, expiry, issue time, a bounded lifetime, and the
revocation list `signing/revoked.json` (re-read the same way). Its claims name the caller:

    sub       staff id, agency system or `workload:<process>`
    roles     e.g. ["supervisor"] (policy/access.yaml lists them)
    agency    e.g. "AGENCY_POLICE" (agency reporters and partner agencies)
    sites     site codes, e.g. ["hutt"]
    regions   region names, e.g. ["greater-wellington"]
    purpose   a partner agency's information-sharing purpose
    case_id   the one case a partner agency's token is for
    dev       true on tokens minted by `kahu token` (development only)

Kahu's own processes sign short-lived workload tokens (`WorkloadTokens`) with
`signing/signing-key.jwk`: the worker calling the domain services acts as
`workload:worker`, never as a borrowed user.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jwt

from services.common.keys import JWKS_FILE, REVOKED_FILE, SIGNING_KEY_FILE, KeyFileError

log = logging.getLogger(__name__)
ALGORITHMS = ("ES256",)
WORKLOAD_ROLE = "workload"
WORKLOAD_PREFIX = "workload:"
#: Longest lifetime (exp - iat) a token may have.
MAX_LIFETIME = 7 * 24 * 3600
LEEWAY = 30
WORKLOAD_TTL = 15 * 60
#: A JWKS member of Kahu's: the only roles tokens signed by that key may claim. The key
#: every pod holds to sign its workload tokens is published with ["workload"], so a pod
#: cannot mint a person's token with it.
KEY_ROLES = "kahu_roles"
_SUBJECT = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RELOAD_EVERY = 2.0


class InvalidToken(Exception):
    """A missing, malformed, expired or otherwise unacceptable token; the message says why
    (never what the token holds)."""


@dataclass(frozen=True)
class Principal:
    """The verified caller of one request."""

    subject: str
    roles: frozenset[str]
    agency: str = ""
    sites: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    purpose: str = ""
    case_id: str = ""
    token_id: str = ""
    dev: bool = False

    @property
    def is_workload(self) -> bool:
        return WORKLOAD_ROLE in self.roles

    def claims(self) -> dict[str, Any]:
        """The Kahu claims that name this principal (for minting its token)."""
        claims: dict[str, Any] = {"sub": self.subject, "roles": sorted(self.roles)}
        for name in ("agency", "purpose", "case_id"):
            if getattr(self, name):
                claims[name] = getattr(self, name)
        if self.sites:
            claims["sites"] = sorted(self.sites)
        if self.regions:
            claims["regions"] = sorted(self.regions)
        if self.dev:
            claims["dev"] = True
        return claims


def _strings(claims: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> frozenset[str]:
    value = claims.get(name, [])
    if (
        not isinstance(value, list)
        or len(value) > 100
        or not all(isinstance(v, str) and pattern.fullmatch(v) for v in value)
    ):
        raise InvalidToken(f"claim {name} must be a list of codes")
    return frozenset(value)


def _string(claims: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = claims.get(name, "")
    if not isinstance(value, str) or (value and not pattern.fullmatch(value)):
        raise InvalidToken(f"claim {name} is malformed")
    return value


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise InvalidToken("claim sub is malformed")
    roles = _strings(claims, "roles", _CODE)
    if (WORKLOAD_ROLE in roles) != subject.startswith(WORKLOAD_PREFIX):
        raise InvalidToken(f"only a workload:<name> subject holds the {WORKLOAD_ROLE} role, and only that role")
    if WORKLOAD_ROLE in roles and len(roles) > 1:
        raise InvalidToken(f"a workload token holds the {WORKLOAD_ROLE} role only")
    case_id = _string(claims, "case_id", re.compile(r"[0-9a-f-]{36}"))
    return Principal(
        subject=subject,
        roles=roles,
        agency=_string(claims, "agency", _CODE),
        sites=_strings(claims, "sites", _CODE),
        regions=_strings(claims, "regions", _CODE),
        purpose=_string(claims, "purpose", _CODE),
        case_id=case_id,
        token_id=_string(claims, "jti", _SUBJECT),
        dev=claims.get("dev") is True,
    )


class _Watch:
    """When to re-read a file: when it has changed (mtime, size, inode), looked at no more
    often than every _RELOAD_EVERY seconds unless asked to look now."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._checked = 0.0

    def changed(self, *, now: bool = False) -> tuple[int, int, int] | None:
        """The file's new stamp if it changed since `seen` (raises OSError if it cannot
        be looked at); None if unchanged or looked at too recently."""
        at = time.monotonic()
        if not now and at - self._checked < _RELOAD_EVERY:
            return None
        self._checked = at
        st = os.stat(self.path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        return None if stamp == self._stamp else stamp

    def seen(self, stamp: tuple[int, int, int] | None) -> None:
        self._stamp = stamp


class _JwksFile:
    """The verification keys, re-read when the file changes (checked every few seconds,
    and at once, at most once a second, for a key id it does not know)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._watch = _Watch(path)
        self._lock = threading.Lock()
        self._last_miss = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._roles: dict[str, frozenset[str] | None] = {}
        self._refresh(now=True, strict=True)

    def _refresh(self, *, now: bool = False, strict: bool = False) -> None:
        """Re-read the file if it changed; `strict`: a file that cannot be used is an error
        (at start), otherwise the keys already read stay."""
        with self._lock:
            try:
                stamp = self._watch.changed(now=now)
            except OSError as error:
                if strict:
                    raise KeyFileError(f"cannot read the verification keys {self._path}: {error.strerror}") from None
                return  # keep the keys we have: a Secret update replaces the file
            if stamp is None:
                return
            try:
                data = json.loads(self._path.read_text(encoding="utf-8"))
                keys, roles = {}, {}
                for entry in data["keys"]:
                    jwk = jwt.PyJWK(entry)
                    if not entry.get("kid") or entry.get("alg", "ES256") not in ALGORITHMS or "d" in entry:
                        raise ValueError("each key needs a kid, alg ES256 and no private part")
                    keys[entry["kid"]] = jwk
                    limited = entry.get(KEY_ROLES)
                    if limited is not None and not (
                        isinstance(limited, list) and all(isinstance(r, str) for r in limited)
                    ):
                        raise ValueError(f"{KEY_ROLES} is a list of roles")
                    roles[entry["kid"]] = None if limited is None else frozenset(limited)
            except (OSError, ValueError, KeyError, TypeError, jwt.PyJWKError) as error:
                if strict:
                    raise KeyFileError(f"{self._path} is not a usable JWKS: {error}") from None
                return
            self._keys, self._roles = keys, roles
            self._watch.seen(stamp)

    def roles_of(self, kid: str) -> frozenset[str] | None:
        """The only roles tokens signed by `kid` may claim (None: any)."""
        return self._roles.get(kid)

    def get(self, kid: str) -> jwt.PyJWK | None:
        self._refresh()
        key = self._keys.get(kid)
        now = time.monotonic()
        if key is None and now - self._last_miss >= 1.0:  # a new key published? look now
            self._last_miss = now
            self._refresh(now=True)
            key = self._keys.get(kid)
        return key


class _Revocations:
    """The revocation list, `signing/revoked.json`, re-read when it changes like the JWKS;
    no file, nothing revoked:

        {"subjects": {"<sub>": "<UTC time>"}, "tokens": ["<jti>", ...]}

    A subject's tokens issued at or before its time are refused (a person who left, a
    system whose credentials leaked: tokens issued afterwards are accepted again); a
    token id is refused whenever it is presented."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._watch = _Watch(path)
        self._lock = threading.Lock()
        self._subjects: dict[str, float] = {}
        self._tokens: frozenset[str] = frozenset()
        self._refresh(now=True, strict=True)

    def _refresh(self, *, now: bool = False, strict: bool = False) -> None:
        with self._lock:
            try:
                stamp = self._watch.changed(now=now)
            except FileNotFoundError:
                self._subjects, self._tokens = {}, frozenset()
                self._watch.seen(None)
                return
            except OSError as error:
                if strict:
                    raise KeyFileError(f"cannot read the revocation list {self._path}: {error.strerror}") from None
                return
            if stamp is None:
                return
            try:
                data = json.loads(self._path.read_text(encoding="utf-8"))
                subjects = {}
                for sub, at in dict(data.get("subjects", {})).items():
                    when = dt.datetime.fromisoformat(str(at))
                    if when.tzinfo is None:
                        raise ValueError(f"the time of subject {sub} needs a time zone (…Z)")
                    subjects[str(sub)] = when.timestamp()
                tokens = data.get("tokens", [])
                if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                    raise ValueError("tokens is a list of token ids")
            except (OSError, ValueError, TypeError, AttributeError) as error:
                if strict:
                    raise KeyFileError(f"{self._path} is not a usable revocation list: {error}") from None
                log.warning("revocation list %s not reloaded, keeping the previous one: %s", self._path, error)
                return
            self._subjects, self._tokens = subjects, frozenset(tokens)
            self._watch.seen(stamp)

    def revoked(self, subject: str, token_id: str, issued: float) -> bool:
        self._refresh()
        if token_id and token_id in self._tokens:
            return True
        until = self._subjects.get(subject)
        return until is not None and issued <= until


@dataclass(frozen=True)
class _Verified:
    """A token whose signature and claims checked out, with the key that signed it."""

    principal: Principal
    kid: str
    key: jwt.PyJWK
    issued: float
    expires: float


#: How many verified tokens a verifier remembers (all forgotten when full).
VERIFIED_CACHE = 10_000


class TokenVerifier:
    """Verifies bearer tokens against the JWKS file; `verify` returns the principal.

    A token seen before skips its signature check (the costly part, and every call of a
    caller carries the same token until it is renewed) as long as the key that signed it is
    still the one published under its kid; expiry, revocation and the key's roles are
    checked on every use."""

    def __init__(self, jwks_path: Path, *, issuer: str, audience: str) -> None:
        self._keys = _JwksFile(jwks_path)
        self._revocations = _Revocations(jwks_path.with_name(REVOKED_FILE))
        self._issuer = issuer
        self._audience = audience
        self._verified: dict[str, _Verified] = {}

    @classmethod
    def from_dir(cls, signing_dir: Path, *, issuer: str, audience: str) -> TokenVerifier:
        return cls(signing_dir / JWKS_FILE, issuer=issuer, audience=audience)

    def verify(self, token: str) -> Principal:
        if not token or len(token) > 8192:
            raise InvalidToken("no bearer token")
        seen = self._verified.get(token)
        if seen is not None and self._keys.get(seen.kid) is seen.key:
            if time.time() > seen.expires + LEEWAY:
                del self._verified[token]
                raise InvalidToken("the token has expired")
            return self._admitted(seen)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the bearer token is not a JWT") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") not in ALGORITHMS:
            raise InvalidToken("the token names no key id, or an algorithm other than ES256")
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("the token's key id is not a trusted key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature does not verify") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"the token is not acceptable: {error}") from None
        issued, expires = claims["iat"], claims["exp"]
        if not isinstance(issued, int | float) or expires - issued > MAX_LIFETIME:
            raise InvalidToken(f"the token lives longer than {MAX_LIFETIME // 3600} hours")
        if issued > time.time() + LEEWAY:
            raise InvalidToken("the token was issued in the future")
        verified = _Verified(principal_from_claims(claims), kid, key, float(issued), float(expires))
        principal = self._admitted(verified)
        if len(self._verified) >= VERIFIED_CACHE:
            self._verified.clear()
        self._verified[token] = verified
        return principal

    def _admitted(self, verified: _Verified) -> Principal:
        """The checks made on every use of a verified token: revocation, the key's roles."""
        principal = verified.principal
        if self._revocations.revoked(principal.subject, principal.token_id, verified.issued):
            raise InvalidToken("the token was revoked")
        limited = self._keys.roles_of(verified.kid)
        if limited is not None and not principal.roles <= limited:
            raise InvalidToken(f"key {verified.kid} may not sign tokens for these roles")
        return principal


class Signer:
    """Signs tokens with a private JWK (ES256, with its kid)."""

    def __init__(self, jwk: Mapping[str, Any]) -> None:
        if not jwk.get("kid") or "d" not in jwk:
            raise ValueError("a signing key is a private JWK with a kid")
        self.kid = str(jwk["kid"])
        self._key = jwt.PyJWK(dict(jwk), algorithm="ES256")

    @classmethod
    def from_dir(cls, signing_dir: Path) -> Signer:
        path = signing_dir / SIGNING_KEY_FILE
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, jwt.PyJWKError) as error:
            raise KeyFileError(f"cannot use the signing key {path}: {error}") from None

    def mint(self, principal: Principal, *, issuer: str, audience: str, ttl: float, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            **principal.claims(),
            **extra,
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + int(ttl),
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key.key, algorithm="ES256", headers={"kid": self.kid})


class TokenSource(Protocol):
    """Gives the bearer token for a call (None: call without one)."""

    def __call__(self, method: str, request: object) -> str | None: ...


@dataclass
class StaticToken:
    """One token for every call (the CLI's, from KAHU_TOKEN or --token)."""

    token: str

    def __call__(self, method: str, request: object) -> str | None:
        return self.token


@dataclass
class WorkloadTokens:
    """A Kahu process's own identity: `workload:<name>` tokens it signs itself, short-lived
    and renewed before they expire."""

    signer: Signer
    issuer: str
    audience: str
    name: str
    ttl: float = WORKLOAD_TTL
    extra: Mapping[str, Any] = field(default_factory=dict)
    _token: str = ""
    _renew_at: float = 0.0

    @property
    def principal(self) -> Principal:
        return Principal(subject=f"{WORKLOAD_PREFIX}{self.name}", roles=frozenset({WORKLOAD_ROLE}))

    def current(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            self._token = self.signer.mint(
                self.principal, issuer=self.issuer, audience=self.audience, ttl=self.ttl, **self.extra
            )
            self._renew_at = now + self.ttl / 2
        return self._token

    def __call__(self, method: str, request: object) -> str | None:
        return self.current()


def bearer(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    """The token of an `authorization: Bearer <token>` header ("" when there is none)."""
    for key, value in metadata or ():
        if key.lower() == "authorization":
            text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""
