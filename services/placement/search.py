"""The placement search: who could care for a child or a sibling group, whānau first.

One statement does it, in the database, so it stays fast on a national network:

1. whānau: the children's kin up to the policy's degree, walking kin relationships both
   ways (a path's degree is the sum of its relationships' degrees: a parent is 1, a
   grandparent or a sibling 2, an aunt or uncle 3, a cousin 4; each person keeps their
   closest path);
2. the pool: caregivers who are whānau, share a hapū or an iwi with a child, are in a
   child's family group or the network the family named, households in the children's
   region, and residences;
3. each caregiver's tier is the first that applies (whānau, hapū, iwi, family group and
   network, non-kin, residence); a caregiver that fails a hard need is excluded for the
   first of: not approved, approval expired, no place free, no wheelchair access;
4. the rest are ranked by tier, closeness of kinship, then keeping the siblings
   together, meeting every stated need, staying in the school's area or the region, and
   sharing a language.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

TIERS = ("WHANAU", "HAPU", "IWI", "FAMILY_NETWORK", "NON_KIN", "RESIDENCE")
EXCLUSIONS = ("NOT_APPROVED", "APPROVAL_EXPIRED", "NO_CAPACITY", "NO_ACCESSIBILITY")


@dataclass(frozen=True)
class Child:
    """What the search reads about a child: where they live and what they need."""

    person_id: uuid.UUID
    region: str
    address_area: str
    languages: list[str]
    needs_wheelchair_access: bool
    support_needs: list[str]
    iwi: list[str]
    hapu: list[str]


@dataclass(frozen=True)
class Needs:
    """The needs a search states, on top of those recorded on the children."""

    wheelchair_access: bool = False
    languages: tuple[str, ...] = ()
    support_needs: tuple[str, ...] = ()
    region: str = ""
    school_area: str = ""


@dataclass(frozen=True)
class Effective:
    """The needs a search applies: what was stated, and what the children need."""

    wheelchair_access: bool
    languages: list[str]
    support_needs: list[str]
    region: str
    school_area: str
    iwi: list[str]
    hapu: list[str]


def effective_needs(children: list[Child], stated: Needs) -> Effective:
    first = children[0]

    def union(*lists: Any) -> list[str]:
        return sorted({item for values in lists for item in values})

    return Effective(
        wheelchair_access=stated.wheelchair_access or any(c.needs_wheelchair_access for c in children),
        languages=union(stated.languages, *(c.languages for c in children)),
        support_needs=union(stated.support_needs, *(c.support_needs for c in children)),
        region=stated.region or first.region,
        school_area=stated.school_area or first.address_area,
        iwi=union(*(c.iwi for c in children)),
        hapu=union(*(c.hapu for c in children)),
    )


@dataclass(frozen=True)
class Ranked:
    caregiver_id: str
    name: str
    tier: str
    rank: int
    kinship_degree: int
    places: int
    keeps_siblings_together: bool
    meets_all_needs: bool
    missing_supports: list[str]
    same_school_area: bool
    same_region: bool
    shares_language: bool


@dataclass(frozen=True)
class Result:
    candidates: list[Ranked]
    excluded: dict[str, int]
    considered: int
    eligible: int
    #: Too few were eligible near the child's school: non-kin households in the whole
    #: region were considered too.
    widened: bool


_CHILDREN = """
SELECT p.person_id, p.region, p.address_area, p.languages, p.needs_wheelchair_access, p.support_needs,
       coalesce(array(SELECT DISTINCT a.iwi FROM placement.affiliations a WHERE a.person_id = p.person_id), '{}'),
       coalesce(array(SELECT DISTINCT a.hapu FROM placement.affiliations a
                      WHERE a.person_id = p.person_id AND a.hapu <> ''), '{}')
