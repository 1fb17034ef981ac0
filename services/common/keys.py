"""Key files: where Kahu's keys live and how development keys are made.

Under `Settings.keys_dir` (`.kahu/keys` for `make run`, `/etc/kahu/keys` on Kubernetes,
where each directory is a mounted Secret):

    signing/jwks.json         public keys that verify bearer tokens (a JWKS; rotation:
                              add the new key here first, remove the old one last)
    signing/signing-key.jwk   the private key (JWK, ES256, with its `kid`) that this
                              process signs workload-identity tokens with
    console/signing-key.jwk   the web console's private key: it signs short-lived tokens
                              for the people signed in to it (its public half is in
                              signing/jwks.json, limited to CONSOLE_ROLES)
    payload/current           the id of the payload key that encrypts new payloads
    payload/<key id>.key      a 256-bit AES-GCM key, base64; every key listed decrypts

Keys are never in the repository: `make run` creates development keys (key ids starting
`dev-`) on first start, the tests make their own in temporary directories.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from services.common.config import ConfigError

JWKS_FILE = "jwks.json"
SIGNING_KEY_FILE = "signing-key.jwk"
#: Revoked tokens and subjects, beside the JWKS (optional; services/common/identity.py).
REVOKED_FILE = "revoked.json"
CURRENT_PAYLOAD_KEY = "current"
PAYLOAD_KEY_SUFFIX = ".key"
DEV_PREFIX = "dev-"
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
AES_KEY_BYTES = 32
#: The roles the console's key may sign tokens for: staff who sign in to it (never the
#: workload, an agency's system or a partner agency).
CONSOLE_ROLES = (
    "intake_social_worker",
    "social_worker",
    "supervisor",
    "site_manager",
    "regional_manager",
    "youth_justice_coordinator",
    "care_and_protection_coordinator",
    "ops",
)


class KeyFileError(ConfigError):
    """A key file is missing or malformed; the message names the file."""


def new_key_id(prefix: str = "") -> str:
    return f"{prefix}{dt.datetime.now(dt.UTC):%Y%m%d}-{secrets.token_hex(4)}"


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, replacing any file there atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    tmp.replace(path)


def new_signing_key(
    signing_dir: Path,
    *,
    kid: str | None = None,
    keep_old: bool = True,
    roles: list[str] | None = None,
    jwks_dir: Path | None = None,
) -> str:
    """Make an ES256 key pair: the private JWK becomes the signing key in `signing_dir`, the
    public key is added to the JWKS in `jwks_dir` (default: the same directory; beside the
    keys already there when `keep_old`), limited to `roles` when given (JWKS member
    `kahu_roles`). Returns its kid."""
    kid = kid or new_key_id()
    private = ec.generate_private_key(ec.SECP256R1())
    private_jwk = json.loads(ECAlgorithm.to_jwk(private))
    public_jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    for jwk in (private_jwk, public_jwk):
        jwk.update(kid=kid, alg="ES256", use="sig")
    if roles is not None:
        public_jwk["kahu_roles"] = sorted(roles)
    jwks_path = (jwks_dir or signing_dir) / JWKS_FILE
    keys = []
    if keep_old and jwks_path.is_file():
        keys = [k for k in json.loads(jwks_path.read_text(encoding="utf-8"))["keys"] if k.get("kid") != kid]
    _write_private(signing_dir / SIGNING_KEY_FILE, json.dumps(private_jwk, indent=2) + "\n")
    _write_private(jwks_path, json.dumps({"keys": [*keys, public_jwk]}, indent=2) + "\n")
    return kid


def new_payload_key(payload_dir: Path, *, kid: str | None = None, make_current: bool = True) -> str:
    """Add a random AES-256 key to the payload key directory (the current one unless told
    otherwise). Returns its key id."""
    kid = kid or new_key_id()
    if not KEY_ID.fullmatch(kid):
        raise ValueError(f"bad key id {kid!r}")
    _write_private(
        payload_dir / f"{kid}{PAYLOAD_KEY_SUFFIX}", base64.b64encode(secrets.token_bytes(32)).decode() + "\n"
    )
    if make_current:
        _write_private(payload_dir / CURRENT_PAYLOAD_KEY, kid + "\n")
    return kid


def ensure_dev_keys(keys_dir: Path) -> list[str]:
    """Create development keys under `keys_dir` unless there are keys already (what `make
    run` does on first start). Returns what it created, for the log."""
    created = []
    signing = keys_dir / "signing"
    if not (signing / SIGNING_KEY_FILE).is_file():
        kid = new_signing_key(signing, kid=new_key_id(DEV_PREFIX))
        created.append(f"development signing key {kid} in {signing}")
    console = keys_dir / "console"
    if not (console / SIGNING_KEY_FILE).is_file():
        kid = new_signing_key(
            console, kid=new_key_id(f"{DEV_PREFIX}console-"), roles=list(CONSOLE_ROLES), jwks_dir=signing
        )
        created.append(f"development console key {kid} in {console}")
    payload = keys_dir / "payload"
    if not (payload / CURRENT_PAYLOAD_KEY).is_file():
        kid = new_payload_key(payload, kid=new_key_id(DEV_PREFIX))
        created.append(f"payload key {kid} in {payload}")
    return created


def load_payload_keys(payload_dir: Path) -> tuple[str, dict[str, bytes]]:
    """(the current key id, every key by id) from a payload key directory."""
    current_file = payload_dir / CURRENT_PAYLOAD_KEY
    try:
        current = current_file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise KeyFileError(f"{current_file}: cannot read the current payload key id ({error.strerror})") from None
    keys: dict[str, bytes] = {}
    for path in sorted(payload_dir.iterdir()):
        if not path.name.endswith(PAYLOAD_KEY_SUFFIX):
            continue
        kid = path.name.removesuffix(PAYLOAD_KEY_SUFFIX)
        if not KEY_ID.fullmatch(kid):
            raise KeyFileError(f"{path}: the key id in the file name must be 1-64 of [A-Za-z0-9._-]")
        try:
            key = base64.b64decode(path.read_text(encoding="utf-8").strip(), validate=True)
        except ValueError:
            raise KeyFileError(f"{path}: not base64") from None
        if len(key) != AES_KEY_BYTES:
            raise KeyFileError(f"{path}: an AES-256 key is {AES_KEY_BYTES} bytes, not {len(key)}")
        keys[kid] = key
    if current not in keys:
        raise KeyFileError(f"{current_file}: names key {current!r}, but there is no {current}{PAYLOAD_KEY_SUFFIX}")
    return current, keys


def main(argv: list[str] | None = None) -> None:
    """`python -m services.common.keys signing|console|payload DIR [KEY_ID]`: add a new key
    to a key directory (signing: a key pair for the pods' workload tokens, its public half
    beside the keys already trusted in DIR/jwks.json; console: DIR is the keys directory, the
    web console's key pair, its private half in DIR/console, its public half, limited to
    staff roles, added to DIR/signing/jwks.json; payload: a new current AES key, beside the
    old ones), for the operator to load into the Kubernetes Secrets (deploy/README.md, Keys)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m services.common.keys", description=main.__doc__)
    parser.add_argument("kind", choices=["signing", "console", "payload"])
    parser.add_argument("directory", type=Path)
    parser.add_argument("key_id", nargs="?", default=None)
    args = parser.parse_args(argv)
    kid = args.key_id or new_key_id()
    if not KEY_ID.fullmatch(kid) or kid.startswith(DEV_PREFIX):
        parser.error(f"a key id is 1-64 of [A-Za-z0-9._-], not starting {DEV_PREFIX} (development keys)")
    if args.kind == "signing":  # the pods' own key: it signs workload tokens only
        made = new_signing_key(args.directory, kid=kid, roles=["workload"])
    elif args.kind == "console":  # the console's key: it signs staff tokens only
        made = new_signing_key(
            args.directory / "console", kid=kid, roles=list(CONSOLE_ROLES), jwks_dir=args.directory / "signing"
        )
    else:
        made = new_payload_key(args.directory, kid=kid)
    print(f"{args.kind} key {made} in {args.directory}")


if __name__ == "__main__":
    main()
