"""Fault tests: escalations raised while `make run`'s real processes are killed (SIGKILL).
Reports are submitted under a policy whose triage deadline is 20 s, its tiers raised 0, 10
and 10 s after it, one after the other, and nobody triages them. While their deadlines pass
and the tiers are raised, supervision, triage, the codec server, conference, the Temporal
server, PostgreSQL, the worker, assessment and placement are killed in turn, each once the
one before has restarted. Afterwards every case has each
of tiers 1, 2 and 3 raised exactly once, counted independently from PostgreSQL
(`supervision.escalations`) and from Temporal (the case workflow's search attributes and its
timeline). KAHU_FAULT_CASES sets how many reports (`make test-faults`: 200)."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests import factories
from tests.devstack.test_devstack import Stack
from tests.faults.harness import Submitter, database_url, kill_and_await_restart, running, temporal_client, token
from tests.polling import eventually
from workflows import search_attributes as sa
from workflows.case.workflows import CaseWorkflow
from workflows.policy.loader import DEFAULT_POLICY, POLICY_ENV, load_policy, shortened, write_policy

CASES = int(os.environ.get("KAHU_FAULT_CASES", "40"))
TRIAGE_DEADLINE = 20
#: Seconds after the deadline (tier 1) and after the tier before (tiers 2 and 3).
TIER_AFTER = {"tier1": 0, "tier2": 10, "tier3": 10}
#: What each case must end with: every tier of its triage deadline raised exactly once.
EXPECTED = Counter({("TRIAGE", 1): 1, ("TRIAGE", 2): 1, ("TRIAGE", 3): 1})
#: The search attributes (stage, breached, tier) of a case escalated to the last tier.
AT_LAST_TIER = ("TRIAGE", True, 3)
#: Which part is killed once this share of the escalations expected (3 a case) is in
#: PostgreSQL: the first as soon as one is.
FAULTS = {
    0.0: "supervision",
    0.1: "triage",
    0.2: "codec",
    0.3: "conference",
    0.4: "temporal",
    0.55: "postgres",
    0.7: "worker",
    0.8: "assessment",
    0.9: "placement",
}
#: Seconds for every escalation to be raised once the last part has restarted.
RECOVERY = 240
#: Calls to Temporal in flight at once while every case is read.
CONCURRENT_READS = 16
RAISED = re.compile(r"^(\w+) tier (\d+) to ")

T = TypeVar("T")
Tiers = Counter[tuple[str, int]]


def short_policy(directory: Path) -> Path:
    """The repository's policy with the triage deadline and the tier intervals shortened."""
    policy = shortened(load_policy(DEFAULT_POLICY), triage_deadline=TRIAGE_DEADLINE, **TIER_AFTER)
    return write_policy(policy, directory / "policy.yaml")


async def escalations_in_postgres(database: str, case_ids: Iterable[str]) -> dict[str, Tiers]:
    """The escalation rows of each case, counted by (kind, tier), whatever their cycle."""
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch(
            "SELECT case_id::text AS id, kind, tier, count(*) AS n FROM supervision.escalations"
            " WHERE case_id::text = ANY($1::text[]) GROUP BY case_id, kind, tier",
            sorted(case_ids),
        )
    finally:
        await connection.close()
    found: dict[str, Tiers] = {case_id: Counter() for case_id in case_ids}
    for row in rows:
        found[row["id"]][(row["kind"], row["tier"])] += row["n"]
    return found


async def raised_at_least(database: str, case_ids: set[str], wanted: int) -> int | None:
    """How many escalations are in PostgreSQL, once at least `wanted` are."""
    raised = sum(sum(tiers.values()) for tiers in (await escalations_in_postgres(database, case_ids)).values())
    return raised if raised >= wanted else None


async def kill_while_escalating(stack: Stack, database: str, case_ids: set[str]) -> list[str]:
    """Kill each part of FAULTS once its share of the escalations is raised and the part
    before it has restarted; each part killed, with its PID and the escalations by then."""
    expected = sum(EXPECTED.values()) * len(case_ids)
    killed: list[str] = []
    for share, part in FAULTS.items():
        wanted = max(1, int(share * expected))
        timeout = TRIAGE_DEADLINE + sum(TIER_AFTER.values()) + RECOVERY
        raised = await eventually(functools.partial(raised_at_least, database, case_ids, wanted), timeout=timeout)
        pid = await kill_and_await_restart(stack, part)
        killed.append(f"{part} (PID {pid}, at {raised}/{expected} escalations)")
    return killed


async def attributes(temporal: Client, case_id: str) -> tuple[object, object, object]:
    """The case workflow's (stage, breached, escalation tier) search attributes; Nones while
    it is not found."""
    try:
        described = await temporal.get_workflow_handle(f"case-{case_id}").describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None, None, None
        raise
    found = described.typed_search_attributes
    return found.get(sa.STAGE), found.get(sa.BREACHED), found.get(sa.ESCALATION_TIER)


async def timeline_tiers(temporal: Client, case_id: str) -> Tiers:
    """The `escalation.raised` entries of the case's timeline, counted by (kind, tier)."""
    handle = temporal.get_workflow_handle(f"case-{case_id}")
    view = await handle.query(CaseWorkflow.state, rpc_timeout=timedelta(seconds=30))
    found: Tiers = Counter()
    for entry in view.timeline:
        if entry.action == "escalation.raised":
            match = RAISED.match(entry.detail)
            assert match is not None, f"case {case_id}: escalation.raised {entry.detail!r}"
            found[(match[1], int(match[2]))] += 1
    return found


