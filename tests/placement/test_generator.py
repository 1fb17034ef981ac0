"""The synthetic network generator: a small network, drawn and loaded with COPY, keeps every
rule the service keeps (the database checks them again as its keys are rebuilt)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import asyncpg
import pytest

from services.placement.generator import Shape, build, generate
from services.placement.kinship import ELDER, SYMMETRIC
from tests.placement.conftest import Own, new_database

SHAPE = Shape(3000, seed=5, today=dt.date(2026, 11, 22))


def test_a_network_is_drawn_the_same_from_the_same_seed_and_keeps_the_rules() -> None:
    net = build(SHAPE)
    assert build(SHAPE).people[:50] == net.people[:50]
    counts = net.counts()
    assert counts["people"] >= SHAPE.people
    assert 2.5 <= counts["relationships"] / counts["people"] <= 3.5

    pairs = Counter(frozenset((a, b)) for a, b, _, _ in net.relationships)
    assert max(pairs.values()) == 1, "one relationship per pair"
    assert all(a != b for a, b, _, _ in net.relationships)
    assert all(a < b for a, b, kind, _ in net.relationships if kind in SYMMETRIC)
    parents = Counter(b for _, b, kind, _ in net.relationships if kind == "PARENT")
    assert max(parents.values()) <= 2

    up = defaultdict(set)  # nobody is their own elder
    for a, b, kind, _ in net.relationships:
        if kind in ELDER:
            up[b].add(a)
    for person in list(up)[:500]:
        seen, frontier = set(), set(up[person])
        while frontier:
            assert person not in frontier
            seen |= frontier
            frontier = {e for p in frontier for e in up[p]} - seen

    current = [c for c in net.caregivers if c[13] == "APPROVED" and c[15] > SHAPE.today and c[1] == "HOUSEHOLD"]
    assert len(current) == SHAPE.approved_caregivers == SHAPE.people // 20
    statuses = Counter(c[13] for c in net.caregivers)
    assert statuses["PENDING"] and statuses["DECLINED"] and statuses["SUSPENDED"]
    assert any(c[13] == "APPROVED" and c[15] <= SHAPE.today for c in net.caregivers), "some approvals have expired"
    assert all(c[7] <= c[6] for c in net.caregivers), "never more placed than places"
    iwi = Counter(i for _, i, _ in net.affiliations)
    assert iwi.most_common(1)[0][0] == "ngapuhi"
    assert net.sibling_groups and all(net.sibling_groups)


async def test_a_network_loads_with_copy_and_replaces_only_when_asked(own: Own) -> None:
    url = await new_database(own.settings)
    net = await generate(url, SHAPE)
    conn = await asyncpg.connect(url)
    try:
        for table, n in net.counts().items():
            assert await conn.fetchval(f"SELECT count(*) FROM placement.{table}") == n
        rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'placement'")
        indexes = {r["indexname"] for r in rows}
        assert {"relationships_pkey", "relationships_one_per_pair", "relationships_to", "caregivers_iwi"} <= indexes
        foreign = await conn.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'placement.relationships'::regclass"
        )
        assert foreign == 2
    finally:
        await conn.close()
    with pytest.raises(RuntimeError, match="--replace"):
        await generate(url, SHAPE)
    again = await generate(url, Shape(1000, seed=6, today=SHAPE.today), replace=True)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM placement.people") == again.counts()["people"]
    finally:
        await conn.close()
