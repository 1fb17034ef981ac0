"""Synthetic cases for listing at scale (tests/intake/test_list_cases.py, bench/listing.py):
rows of `intake.cases` as their workflows would have recorded them, generated in SQL."""

from __future__ import annotations

import datetime as dt

import asyncpg

from services.common.sites import load_sites

#: Cases over three years at the 25 sites, most of them closed (as a year's work is), a
#: deadline running on the others, some escalated, assessed ones allocated to 1,000 staff.
GENERATE = """
INSERT INTO intake.cases (case_id, workflow_id, site, region, stage, concerns, immediate_danger, child_count,
    received_at, workflow_started_at, timeframe, deadline_kind, due_at, breached, tier, assignee)
SELECT id, 'case-' || id, ($1::text[])[k], ($2::text[])[k], stage, ARRAY['CONCERN_CATEGORY_NEGLECT'], false, 1,
    received_at, received_at,
    CASE WHEN stage IN ('TRIAGE', 'AWAITING_CONSENT') OR r3 < 0.3 THEN NULL
         ELSE (ARRAY['CRITICAL', 'VERY_URGENT', 'URGENT'])[1 + floor(r3 * 3)::int] END,
    CASE WHEN stage = 'CLOSED' THEN NULL WHEN stage = 'TRIAGE' THEN 'TRIAGE' ELSE 'ASSESSMENT' END,
    CASE WHEN stage = 'CLOSED' THEN NULL ELSE received_at + r4 * interval '20 days' END,
    stage <> 'CLOSED' AND received_at + r4 * interval '20 days' < $3::timestamptz,
    CASE WHEN stage <> 'CLOSED' AND received_at + r4 * interval '20 days' < $3::timestamptz AND r5 < 0.3
         THEN 1 + floor(r5 * 10)::int ELSE 0 END,
    CASE WHEN stage IN ('ASSESSMENT', 'INVESTIGATION', 'PLACEMENT') OR (stage = 'CLOSED' AND r5 < 0.5)
         THEN 'sw.' || floor(r6 * 1000)::int END
FROM (
    SELECT gen_random_uuid() AS id, 1 + floor(random() * 25)::int AS k,
        $3::timestamptz - random() * interval '1095 days' AS received_at,
        CASE WHEN r < 0.80 THEN 'CLOSED' WHEN r < 0.85 THEN 'TRIAGE' WHEN r < 0.93 THEN 'ASSESSMENT'
             WHEN r < 0.96 THEN 'INVESTIGATION' WHEN r < 0.98 THEN 'AWAITING_CONSENT' WHEN r < 0.995 THEN 'PLACEMENT'
             ELSE 'YOUTH_JUSTICE_CONFERENCE' END AS stage,
        random() AS r3, random() AS r4, random() AS r5, random() AS r6
    FROM (SELECT random() AS r FROM generate_series(1, $4::integer)) g
) c
"""


async def generate_cases(conn: asyncpg.Connection, count: int, now: dt.datetime, *, seed: float = 0.15) -> None:
    """Insert `count` generated cases received in the three years before `now`, and analyse
    the table (as the owner of the schema), however long that takes: a bulk load is not held
    to the services' statement timeout."""
    sites = load_sites()
    codes = sorted(sites)
    async with conn.transaction():
        await conn.execute("SET LOCAL statement_timeout = 0")
        await conn.execute("SELECT setseed($1)", seed)
        await conn.execute(GENERATE, codes, [sites[c].region for c in codes], now, count)
        await conn.execute("ANALYZE intake.cases")