FROM placement.people p WHERE p.person_id = ANY($1::uuid[])
"""

# $1 children, $2 max degree, $3 iwi, $4 hapū, $5 region, $6 wheelchair, $7 places wanted,
# $8 languages, $9 support needs, $10 school area, $11 today, $12 limit
#: What the search reads of each caregiver it considers: its place in the tiers and the
#: ranking, worked out once (its name and supports are read for those returned only).
_POOL_COLUMNS = (
    "c.caregiver_id, c.person_id, c.kind, c.capacity - c.placed - c.held AS free, c.wheelchair_accessible,"
    " c.takes_sibling_groups, c.approval_status, c.approval_expires_on,"
    " c.hapu && $4::text[] AS shares_hapu, c.iwi && $3::text[] AS shares_iwi, c.supports @> $9::text[] AS meets,"
    " c.region = $5 AND c.address_area = $10 AS same_area, c.region = $5 AS same_region,"
    " cardinality($8::text[]) = 0 OR c.languages && $8::text[] AS language"
)
_ELIGIBLE = (
    "{c}.approval_status = 'APPROVED' AND {c}.approval_expires_on > $11::date"
    " AND {c}.free >= 1 AND (NOT $6::boolean OR {c}.wheelchair_accessible)"
)
_NEAR = (
    "{c}.hapu && $4::text[] OR {c}.iwi && $3::text[] OR {c}.kind = 'RESIDENCE'"
    " OR ({c}.kind = 'HOUSEHOLD' AND {c}.region = $5 AND {c}.address_area = $10)"
)
_SEARCH = f"""
WITH RECURSIVE kin (person_id, degree) AS (
    SELECT child, 0 FROM unnest($1::uuid[]) AS child
  UNION
    SELECT e.other, k.degree + e.degree
    FROM kin k
    CROSS JOIN LATERAL (
        SELECT r.to_id AS other, r.degree::int AS degree FROM placement.relationships r WHERE r.from_id = k.person_id
        UNION ALL
        SELECT r.from_id, r.degree::int FROM placement.relationships r WHERE r.to_id = k.person_id
    ) e
    WHERE k.degree + e.degree <= $2
),
whanau AS (
    SELECT person_id, min(degree) AS degree FROM kin WHERE NOT person_id = ANY($1::uuid[]) GROUP BY person_id
),
family AS (
    SELECT DISTINCT f2.person_id
    FROM placement.family_members f1 JOIN placement.family_members f2 USING (family_id)
    WHERE f1.person_id = ANY($1::uuid[]) AND NOT f2.person_id = ANY($1::uuid[])
),
known AS (SELECT person_id FROM whanau UNION SELECT person_id FROM family),
near AS MATERIALIZED (
    SELECT {_POOL_COLUMNS} FROM placement.caregivers c WHERE {_NEAR.format(c="c")}
  UNION ALL
    SELECT {_POOL_COLUMNS} FROM placement.caregivers c
    WHERE c.person_id IN (SELECT person_id FROM known) AND NOT ({_NEAR.format(c="c")})
),
short AS (SELECT count(*) < $12 AS widen FROM near n WHERE {_ELIGIBLE.format(c="n")}),
wide AS (
    SELECT {_POOL_COLUMNS} FROM placement.caregivers c
    WHERE (SELECT widen FROM short)
      AND c.kind = 'HOUSEHOLD' AND c.region = $5 AND c.address_area <> $10
      AND NOT (c.hapu && $4::text[] OR c.iwi && $3::text[])
      AND c.person_id NOT IN (SELECT person_id FROM known)
),
scored AS MATERIALIZED (
    SELECT c.caregiver_id, c.free, w.degree, c.meets, c.same_area, c.same_region, c.language,
        CASE WHEN w.degree IS NOT NULL THEN 1
             WHEN c.shares_hapu THEN 2
             WHEN c.shares_iwi THEN 3
             WHEN f.person_id IS NOT NULL THEN 4
             WHEN c.kind = 'HOUSEHOLD' THEN 5
             ELSE 6 END AS tier,
        CASE WHEN c.approval_status <> 'APPROVED' THEN 'NOT_APPROVED'
             WHEN c.approval_expires_on <= $11::date THEN 'APPROVAL_EXPIRED'
             WHEN c.free < 1 THEN 'NO_CAPACITY'
             WHEN $6::boolean AND NOT c.wheelchair_accessible THEN 'NO_ACCESSIBILITY'
        END AS excluded,
        $7::int = 1 OR (c.free >= $7::int AND c.takes_sibling_groups) AS keeps
    FROM (SELECT * FROM near UNION ALL SELECT * FROM wide) c
    LEFT JOIN whanau w ON w.person_id = c.person_id
    LEFT JOIN family f ON f.person_id = c.person_id
),
top AS (
    SELECT s.*, c.name, c.supports FROM (
        SELECT * FROM scored WHERE excluded IS NULL
        ORDER BY tier, coalesce(degree, 0), keeps DESC, meets DESC, same_area DESC, same_region DESC, language DESC,
                 free DESC, caregiver_id
        LIMIT $12
    ) s JOIN placement.caregivers c USING (caregiver_id)
)
SELECT
    (SELECT coalesce(json_agg(json_build_object(
        'id', t.caregiver_id, 'name', t.name, 'tier', t.tier, 'degree', coalesce(t.degree, 0),
        'places', least(t.free, $7::int), 'keeps', t.keeps, 'meets', t.meets,
        'missing', array(SELECT unnest($9::text[]) EXCEPT SELECT unnest(t.supports)),
        'same_area', t.same_area, 'same_region', t.same_region, 'language', t.language)
        ORDER BY t.tier, coalesce(t.degree, 0), t.keeps DESC, t.meets DESC, t.same_area DESC, t.same_region DESC,
                 t.language DESC, t.free DESC, t.caregiver_id), '[]')
     FROM top t) AS candidates,
    (SELECT coalesce(json_object_agg(x.excluded, x.n), '{{}}')
     FROM (SELECT excluded, count(*) AS n FROM scored WHERE excluded IS NOT NULL GROUP BY excluded) x) AS excluded,
    (SELECT count(*) FROM scored) AS considered,
    (SELECT count(*) FROM scored WHERE excluded IS NULL) AS eligible,
    (SELECT widen FROM short) AS widened
