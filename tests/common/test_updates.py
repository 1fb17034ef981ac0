"""services/common/updates.py against the session's real Temporal dev server: an update sent
to a workflow that is about to start waits for it; one that is not on its way is refused at
once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from services.common import updates
from services.common.errors import NotFound
from services.common.updates import Unavailable, not_starting, running_stage, send_update_once_started
from tests.polling import eventually
from workflows import search_attributes as sa


@workflow.defn(sandboxed=False)
class Opening:
    """A workflow that takes one update and then ends."""

    def __init__(self) -> None:
        self._taken: str | None = None

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self._taken is not None)
        assert self._taken is not None
        return self._taken

    @workflow.update
    async def take(self, value: str) -> str:
        self._taken = value
        return f"took {value}"


@pytest.fixture
async def client(temporal_port: int) -> Client:
    return await Client.connect(f"127.0.0.1:{temporal_port}")


async def test_an_update_waits_for_a_workflow_that_is_starting(client: Client) -> None:
    queue = f"updates-{uuid.uuid4()}"
    workflow_id = f"opening-{uuid.uuid4()}"
    asked: list[str] = []

    async def starting() -> bool:
        asked.append(workflow_id)
        return True

    async with Worker(client, task_queue=queue, workflows=[Opening]):
        sending = asyncio.create_task(
            send_update_once_started(
                client, workflow_id, Opening.take, "the allocation", key="k-1", starting=starting, still_starting="x"
            )
        )

        async def refused_once() -> bool:
            return bool(asked)

        await eventually(refused_once, interval=0.01)  # it does not exist yet
        assert not sending.done()
        handle = await client.start_workflow(Opening.run, id=workflow_id, task_queue=queue)
        assert await asyncio.wait_for(sending, 10) == "took the allocation"
        assert await handle.result() == "the allocation"
    assert asked == [workflow_id]  # asked once whether it is on its way, not on every try


async def test_an_update_to_a_workflow_not_on_its_way_is_not_found_at_once(client: Client) -> None:
    with pytest.raises(NotFound):
        await send_update_once_started(
            client, f"never-{uuid.uuid4()}", Opening.take, "x", key="k-2", starting=not_starting
        )


async def test_an_update_to_a_workflow_that_never_starts_is_unavailable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def starting() -> bool:
        return True

    monkeypatch.setattr(updates, "STARTING_WAIT", timedelta(milliseconds=300))
    with pytest.raises(Unavailable) as raised:
        await send_update_once_started(
            client,
            f"never-{uuid.uuid4()}",
            Opening.take,
            "x",
            key="k-3",
            starting=starting,
            still_starting="still starting; retry",
        )
    assert str(raised.value) == "still starting; retry"


async def test_the_running_stage_is_read_from_temporal_alone(client: Client) -> None:
    queue = f"updates-{uuid.uuid4()}"
    workflow_id = f"staged-{uuid.uuid4()}"
    assert await running_stage(client, workflow_id) is None  # no such workflow
    handle = await client.start_workflow(
        Opening.run,
        id=workflow_id,
        task_queue=queue,
        search_attributes=TypedSearchAttributes([SearchAttributePair(sa.STAGE, "TRIAGE")]),
    )
    assert await running_stage(client, workflow_id) == "TRIAGE"  # no worker needed
    await handle.terminate("test over")
    assert await running_stage(client, workflow_id) is None  # finished
