"""Reading workflow histories as Temporal stores them: raw bytes, and every payload in them
(encrypted by Kahu's codec, decrypted here for the tests that look inside)."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from services.common.codec import EncryptionCodec


def payloads(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside `message`."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            values = [v for v in value.values() if isinstance(v, Message)]
        elif field.is_repeated:
            values = list(value)
        else:
            values = [value]
        for item in values:
            yield from payloads(item)


async def raw_history(client: Client, workflow_id: str) -> tuple[bytes, list[Payload]]:
    """The workflow's events serialized as Temporal keeps them, and their payloads."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    found = [p for event in history.events for p in payloads(event)]
    return b"".join(event.SerializeToString() for event in history.events), found


def decrypted(codec: EncryptionCodec, found: list[Payload]) -> bytes:
    """The payloads' contents, decrypted."""
    return b"".join(codec.decrypt(p).SerializeToString() for p in found)
