"""The audit trail: a record per read or change, written in the same transaction; append-only
in the database; hash-chained, and `kahu audit verify` finds the first broken link."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from typer.testing import CliRunner

from cli.main import app
from kahu.v1 import common_pb2, intake_pb2
from services.common.audit import Auditor, Entry, verify_chain
from services.common.db import create_pool, migrate
from services.common.identity import Principal
from tests import factories
from tests.conftest import Platform
from tests.polling import eventually
from tests.tokens import staff

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


async def _rows(platform: Platform, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def test_a_read_is_recorded_with_who_what_which_case_and_trace(platform: Platform) -> None:
    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id
    reader = staff("sup.rewi", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    stubs = await platform.as_(reader)
    metadata = (("traceparent", f"00-{TRACE_ID}-00f067aa0ba902b7-01"),)
    await stubs.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id), metadata=metadata)

    (row,) = await _rows(platform, "SELECT * FROM intake.audit WHERE trace_id = $1", TRACE_ID)
    assert (row["actor"], row["roles"], row["action"], row["case_id"], row["result"]) == (
        "sup.rewi",
        "supervisor",
        "kahu.v1.IntakeService/GetCase",
        case_id,
        "OK",
    )


async def test_a_refusal_is_recorded_too(platform: Platform) -> None:
    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id  # at hutt
    elsewhere = await platform.as_(staff("sup.aroha", roles=frozenset({"supervisor"}), sites=frozenset({"waikato"})))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await elsewhere.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    rows = await _rows(platform, "SELECT result FROM intake.audit WHERE actor = 'sup.aroha' AND case_id = $1", case_id)
    assert [r["result"] for r in rows] == ["PERMISSION_DENIED"]


@pytest.fixture
async def failing_audit(platform: Platform) -> AsyncIterator[str]:
    """An actor whose audit records the database refuses to write."""
    actor = f"sw.{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(platform.database_url)
    name = f"refuse_{actor.replace('.', '_')}"
    await conn.execute(
        f"CREATE FUNCTION intake.{name}() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$;"
        f" CREATE TRIGGER {name} BEFORE INSERT ON intake.audit FOR EACH ROW"
        f" WHEN (NEW.actor = '{actor}') EXECUTE FUNCTION intake.{name}()"
    )
    try:
        yield actor
    finally:
        await conn.execute(f"DROP TRIGGER {name} ON intake.audit; DROP FUNCTION intake.{name}()")
        await conn.close()


async def test_no_change_and_no_read_happen_without_their_record(platform: Platform, failing_audit: str) -> None:
    stubs = await platform.as_(staff(failing_audit))
    request = factories.submit_request()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stubs.intake.SubmitReport(request)
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    stored = await _rows(platform, "SELECT 1 FROM intake.reports WHERE idempotency_key = $1", request.idempotency_key)
    assert stored == [], "the report was stored without its audit record"

    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stubs.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    assert raised.value.code() == grpc.StatusCode.INTERNAL  # nothing was read out


async def test_the_database_refuses_to_change_or_remove_a_record(platform: Platform) -> None:
    await platform.intake.SubmitReport(factories.submit_request())
    conn = await asyncpg.connect(platform.database_url)  # the superuser, even
    try:
        for sql in (
            "UPDATE intake.audit SET actor = 'someone else' WHERE seq = 1",
            "DELETE FROM intake.audit WHERE seq = 1",
            "TRUNCATE intake.audit",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(sql)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TRIGGER audit_no_change ON intake.audit",
        "ALTER TABLE intake.audit DISABLE TRIGGER ALL",
        "DROP TABLE intake.audit",
        "UPDATE intake.audit SET actor = 'someone else' WHERE seq = 1",
        "DELETE FROM intake.audit WHERE seq = 1",
        "TRUNCATE intake.audit",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION intake.audit_refuse() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'",
        "CREATE TABLE intake.shadow (x int)",
        "DELETE FROM intake.schema_migrations",
        "DROP TABLE intake.reports",
    ],
)
async def test_the_services_own_role_cannot_get_round_the_trail(platform: Platform, sql: str) -> None:
    """The services work as a role that owns nothing: what the triggers guard, it cannot
    switch off, and the tables it cannot alter (the owner's migrations grant it rows only)."""
    await platform.intake.SubmitReport(factories.submit_request())
    conn = await asyncpg.connect(platform.settings.database_url)
    try:
        assert await conn.fetchval("SELECT current_user") != await conn.fetchval(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'intake'"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=r"permission denied|must be owner"):
            await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM intake.audit") > 0  # it may read the trail
    finally:
        await conn.close()


async def test_concurrent_calls_append_one_linear_chain(platform: Platform) -> None:
    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id
    await asyncio.gather(*(platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id)) for _ in range(24)))
    conn = await asyncpg.connect(platform.database_url)
    try:
        report = await verify_chain(conn, "intake")
        count = await conn.fetchval("SELECT count(*) FROM intake.audit")
    finally:
        await conn.close()
    assert report.intact, report.problem
    assert report.records == count == report.head_seq


