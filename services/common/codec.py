"""Encryption of every payload Kahu stores in Temporal: AES-256-GCM (`cryptography`).

Each payload is serialized whole (its metadata and data) and sealed with the current key
under a fresh 96-bit nonce; the sealed payload says `encoding: binary/encrypted` and names
its key in `encryption-key-id`, which is also bound into the seal (associated data), so
keys rotate: new payloads use the current key, old ones decrypt with the key they name.
Keys come from files (services/common/keys.py), never the repository.

A payload without the encrypted encoding decodes as it is (histories written before
encryption was switched on); one naming a key this process does not have fails loudly.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from services.common.keys import load_payload_keys

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
_AAD = b"kahu-payload:"


class PayloadKeyError(ValueError):
    """A payload cannot be decrypted: an unknown key id, or tampered ciphertext."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, current: str, keys: Mapping[str, bytes]) -> None:
        if current not in keys:
            raise ValueError(f"the current key {current!r} is not among the keys")
        self.current = current
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}

    @classmethod
    def from_dir(cls, payload_dir: Path) -> EncryptionCodec:
        current, keys = load_payload_keys(payload_dir)
        return cls(current, keys)

    def encrypt(self, payload: Payload) -> Payload:
        kid = self.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[kid].encrypt(nonce, payload.SerializeToString(), _AAD + kid.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise PayloadKeyError(f"payload encrypted with key {kid!r}, which this process does not have")
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _AAD + kid.encode())
        except InvalidTag:
            raise PayloadKeyError(f"payload sealed with key {kid!r} does not verify") from None
        return Payload.FromString(plain)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]


def data_converter(codec: EncryptionCodec) -> DataConverter:
    """Temporal's default converter with every payload encrypted, and failures' messages and
    stack traces moved into (encrypted) payloads too, so no free text lands in history in
    clear."""
    return dataclasses.replace(
        DataConverter.default,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