async def each_case(read: Callable[[Client, str], Awaitable[T]], temporal: Client, case_ids: set[str]) -> dict[str, T]:
    """`read` of every case, a few at a time."""
    limit = asyncio.Semaphore(CONCURRENT_READS)

    async def one(case_id: str) -> T:
        async with limit:
            return await read(temporal, case_id)

    ordered = sorted(case_ids)
    return dict(zip(ordered, await asyncio.gather(*(one(case_id) for case_id in ordered)), strict=True))


def extra(found: dict[str, Tiers]) -> int:
    """Escalations beyond one per expected tier: a tier raised twice, or one not expected."""
    return sum(sum((tiers - EXPECTED).values()) for tiers in found.values())


def missing(found: dict[str, Tiers]) -> int:
    """Expected tiers never raised."""
    return sum(sum((EXPECTED - tiers).values()) for tiers in found.values())


@dataclass
class Survey:
    """Every case as PostgreSQL and Temporal show it."""

    in_postgres: dict[str, Tiers]
    attributes: dict[str, tuple[object, object, object]]
    timelines: dict[str, Tiers]

    @property
    def stuck(self) -> list[str]:
        return sorted(case_id for case_id, found in self.attributes.items() if found != AT_LAST_TIER)

    @property
    def duplicates(self) -> int:
        return extra(self.in_postgres) + extra(self.timelines)

    @property
    def missing(self) -> int:
        return missing(self.in_postgres) + missing(self.timelines)

    def per_tier(self) -> str:
        """The escalation rows in PostgreSQL by kind and tier, all cases together."""
        rows: Tiers = sum(self.in_postgres.values(), Counter())
        return ", ".join(f"{kind} tier {tier} {rows[(kind, tier)]}" for kind, tier in sorted(rows))

    def wrong(self, shown: int = 5) -> list[str]:
        """Up to `shown` cases that are not as expected, with what each source shows."""
        cases = sorted(
            case_id
            for case_id in self.attributes
            if self.attributes[case_id] != AT_LAST_TIER
            or self.in_postgres[case_id] != EXPECTED
            or self.timelines.get(case_id) != EXPECTED
        )
        return [
            f"case-{case_id}: PostgreSQL {dict(self.in_postgres[case_id])}, attributes {self.attributes[case_id]},"
            f" timeline {dict(self.timelines.get(case_id, {}))}"
            for case_id in cases[:shown]
        ]


async def survey(database: str, temporal: Client, case_ids: set[str], *, timelines: bool) -> Survey:
    """Every case from PostgreSQL and its workflow's attributes, and its timeline when
    `timelines` (the slowest read: one query a case, answered by the worker)."""
    in_postgres = await escalations_in_postgres(database, case_ids)
    found = await each_case(attributes, temporal, case_ids)
    read = await each_case(timeline_tiers, temporal, case_ids) if timelines else {}
    return Survey(in_postgres, found, read)


async def escalated(database: str, temporal: Client, case_ids: set[str]) -> Survey:
    """Poll until every case has every tier in PostgreSQL, at the last tier in its search
    attributes and in its timeline, or RECOVERY seconds have passed; what was seen last."""
    deadline = time.monotonic() + RECOVERY
    while True:
        seen = await survey(database, temporal, case_ids, timelines=False)
        done = missing(seen.in_postgres) == 0 and not seen.stuck
        if done or time.monotonic() >= deadline:
            seen = await survey(database, temporal, case_ids, timelines=True)
            if (seen.missing == 0 and not seen.stuck) or time.monotonic() >= deadline:
                return seen
        await asyncio.sleep(1)  # escalating is the system's own work: poll it with a deadline


@pytest.mark.integration
async def test_every_tier_escalates_once_while_parts_are_killed(tmp_path: Path) -> None:
    async with running(tmp_path / "state", {POLICY_ENV: str(short_policy(tmp_path))}) as stack:
        submitter = Submitter(stack, await asyncio.to_thread(token, stack))
        case_of, _ = await submitter.submit_all(stack, [factories.submit_request() for _ in range(CASES)])
        case_ids = set(case_of.values())
        database = database_url(stack)
        temporal = await temporal_client(stack)

        killed = await kill_while_escalating(stack, database, case_ids)
        recovering = time.monotonic()
        seen = await escalated(database, temporal, case_ids)

        print(
            f"\nescalation faults: {CASES} cases, triage deadline {TRIAGE_DEADLINE} s, tiers after"
            f" {'/'.join(str(s) for s in TIER_AFTER.values())} s; killed {', '.join(killed)};"
            f" in PostgreSQL {seen.per_tier()} escalations;"
            f" in Temporal {len(seen.attributes) - len(seen.stuck)} workflows at tier 3,"
            f" {len(seen.timelines)} timelines read; {seen.duplicates} duplicate tiers, {seen.missing} missing"
            f" tiers, {len(seen.stuck)} cases stuck; settled {time.monotonic() - recovering:.0f} s after the last"
            " restart"
        )
        assert submitter.refused == []
        assert len(case_ids) == CASES  # one case per report
        assert seen.duplicates == 0, seen.wrong()
        assert seen.missing == 0, seen.wrong()
        assert seen.stuck == [], seen.wrong()
