"""Possible duplicates: a report that matched an open case only possibly (services/intake/
matching.py) opens a case of its own, flagged "possible duplicate of" the other case in
`intake.possible_duplicates`, until an intake worker links the two (the same child) or
separates them, with a reason. The flag and the decision are on both cases' timelines
(`intake.case_events`, intake's own events: `intake:<duplicate id>:flagged:<case id>` and
`intake:<duplicate id>:decided:<case id>`, never a workflow's `<workflow id>:<n>`).
Linking records that the cases are about the same child; it does not merge their workflows.
A further report that the policy does not let join the child's open case (services/intake/
further.py) opens a case linked to it at once, decided by Kahu with the reason (`link`).

Also here: the open cases a report's keys find (for `IntakeStore.accept_report`), the keys a
case keeps, the triage inbox's listing, and the keys of cases stored before the scheme,
computed from their reports (`Rekey`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg

from kahu.v1 import common_pb2, intake_pb2
from services.common import audit, checks, paging
from services.common.audit import Auditor
from services.common.authz import Restriction, background_call, note_case
from services.common.convert import EnumMap, timestamp
from services.common.errors import FailedPrecondition, NotFound, Violations
from services.intake.matching import SCHEME, ReportKeys, Strength, report_keys, strongest
from workflows.policy.working_days import NZ

#: A report flagged as a possible duplicate of at most this many open cases (the oldest).
MAX_FLAGGED = 5
#: Intake's own events on a case's timeline carry this in place of a workflow id.
INTAKE_EVENTS = "intake"
KAHU = "kahu"


class Status(StrEnum):
    OPEN = "OPEN"
    LINKED = "LINKED"
    SEPARATED = "SEPARATED"


class Decision(StrEnum):
    LINK = "LINK"
    SEPARATE = "SEPARATE"


STATUS = EnumMap(Status, intake_pb2.PossibleDuplicateStatus, "POSSIBLE_DUPLICATE_STATUS_")
DECISION = EnumMap(Decision, intake_pb2.DuplicateDecision, "DUPLICATE_DECISION_")
#: The status a decision gives, and the timeline's action for it.
DECIDED = {Decision.LINK: Status.LINKED, Decision.SEPARATE: Status.SEPARATED}
ACTIONS = {Decision.LINK: "possible_duplicate.linked", Decision.SEPARATE: "possible_duplicate.separated"}
FLAGGED = "possible_duplicate.flagged"


@dataclass(frozen=True)
class Candidate:
    """An open case a report's keys found, and how strongly."""

    case_id: str
    received_at: dt.datetime
    strength: Strength


@dataclass(frozen=True)
class Duplicate:
    duplicate_id: str
    case_id: str
    report_id: str
    other_case_id: str
    status: Status
    flagged_at: dt.datetime
    site: str
    region: str
    decided_by: str | None = None
    reason: str | None = None
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class Resolution:
    """An intake worker's decision on the possible duplicate of `other_case_id` flagged on `case_id`."""

    case_id: str
    other_case_id: str
    decision: Decision
    reason: str
    decided_by: str


def _duplicate(row: asyncpg.Record) -> Duplicate:
    return Duplicate(
        duplicate_id=str(row["duplicate_id"]),
        case_id=str(row["case_id"]),
        report_id=str(row["report_id"]),
        other_case_id=str(row["other_case_id"]),
        status=Status(row["status"]),
        flagged_at=row["flagged_at"],
        site=row["site"],
        region=row["region"],
        decided_by=row["decided_by"],
        reason=row["reason"],
        decided_at=row["decided_at"],
    )


# -- within accept_report's transaction ----------------------------------------------------


async def candidates(conn: asyncpg.Connection, keys: ReportKeys) -> list[Candidate]:
    """The open cases any of the report's sought keys finds (in `intake.match_keys`, or a
    legacy digest in `intake.cases.child_keys`), strongest first, then oldest first."""
    if not keys.sought:
        return []
    rows = await conn.fetch(
        "SELECT k.case_id, c.received_at, k.digest FROM intake.match_keys k JOIN intake.cases c USING (case_id)"
        " WHERE k.digest = ANY($1::bytea[]) AND c.stage <> 'CLOSED'"
        " UNION ALL"
        " SELECT c.case_id, c.received_at, d.digest FROM intake.cases c, unnest(c.child_keys) AS d(digest)"
        " WHERE c.child_keys && $1::bytea[] AND c.stage <> 'CLOSED' AND d.digest = ANY($1::bytea[])",
        list(keys.sought),
    )
    found: dict[str, tuple[dt.datetime, set[bytes]]] = {}
    for row in rows:
        case = found.setdefault(str(row["case_id"]), (row["received_at"], set()))
        case[1].add(bytes(row["digest"]))
    matched = []
    for case_id, (received_at, digests) in found.items():
        strength = strongest(keys.sought, digests)
        if strength is not None:
            matched.append(Candidate(case_id, received_at, strength))
    return sorted(matched, key=lambda c: (c.strength is not Strength.CERTAIN, c.received_at, c.case_id))


