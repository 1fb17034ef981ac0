"""Fault tests: reports submitted to `make run`'s stack while its real processes are killed
(SIGKILL) one after another, with clients that give up on calls and retry with the same key.
Afterwards every accepted report has exactly one case, its workflow started once and
waiting in triage on a running deadline, counted independently from PostgreSQL and from
Temporal. KAHU_FAULT_CASES sets how many reports (`make test-faults`: 200)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests import factories
from tests.faults.harness import Submitter, database_url, running, temporal_client, token
from workflows import search_attributes as sa

CASES = int(os.environ.get("KAHU_FAULT_CASES", "40"))
#: Which part is killed once this share of the reports has been submitted.
FAULTS = {0.2: "intake", 0.4: "temporal", 0.6: "postgres", 0.8: "worker"}


async def recovered(database: str, temporal: Client, case_ids: set[str]) -> tuple[int, int, int]:
    """(cases in PostgreSQL, of those with their workflow marked started, workflows in
    Temporal waiting in triage on a deadline)."""
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch(
            "SELECT case_id::text AS id, workflow_started_at IS NOT NULL AS started FROM intake.cases"
            " WHERE case_id::text = ANY($1::text[])",
            sorted(case_ids),
        )
    finally:
        await connection.close()
    waiting = 0
    for case_id in case_ids:
        try:
            described = await temporal.get_workflow_handle(f"case-{case_id}").describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                continue
            raise
        attributes = described.typed_search_attributes
        if attributes.get(sa.STAGE) == "TRIAGE" and attributes.get(sa.DUE_AT) is not None:
            waiting += 1
    return len(rows), sum(1 for row in rows if row["started"]), waiting


@pytest.mark.integration
async def test_every_report_survives_parts_killed_while_it_is_submitted(tmp_path: Path) -> None:
    async with running(tmp_path / "state") as stack:
        submitter = Submitter(stack, await asyncio.to_thread(token, stack))
        requests = [factories.submit_request() for _ in range(CASES)]
        kills = {int(share * CASES): part for share, part in FAULTS.items()}
        case_of, killed = await submitter.submit_all(stack, requests, kills)

        case_ids = set(case_of.values())
        database = database_url(stack)
        temporal = await temporal_client(stack)
        deadline = time.monotonic() + 180
        figures = await recovered(database, temporal, case_ids)
        while figures != (CASES, CASES, CASES) and time.monotonic() < deadline:
            await asyncio.sleep(1)  # recovery is the system's own work: poll it with a deadline
            figures = await recovered(database, temporal, case_ids)

        print(
            f"\nfaults: {CASES} reports, killed {', '.join(killed)};"
            f" {submitter.retries} retries with the same key; {len(case_ids)} distinct cases;"
            f" in PostgreSQL {figures[0]} cases, {figures[1]} marked started;"
            f" in Temporal {figures[2]} waiting in triage on a deadline"
        )
        assert submitter.refused == []
        assert len(case_ids) == CASES  # one case per report: none lost, none doubled
        assert figures == (CASES, CASES, CASES)
        for part in ("intake", "temporal", "postgres", "worker"):
            await asyncio.to_thread(stack.output.wait_for, f"kahu: {part} restarted", 60)
