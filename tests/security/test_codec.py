"""Payload encryption (AES-256-GCM, key ids, rotation) and the codec server the Temporal
UI decodes payloads through (CORS, its own authorisation, audit)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter

from services.codec import app as codec_app
from services.common.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadKeyError, data_converter
from services.common.config import Settings
from services.common.identity import Principal
from services.common.keys import KeyFileError, load_payload_keys, new_payload_key
from tests.conftest import free_port
from tests.tokens import mint, staff

SECRET = "Āniwaniwa Pōtae, 12 Kōwhai Street"


def plain(text: str = SECRET) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(text).encode())


async def test_every_payload_is_sealed_under_the_current_key_and_opens_again(tmp_path: Path) -> None:
    new_payload_key(tmp_path, kid="k1")
    codec = EncryptionCodec.from_dir(tmp_path)
    (sealed,) = await codec.encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"k1"
    assert SECRET.encode() not in sealed.SerializeToString()
    assert (await codec.encode([plain()]))[0].data != sealed.data  # a fresh nonce every time
    assert await codec.decode([sealed]) == [plain()]


async def test_keys_rotate_new_payloads_use_the_new_key_old_ones_still_open(tmp_path: Path) -> None:
    new_payload_key(tmp_path, kid="k1")
    (old,) = await EncryptionCodec.from_dir(tmp_path).encode([plain()])
    new_payload_key(tmp_path, kid="k2")  # now current
    rotated = EncryptionCodec.from_dir(tmp_path)
    (new,) = await rotated.encode([plain()])
    assert new.metadata[KEY_ID] == b"k2"
    assert await rotated.decode([old, new]) == [plain(), plain()]
    (tmp_path / "k1.key").unlink()  # retired too early: history sealed with it no longer opens
    with pytest.raises(PayloadKeyError, match="'k1'"):
        await EncryptionCodec.from_dir(tmp_path).decode([old])


async def test_tampered_or_relabelled_payloads_do_not_open(tmp_path: Path) -> None:
    new_payload_key(tmp_path, kid="k1")
    new_payload_key(tmp_path, kid="k2")
    codec = EncryptionCodec.from_dir(tmp_path)
    (sealed,) = await codec.encode([plain()])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[KEY_ID] = b"k1"  # the key id is bound into the seal
    for bad in (flipped, relabelled):
        with pytest.raises(PayloadKeyError, match="does not verify"):
            await codec.decode([bad])


async def test_unencrypted_history_still_reads(tmp_path: Path) -> None:
    new_payload_key(tmp_path, kid="k1")
    assert await EncryptionCodec.from_dir(tmp_path).decode([plain()]) == [plain()]


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (lambda d: None, "current payload key id"),
        (lambda d: (d / "current").write_text("k9"), "no k9.key"),
        (lambda d: ((d / "current").write_text("k1"), (d / "k1.key").write_text("c2hvcnQ=")), "32 bytes"),
        (lambda d: ((d / "current").write_text("k1"), (d / "k1.key").write_text("%%%")), "not base64"),
    ],
)
def test_bad_key_files_stop_start_up_naming_the_file(tmp_path: Path, setup: object, problem: str) -> None:
    setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(KeyFileError, match=problem):
        load_payload_keys(tmp_path)


async def test_failure_messages_are_encrypted_too(tmp_path: Path) -> None:
    new_payload_key(tmp_path, kid="k1")
    converter: DataConverter = data_converter(EncryptionCodec.from_dir(tmp_path))
    from temporalio.api.failure.v1 import Failure

    failure = Failure()
    await converter.encode_failure(ValueError(f"cannot place {SECRET}"), failure)
    assert SECRET.encode() not in failure.SerializeToString()
    assert SECRET in str(await converter.decode_failure(failure))


# -- the codec server ----------------------------------------------------------------------


@pytest.fixture
async def codec_server(settings: Settings) -> AsyncIterator[str]:
    origins = ("http://127.0.0.1:8233",)
    configured = replace(settings, codec_cors_origins=origins, codec_path_tokens=True)
    async with AsyncExitStack() as stack:
        port = await codec_app.start(configured, stack, port=free_port())
        yield f"http://127.0.0.1:{port}"


async def _sealed(settings: Settings) -> dict[str, object]:
    codec = EncryptionCodec.from_dir(settings.payload_keys_dir)
    message = Payloads(payloads=await codec.encode([plain()]))
    return dict(json.loads(json_format.MessageToJson(message)))


SUPERVISOR = staff("sup.mere", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))


async def test_permitted_staff_decode_payloads_and_each_decode_is_audited(
    settings: Settings, codec_server: str
) -> None:
    body = await _sealed(settings)
    headers = {"Authorization": f"Bearer {mint(settings, SUPERVISOR)}", "X-Namespace": settings.temporal_namespace}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{codec_server}/decode", json=body, headers=headers) as got:
            assert got.status == 200
            decoded = json_format.Parse(await got.text(), Payloads())
        assert list(decoded.payloads) == [plain()]
        async with session.post(f"{codec_server}/encode", json={"payloads": [json.loads(
            json_format.MessageToJson(plain()))]}, headers=headers) as got:  # fmt: skip
            encoded = json_format.Parse(await got.text(), Payloads())
        assert encoded.payloads[0].metadata["encoding"] == ENCODING
    conn = await asyncpg.connect(settings.database_url)
    try:
        rows = await conn.fetch("SELECT action, result FROM codec.audit WHERE actor = 'sup.mere' ORDER BY seq")
    finally:
        await conn.close()
    assert [(r["action"], r["result"]) for r in rows][-2:] == [("kahu.codec/Decode", "OK"), ("kahu.codec/Encode", "OK")]


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        (None, 401),
        ("garbage", 401),
        (Principal(subject="ops.tui", roles=frozenset({"ops"})), 403),  # metadata only: no payloads
        (Principal(subject="sw.tama", roles=frozenset({"social_worker"})), 403),
    ],
)
async def test_the_codec_server_has_its_own_authorisation(
    settings: Settings, codec_server: str, caller: Principal | str | None, status: int
) -> None:
    headers = {}
    if caller is not None:
        token = mint(settings, caller) if isinstance(caller, Principal) else caller
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{codec_server}/decode", json=await _sealed(settings), headers=headers) as got,
    ):
        assert got.status == status
        assert SECRET not in await got.text()


async def test_another_namespace_is_refused(settings: Settings, codec_server: str) -> None:
    headers = {"Authorization": f"Bearer {mint(settings, SUPERVISOR)}", "X-Namespace": "someone-elses"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{codec_server}/decode", json=await _sealed(settings), headers=headers) as got,
    ):
        assert got.status == 403


async def test_cors_is_for_the_ui_origin_only(settings: Settings, codec_server: str) -> None:
    preflight = {
        "Origin": "http://127.0.0.1:8233",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with aiohttp.ClientSession() as session:
        async with session.options(f"{codec_server}/decode", headers=preflight) as got:
            assert got.status == 204
            assert got.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8233"
            assert "Authorization" in got.headers["Access-Control-Allow-Headers"]
        async with session.options(
            f"{codec_server}/decode", headers={**preflight, "Origin": "https://evil.example"}
        ) as got:
            assert got.status == 403
            assert "Access-Control-Allow-Origin" not in got.headers
        headers = {"Origin": "https://evil.example", "Authorization": f"Bearer {mint(settings, SUPERVISOR)}"}
        async with session.post(f"{codec_server}/decode", json=await _sealed(settings), headers=headers) as got:
            assert "Access-Control-Allow-Origin" not in got.headers  # the browser will not hand it over


async def test_the_development_ui_passes_its_token_in_the_path(settings: Settings, codec_server: str) -> None:
    token = mint(settings, SUPERVISOR)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{codec_server}/t/{token}/decode", json=await _sealed(settings)) as got,
    ):
        assert got.status == 200
        assert list(json_format.Parse(await got.text(), Payloads()).payloads) == [plain()]


async def test_tokens_in_the_path_only_where_the_dev_stack_allows_them(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        port = await codec_app.start(settings, stack, port=free_port())  # KAHU_CODEC_PATH_TOKENS unset
        token = mint(settings, SUPERVISOR)
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/t/{token}/decode", json=await _sealed(settings)) as got,
        ):
            assert got.status == 404