async def keep_keys(conn: asyncpg.Connection, case_id: str, keys: ReportKeys) -> None:
    """The case keeps the report's keys (a case inserted now is of this scheme by the
    column's default; one stored before gets the rest of its keys from `Rekey`)."""
    if keys.stored:
        await conn.execute(
            "INSERT INTO intake.match_keys (digest, case_id) SELECT unnest($1::bytea[]), $2 ON CONFLICT DO NOTHING",
            sorted(keys.stored),
            uuid.UUID(case_id),
        )


async def _event(
    conn: asyncpg.Connection, event_id: str, case_id: str, at: dt.datetime, actor: str, action: str, detail: str
) -> None:
    """One of intake's own events on the case's timeline (once per id)."""
    await conn.execute(
        "INSERT INTO intake.case_events (event_id, case_id, workflow_id, seq, at, actor, action, detail)"
        " VALUES ($1, $2, $3, 0, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
        event_id,
        uuid.UUID(case_id),
        INTAKE_EVENTS,
        at,
        actor,
        action,
        detail,
    )


async def flag(
    conn: asyncpg.Connection,
    *,
    report_id: str,
    case_id: str,
    site: str,
    region: str,
    others: list[str],
    at: dt.datetime,
) -> list[str]:
    """Flag the report that opened `case_id` as a possible duplicate of each of `others`,
    on both cases' timelines; the duplicates' ids."""
    flagged = []
    for other in others[:MAX_FLAGGED]:
        duplicate_id = str(
            await conn.fetchval(
                "INSERT INTO intake.possible_duplicates"
                " (duplicate_id, report_id, case_id, other_case_id, site, region, flagged_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING duplicate_id",
                uuid.uuid4(),
                uuid.UUID(report_id),
                uuid.UUID(case_id),
                uuid.UUID(other),
                site,
                region,
                at,
            )
        )
        await _event(
            conn,
            f"{INTAKE_EVENTS}:{duplicate_id}:flagged:{case_id}",
            case_id,
            at,
            KAHU,
            FLAGGED,
            f"the report may be about a child of case {other}",
        )
        await _event(
            conn,
            f"{INTAKE_EVENTS}:{duplicate_id}:flagged:{other}",
            other,
            at,
            KAHU,
            FLAGGED,
            f"a report that may be about a child of this case opened case {case_id}",
        )
        flagged.append(duplicate_id)
    return flagged


async def link(
    conn: asyncpg.Connection,
    *,
    report_id: str,
    case_id: str,
    site: str,
    region: str,
    other: str,
    reason: str,
    at: dt.datetime,
) -> str:
    """Link the case the report opened to the open case `other` of the same child, decided by
    Kahu with `reason` (a further report that does not join it: services/intake/further.py),
    on both cases' timelines as a decision (`intake:<duplicate id>:decided:<case id>`);
    the duplicate's id."""
    duplicate_id = str(
        await conn.fetchval(
            "INSERT INTO intake.possible_duplicates (duplicate_id, report_id, case_id, other_case_id, site, region,"
            " flagged_at, status, decided_by, reason, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7)"
            " RETURNING duplicate_id",
            uuid.uuid4(),
            uuid.UUID(report_id),
            uuid.UUID(case_id),
            uuid.UUID(other),
            site,
            region,
            at,
            Status.LINKED.value,
            KAHU,
            reason,
        )
    )
    for on, to in ((case_id, other), (other, case_id)):
        await _event(
            conn,
            f"{INTAKE_EVENTS}:{duplicate_id}:decided:{on}",
            on,
            at,
            KAHU,
            ACTIONS[Decision.LINK],
            f"the same child as case {to}: {reason}",
        )
    return duplicate_id