"""


async def children(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, Child]:
    """The children among `ids` who exist, by id."""
    rows = await conn.fetch(_CHILDREN, ids)
    return {
        r[0]: Child(
            person_id=r[0],
            region=r[1],
            address_area=r[2],
            languages=list(r[3]),
            needs_wheelchair_access=r[4],
            support_needs=list(r[5]),
            iwi=list(r[6]),
            hapu=list(r[7]),
        )
        for r in rows
    }


async def search(
    conn: asyncpg.Connection,
    child_ids: list[uuid.UUID],
    needs: Effective,
    *,
    max_degree: int,
    limit: int,
    today: dt.date,
) -> Result:
    row = await conn.fetchrow(
        _SEARCH,
        child_ids,
        max_degree,
        needs.iwi,
        needs.hapu,
        needs.region,
        needs.wheelchair_access,
        len(child_ids),
        needs.languages,
        needs.support_needs,
        needs.school_area,
        today,
        limit,
    )
    assert row is not None
    found = json.loads(row["candidates"])
    excluded = json.loads(row["excluded"])
    return Result(
        candidates=[
            Ranked(
                caregiver_id=c["id"],
                name=c["name"],
                tier=TIERS[c["tier"] - 1],
                rank=rank,
                kinship_degree=c["degree"],
                places=c["places"],
                keeps_siblings_together=c["keeps"],
                meets_all_needs=c["meets"],
                missing_supports=sorted(c["missing"]),
                same_school_area=c["same_area"],
                same_region=c["same_region"],
                shares_language=c["language"],
            )
            for rank, c in enumerate(found, start=1)
        ],
        excluded={reason: int(excluded[reason]) for reason in EXCLUSIONS if reason in excluded},
        considered=int(row["considered"]),
        eligible=int(row["eligible"]),
        widened=bool(row["widened"]),
    )


_KINSHIP_WORDS = {
    1: "a parent, partner or step- or whāngai parent",
    2: "a grandparent or sibling",
    3: "an aunt, uncle or great-grandparent",
    4: "a cousin",
}


def reasons(candidate: Ranked, children: int, needs: Effective) -> list[str]:
    """Why the candidate ranks where it does, most important first (no personal data of
    the children: kinship in degrees, needs by category)."""
    said: list[str] = []
    if candidate.tier == "WHANAU":
        closeness = _KINSHIP_WORDS.get(candidate.kinship_degree, "wider whānau")
        said.append(f"whānau: kinship degree {candidate.kinship_degree} (as close as {closeness})")
    else:
        said.append(
            {
                "HAPU": "shares a hapū with the child",
                "IWI": "shares an iwi with the child",
                "FAMILY_NETWORK": "in the child's family group or the network the whānau named",
                "NON_KIN": "approved caregiver in the child's region (not kin)",
                "RESIDENCE": "residence (a placement of last resort)",
            }[candidate.tier]
        )
    if children > 1:
        if candidate.keeps_siblings_together:
            said.append(f"keeps all {children} siblings together")
        else:
            said.append(f"cannot keep the {children} siblings together ({candidate.places} place(s) for them)")
    if candidate.meets_all_needs:
        if needs.support_needs:
            said.append("meets every stated need")
    else:
        said.append(f"does not meet: {', '.join(candidate.missing_supports)}")
    if candidate.same_school_area:
        said.append("in the school's area: the child can stay at their school")
    elif candidate.same_region:
        said.append("in the child's region")
    else:
        said.append("outside the child's region")
    if needs.languages:
        said.append(
            "speaks a language of the child" if candidate.shares_language else "shares no language with the child"
        )
    return said