@pytest.fixture
async def trail(postgres_url: str) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A schema of its own, with a trail of five records, to tamper with."""
    schema = f"audit_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(postgres_url, max_size=2)
    await migrate(pool, schema, None)
    auditor = Auditor(pool, schema)
    for n in range(5):
        await auditor.append_alone(Entry(f"sw.{n}", "social_worker", "", "test/Read", "", "", "OK", "-"))
    try:
        yield schema, pool
    finally:
        await pool.close()


async def _tamper(pool: asyncpg.Pool, sql: str) -> None:
    """What only someone able to switch the database's triggers off could do."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql)


def _verify(postgres_url: str, schema: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--schema", schema, "--database-url", postgres_url])
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    ("tampering", "broken_at", "problem"),
    [
        ("UPDATE {s}.audit SET actor = 'sw.nobody' WHERE seq = 3", 3, "do not match its record_hash"),
        ("DELETE FROM {s}.audit WHERE seq = 2", 2, "record 2 is missing"),
        ("UPDATE {s}.audit SET prev_hash = sha256('x') WHERE seq = 4", 4, "prev_hash"),
        (
            "UPDATE {s}.audit SET result = 'PERMISSION_DENIED', record_hash = sha256(record_hash) WHERE seq = 5",
            5,
            "do not match",
        ),
    ],
)
async def test_audit_verify_reports_the_first_broken_link(
    postgres_url: str, trail: tuple[str, asyncpg.Pool], tampering: str, broken_at: int, problem: str
) -> None:
    schema, pool = trail
    code, out = await asyncio.to_thread(_verify, postgres_url, schema)
    assert code == 0, out
    assert out.startswith(f"{schema}: 5 records, chain intact; head #5 sha256:")

    await _tamper(pool, tampering.format(s=schema))

    code, out = await asyncio.to_thread(_verify, postgres_url, schema)
    assert code == 1
    assert out.startswith(f"{schema}: BROKEN at record #{broken_at}: ")
    assert problem in out
    assert f"the {broken_at - 1} records before it are intact" in out


async def test_every_service_trail_verifies(platform: Platform) -> None:
    await platform.intake.SubmitReport(factories.submit_request())
    code, out = await asyncio.to_thread(_verify, platform.database_url, "intake")
    assert code == 0, out
    assert "chain intact" in out


async def test_records_name_the_caller_not_a_borrowed_identity(platform: Platform) -> None:
    """An agency's report is recorded as the agency's system (subject, roles, agency); a
    partner agency's read with its purpose; and the work the worker then does for the case
    (recording its events and stage, proposing its triage) as the worker itself, `workload:worker`,
    never as the caller whose report set it going."""
    tag = uuid.uuid4().hex[:8]
    police = Principal(subject=f"system.police.{tag}", roles=frozenset({"agency_reporter"}), agency="AGENCY_POLICE")
    request = factories.submit_request()
    request.report.reporter.agency = common_pb2.AGENCY_POLICE
    case_id = (await (await platform.as_(police)).intake.SubmitReport(request)).case_id
    partner = Principal(
        subject=f"partner.{tag}",
        roles=frozenset({"partner_agency"}),
        agency="AGENCY_HEALTH_NZ",
        purpose="safety_and_wellbeing",
        case_id=case_id,
    )
    await (await platform.as_(partner)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))

    async def records() -> list[tuple[str, ...]] | None:
        found = [
            tuple(r)
            for schema in ("intake", "triage")
            for r in await _rows(
                platform,
                f"SELECT action, actor, roles, agency, purpose, result FROM {schema}.audit"
                " WHERE case_id = $1 ORDER BY seq",
                case_id,
            )
        ]
        worked = {"kahu.v1.IntakeService/RecordCaseEvents", "kahu.v1.TriageService/ProposeTriage"}
        return found if worked <= {r[0] for r in found} else None

    found = await eventually(records)
    mine = [r for r in found if r[0] in ("kahu.v1.IntakeService/SubmitReport", "kahu.v1.IntakeService/GetCase")]
    assert mine == [
        ("kahu.v1.IntakeService/SubmitReport", police.subject, "agency_reporter", "AGENCY_POLICE", "", "OK"),
        (
            "kahu.v1.IntakeService/GetCase",
            partner.subject,
            "partner_agency",
            "AGENCY_HEALTH_NZ",
            "safety_and_wellbeing",
            "OK",
        ),
    ]
    worker = {r[0]: r[1:] for r in found if r not in mine}
    assert {"kahu.v1.IntakeService/RecordCaseEvents", "kahu.v1.TriageService/ProposeTriage"} <= set(worker)
    assert set(worker.values()) == {("workload:worker", "workload", "", "", "OK")}, found