# -- the triage inbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateListing:
    site: str | None
    region: str | None
    status: Status
    within: Restriction
    size: int
    after: tuple[dt.datetime, str] | None = None

    def scope(self) -> str:
        limits = "*" if self.within.sites is None else f"{sorted(self.within.sites)}/{sorted(self.within.regions)}"
        return f"possible_duplicates|{self.site or ''}|{self.region or ''}|{self.status.value}|{limits}"


def parse_listing(
    request: intake_pb2.ListPossibleDuplicatesRequest, scope: Callable[[str, str, str], Restriction]
) -> DuplicateListing:
    """The page a request asks for: bad filters are INVALID_ARGUMENT before `scope` (the
    caller's restriction, services/common/authz.py) is asked for."""
    v = Violations()
    site = checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    status = checks.enum(v, request.status, STATUS, "status", required=False) or Status.OPEN
    size = checks.page_size(v, request.page_size)
    v.raise_if_any()
    within = scope(site.code if site else "", request.region, site.region if site else "")
    found = DuplicateListing(site.code if site else None, request.region or None, status, within, size)
    position = paging.decode(v, request.page_token, found.scope())
    after = None
    if position is not None:
        try:
            after = (dt.datetime.fromisoformat(position["at"]), str(uuid.UUID(position["id"])))
        except (KeyError, TypeError, ValueError):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    return DuplicateListing(found.site, found.region, status, within, size, after)


def next_token(page: DuplicateListing, rows: list[Duplicate]) -> str:
    """The token of the page after `page`, read one row too many (`rows`); "" on the last."""
    if len(rows) <= page.size:
        return ""
    last = rows[page.size - 1]
    return paging.encode(page.scope(), {"at": last.flagged_at.isoformat(), "id": last.duplicate_id})


# -- conversions ---------------------------------------------------------------------------


def duplicate_to_proto(d: Duplicate) -> intake_pb2.PossibleDuplicate:
    message = intake_pb2.PossibleDuplicate(
        duplicate_id=d.duplicate_id,
        case_id=d.case_id,
        report_id=d.report_id,
        other_case_id=d.other_case_id,
        status=STATUS.to_proto(d.status),
        flagged_at=timestamp(d.flagged_at),
        site=d.site,
        region=d.region,
        decided_by=d.decided_by or "",
        reason=d.reason or "",
    )
    if d.decided_at is not None:
        message.decided_at.CopyFrom(timestamp(d.decided_at))
    return message


class DuplicateStore:
    """Intake's possible duplicates, as GetCase, the triage inbox and a decision need them."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def of_case(self, case_id: str) -> list[Duplicate]:
        """Those flagged on the case, or naming it as the other case, oldest first (read
        beside the case's record, in the same call)."""
        rows = await self._pool.fetch(
            "SELECT * FROM intake.possible_duplicates WHERE case_id = $1 OR other_case_id = $1"
            " ORDER BY flagged_at, duplicate_id",
            uuid.UUID(case_id),
        )
        return [_duplicate(row) for row in rows]

    async def get(self, case_id: str, other_case_id: str) -> Duplicate | None:
        row = await self._pool.fetchrow(
            "SELECT * FROM intake.possible_duplicates WHERE case_id = $1 AND other_case_id = $2",
            uuid.UUID(case_id),
            uuid.UUID(other_case_id),
        )
        return None if row is None else _duplicate(row)

    async def page(self, page: DuplicateListing) -> list[Duplicate]:
        """A page of the listing, and the first of the next page if any."""
        clauses = ["status = $1"]
        args: list[Any] = [page.status.value]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if page.within.sites is not None:
            scope = []
            if page.within.sites:
                scope.append(f"site = ANY({arg(sorted(page.within.sites))}::text[])")
            if page.within.regions:
                scope.append(f"region = ANY({arg(sorted(page.within.regions))}::text[])")
            clauses.append(f"({' OR '.join(scope)})" if scope else "false")
        if page.site is not None:
            clauses.append(f"site = {arg(page.site)}")
        if page.region is not None:
            clauses.append(f"region = {arg(page.region)}")
        if page.after is not None:
            clauses.append(f"(flagged_at, duplicate_id) > ({arg(page.after[0])}, {arg(uuid.UUID(page.after[1]))})")
        sql = (
            f"SELECT * FROM intake.possible_duplicates WHERE {' AND '.join(clauses)}"
            f" ORDER BY flagged_at, duplicate_id LIMIT {arg(page.size + 1)}"
        )
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(sql, *args)
        return [_duplicate(row) for row in rows]


async def resolve(conn: asyncpg.Connection, r: Resolution, at: dt.datetime) -> None:
    """Decide the possible duplicate (within the transaction that records the action): the
    decision on both cases' timelines. The same decision again changes nothing; another
    decision than the one taken is FAILED_PRECONDITION, but for a link Kahu made itself (a
    further report that did not join), which a person may separate; no such duplicate,
    NOT_FOUND."""
    row = await conn.fetchrow(
        "SELECT * FROM intake.possible_duplicates WHERE case_id = $1 AND other_case_id = $2 FOR UPDATE",
        uuid.UUID(r.case_id),
        uuid.UUID(r.other_case_id),
    )
    if row is None:
        raise NotFound("no possible duplicate of that case is flagged on this case")
    found = _duplicate(row)
    status = DECIDED[r.decision]
    if found.status is status:
        return
    overruled = found.status is Status.LINKED and found.decided_by == KAHU and r.decision is Decision.SEPARATE
    if found.status is not Status.OPEN and not overruled:
        raise FailedPrecondition(
            f"the possible duplicate was already {found.status.value.lower()} by {found.decided_by}"
        )
    await conn.execute(
        "UPDATE intake.possible_duplicates SET status = $2, decided_by = $3, reason = $4, decided_at = $5"
        " WHERE duplicate_id = $1",
        uuid.UUID(found.duplicate_id),
        status.value,
        r.decided_by,
        r.reason,
        at,
    )
    same = "the same child as" if r.decision is Decision.LINK else "not the same child as"
    for case_id, other in ((found.case_id, found.other_case_id), (found.other_case_id, found.case_id)):
        await _event(
            conn,
            f"{INTAKE_EVENTS}:{found.duplicate_id}:{'overruled' if overruled else 'decided'}:{case_id}",
            case_id,
            at,
            r.decided_by,
            ACTIONS[r.decision],
            f"{same} case {other}: {r.reason}" + (" (Kahu had linked them)" if overruled else ""),
        )


# -- cases stored before the scheme ------------------------------------------------------------

#: Cases rekeyed per round.
REKEY_BATCH = 100
#: What rekeying is audited as.
REKEY_ACTION = "kahu.intake/Rekey"


class Rekey:
    """Computes the keys of the open cases stored before the scheme (`match_scheme` 1) from
    their stored reports, each report's ages counted from its own date; run as an outbox
    (services/common/outbox.py) by intake, so it resumes after any outage or restart."""

    def __init__(self, pool: asyncpg.Pool, key: bytes, auditor: Auditor) -> None:
        self._pool = pool
        self._key = key
        self._auditor = auditor

    async def drain(self, before: dt.datetime) -> int:
        """One round: how many cases got their keys."""
        rows = await self._pool.fetch(
            "SELECT case_id FROM intake.cases WHERE match_scheme < $1 AND stage <> 'CLOSED' AND received_at < $2"
            " ORDER BY received_at, case_id LIMIT $3",
            SCHEME,
            before,
            REKEY_BATCH,
        )
        for row in rows:
            with background_call("intake", REKEY_ACTION, self._auditor):
                await self.rekey(str(row["case_id"]))
        return len(rows)

    async def rekey(self, case_id: str) -> None:
        note_case(case_id)
        async with audit.transaction(self._pool) as conn:
            # the case's row first, as a report joining the case takes it before its keys
            scheme = await conn.fetchval(
                "SELECT match_scheme FROM intake.cases WHERE case_id = $1 FOR UPDATE", uuid.UUID(case_id)
            )
            if scheme is None or scheme >= SCHEME:
                return
            reports = await conn.fetch(
                "SELECT report, received_at FROM intake.reports WHERE case_id = $1", uuid.UUID(case_id)
            )
            for report in reports:
                children = common_pb2.Report.FromString(report["report"]).children
                keys = report_keys(self._key, children, report["received_at"].astimezone(NZ).date())
                await keep_keys(conn, case_id, keys)
            await conn.execute(
                "UPDATE intake.cases SET match_scheme = $2 WHERE case_id = $1", uuid.UUID(case_id), SCHEME
            )
