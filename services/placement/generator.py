"""A synthetic national family network for the placement search, loaded with COPY.

`python -m services.placement.generator --people 1000000 --replace` (what `make
seed-network` runs) fills the placement schema of `$DATABASE_URL` with:

- whānau of three generations (grandparents, their children and partners, grandchildren
  under 18), each living in one area of a region, regions weighted by population;
- kin relationships: parents, partners, siblings, and some grandparents, aunts and uncles
  and cousins recorded directly (about 3 per person); partners come from other whānau too,
  so the network is one web, not islands;
- iwi and hapū affiliations: a whānau is Māori more often where Māori live (Northland,
  Tairāwhiti, Bay of Plenty…); its iwi is drawn by size, mostly from those whose rohe is
  its region; children share their parents' affiliations;
- a family group per whānau and a few non-kin people its whānau names;
- caregivers: one adult in about ten, `people / 20` of them approved and current, others
  pending, declined, suspended or with an expired approval; residences in every region.

Everything is drawn from a seeded generator: the same arguments give the same network.
Tests build small ones with `generate()`; the benchmark and `make seed-network` a
national one. Names are synthetic.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.common.db import migrate
from services.placement.iwi import Iwi, load_iwi
from services.placement.kinship import DEGREE, SYMMETRIC
from services.placement.store import MIGRATIONS, SCHEMA

#: Population share of each region (roughly), Māori share of whānau, and areas.
REGIONS: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "northland": (0.04, 0.45, ("Whangārei", "Kaikohe", "Kaitāia", "Kerikeri", "Dargaville", "Moerewa", "Kawakawa")),
    "auckland": (
        0.33,
        0.12,
        (
            "Ōtara",
            "Māngere",
            "Manurewa",
            "Papakura",
            "Ōtāhuhu",
            "Henderson",
            "Glen Eden",
            "Massey",
            "Ponsonby",
            "Mount Roskill",
            "Avondale",
            "Takapuna",
            "Glenfield",
            "Pakuranga",
            "Howick",
            "Pukekohe",
            "Ōrewa",
        ),
    ),
    "waikato": (0.10, 0.24, ("Hamilton", "Huntly", "Ngāruawāhia", "Te Awamutu", "Te Kūiti", "Thames", "Tokoroa")),
    "bay-of-plenty": (0.075, 0.35, ("Tauranga", "Rotorua", "Whakatāne", "Ōpōtiki", "Kawerau", "Te Puke", "Murupara")),
    "east-coast": (0.06, 0.45, ("Gisborne", "Ruatōria", "Wairoa", "Napier", "Hastings", "Flaxmere", "Waipukurau")),
    "central": (0.10, 0.25, ("Palmerston North", "Levin", "Feilding", "Whanganui", "New Plymouth", "Hāwera", "Marton")),
    "greater-wellington": (0.11, 0.14, ("Porirua", "Lower Hutt", "Upper Hutt", "Wainuiomata", "Newtown", "Masterton")),
    "upper-south": (0.045, 0.11, ("Nelson", "Richmond", "Motueka", "Blenheim", "Greymouth", "Westport")),
    "canterbury": (0.12, 0.09, ("Christchurch Central", "Aranui", "Hornby", "Rangiora", "Ashburton", "Timaru")),
    "southern": (0.07, 0.10, ("Dunedin", "Mosgiel", "Invercargill", "Gore", "Queenstown", "Oamaru")),
}

_GIVEN_MAORI = [
    "Aroha",
    "Hēmi",
    "Tama",
    "Mere",
    "Wiremu",
    "Ngaio",
    "Rāwiri",
    "Kiri",
    "Tāne",
    "Anahera",
    "Māia",
    "Nikau",
    "Manaia",
    "Hine",
    "Tui",
    "Mikaere",
    "Ataahua",
    "Rangi",
    "Whetu",
    "Pania",
    "Kauri",
    "Moana",
    "Tamati",
    "Hana",
    "Te Ao",
    "Kahu",
    "Riria",
    "Awhina",
    "Ihaia",
]
_GIVEN_OTHER = [
    "Olivia",
    "Jack",
    "Charlotte",
    "Noah",
    "Isla",
    "Oliver",
    "Amelia",
    "Leo",
    "Harper",
    "Lucas",
    "Mia",
    "George",
    "Ava",
    "William",
    "Ella",
    "James",
    "Grace",
    "Mason",
    "Lily",
    "Hunter",
    "Sophie",
    "Liam",
    "Ruby",
    "Theo",
    "Zoe",
    "Sione",
    "Mele",
    "Losa",
    "Tevita",
    "Ana",
    "Priya",
    "Arjun",
    "Mei",
    "Jun",
    "Min-jun",
    "Maria",
]
_FAMILY_MAORI = [
    "Ngata",
    "Parata",
    "Tūhoe",
    "Walker",
    "Tamihana",
    "Rāwiri",
    "Herewini",
    "Kereama",
    "Māhutonga",
    "Paki",
    "Tipene",
    "Wihongi",
    "Te Huia",
    "Tawhiri",
    "Hohepa",
    "Rangihuna",
    "Poutama",
    "Karaka",
    "Mātene",
    "Heke",
    "Tukino",
    "Waaka",
]
_FAMILY_OTHER = [
    "Smith",
    "Wilson",
    "Williams",
    "Brown",
    "Taylor",
    "Jones",
    "Anderson",
    "Thompson",
    "Campbell",
    "Stewart",
    "Robinson",
    "Clarke",
    "Young",
    "Walker",
    "Faleolo",
    "Tuilagi",
    "Fifita",
    "Patel",
    "Singh",
    "Chen",
    "Wang",
    "Kim",
    "Nguyen",
    "Reyes",
    "Murphy",
    "Kelly",
]
_LANGUAGES_OTHER = ("Samoan", "Tongan", "Cook Islands Māori", "Hindi", "Mandarin", "Korean", "Tagalog", "Punjabi")
_SUPPORTS = ("MEDICAL", "BEHAVIOURAL", "DISABILITY", "TRAUMA_INFORMED", "INFANT_CARE")

#: The tables a network fills, in load order; emptied before loading.
TABLES = ("people", "relationships", "affiliations", "families", "family_members", "caregivers")
_ALSO_EMPTIED = ("holds", "searches", "case_children")


@dataclass(frozen=True)
class Shape:
    """What to generate: roughly `people` people; `approved` approved, current caregivers
    (default one per 20 people)."""

    people: int
    seed: int = 7
    approved: int | None = None
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def approved_caregivers(self) -> int:
        return self.approved if self.approved is not None else max(1, self.people // 20)


@dataclass
class Network:
    """What was generated, ready to COPY, and what a benchmark needs to search it."""

    people: list[tuple[Any, ...]] = field(default_factory=list)
    relationships: list[tuple[uuid.UUID, uuid.UUID, str, int]] = field(default_factory=list)
    affiliations: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    families: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    family_members: list[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=list)
    caregivers: list[tuple[Any, ...]] = field(default_factory=list)
    #: Children of one couple (or parent), each group 1+ children under 18.
    sibling_groups: list[list[uuid.UUID]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "people": len(self.people),
            "relationships": len(self.relationships),
            "affiliations": len(self.affiliations),
            "families": len(self.families),
            "family_members": len(self.family_members),
            "caregivers": len(self.caregivers),
        }


@dataclass
class _Person:
    person_id: uuid.UUID
    born: dt.date
    region: str
    area: str
    surname: str
    languages: list[str]
    affiliations: list[tuple[str, str]]
    adult: bool


class _Builder:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.net = Network()
        self.iwi = list(load_iwi().values())
        self.region_names = list(REGIONS)
        self.region_weights = [REGIONS[r][0] for r in self.region_names]
        self.adults: list[_Person] = []
        self.singles: list[_Person] = []
        self.recent_adults: dict[str, list[_Person]] = {r: [] for r in REGIONS}
        self.iwi_by_region = {r: [i.weight * (6 if r in i.regions else 1) for i in self.iwi] for r in self.region_names}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def born(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1).toordinal()
        end = min(dt.date(last_year, 12, 31), self.shape.today).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))

    # -- whānau ----------------------------------------------------------------------------

    def whanau_iwi(self, region: str) -> list[tuple[str, str]]:
        rng = self.rng
        if rng.random() >= REGIONS[region][1]:
            return []
        chosen: list[Iwi] = [rng.choices(self.iwi, self.iwi_by_region[region])[0]]
        if rng.random() < 0.35:
            other = rng.choices(self.iwi, [i.weight for i in self.iwi])[0]
            if other is not chosen[0]:
                chosen.append(other)
        found = []
        for i, iwi in enumerate(chosen):
            known = rng.random() < (0.7 if i == 0 else 0.5)
            found.append((iwi.code, rng.choice(iwi.hapu) if known and iwi.hapu else ""))
        return found

    def languages(self, maori: bool, region: str) -> list[str]:
        rng = self.rng
        found = ["English"]
        if maori and rng.random() < 0.35:
            found.append("te reo Māori")
        elif not maori and rng.random() < (0.3 if region == "auckland" else 0.1):
            found.append(rng.choice(_LANGUAGES_OTHER))
        return found

    def person(
        self,
        born: dt.date,
        region: str,
        area: str,
        surname: str,
        languages: list[str],
        affiliations: list[tuple[str, str]],
    ) -> _Person:
        rng = self.rng
        p = _Person(self.uuid(), born, region, area, surname, languages, affiliations, born.year <= 2005)
        maori = bool(affiliations)
        given = rng.choice(_GIVEN_MAORI if maori and rng.random() < 0.7 else _GIVEN_OTHER)
        age = (self.shape.today - born).days // 365
        child = age < 18
        needs: list[str] = []
        if child:
            if age < 2:
                needs.append("INFANT_CARE")
            for need, chance in (
                ("MEDICAL", 0.03),
                ("BEHAVIOURAL", 0.05),
                ("DISABILITY", 0.02),
                ("TRAUMA_INFORMED", 0.1),
            ):
                if rng.random() < chance:
                    needs.append(need)
        self.net.people.append(
            (
                p.person_id,
                f"{given} {surname}",
                born,
                region,
                area,
                f"{area} School" if 5 <= age < 18 else "",
                languages,
                child and rng.random() < 0.01,
                needs,
            )
        )
        for iwi, hapu in affiliations:
            self.net.affiliations.append((p.person_id, iwi, hapu))
        if p.adult:
            self.adults.append(p)
        return p

    def relate(self, a: _Person, b: _Person, kind: str) -> None:
        x, y = a.person_id, b.person_id
        if kind in SYMMETRIC and y < x:
            x, y = y, x
        self.net.relationships.append((x, y, kind, DEGREE[kind]))

    def whanau(self) -> int:
        """One three-generation whānau; returns how many people it added."""
        rng = self.rng
        before = len(self.net.people)
        region = rng.choices(self.region_names, self.region_weights)[0]
        area = rng.choice(REGIONS[region][2])
        affiliations = self.whanau_iwi(region)
        maori = bool(affiliations)
        surname = rng.choice(_FAMILY_MAORI if maori and rng.random() < 0.8 else _FAMILY_OTHER)
        languages = self.languages(maori, region)
        members: list[_Person] = []

        def new(first: int, last: int, same: bool = True) -> _Person:
            own = affiliations if same else self.whanau_iwi(region)
            name = surname if same else rng.choice(_FAMILY_MAORI if own else _FAMILY_OTHER)
            p = self.person(self.born(first, last), region, area, name, languages if same else ["English"], own)
            members.append(p)
            return p

        grandparents = [new(1945, 1968), new(1945, 1968, same=False)]
        self.relate(grandparents[0], grandparents[1], "PARTNER")
        parents = [new(1968, 1995) for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5)))]
        for child in parents:
            for gp in grandparents:
                self.relate(gp, child, "PARENT")
        for i, a in enumerate(parents):
            for b in parents[i + 1 :]:
                self.relate(a, b, "SIBLING")
        grandchildren: list[tuple[_Person, list[_Person]]] = []  # (their parent of this whānau, them)
        singles_now: list[_Person] = []
        for parent in parents:
            partner: _Person | None = None
            if rng.random() < 0.75:
                if self.singles and rng.random() < 0.3:
                    partner = self.singles.pop(rng.randrange(len(self.singles)))
                else:
                    partner = new(1968, 1995, same=False)
                self.relate(parent, partner, "PARTNER")
            else:
                singles_now.append(parent)
            kids = [
                self.person(self.born(2008, 2026), region, area, surname, languages, affiliations)
                for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4)))
            ]
            members.extend(kids)
            for kid in kids:
                self.relate(parent, kid, "PARENT")
                if partner is not None:
                    self.relate(partner, kid, "PARENT")
                if rng.random() < 0.5:
                    for gp in grandparents:
                        self.relate(gp, kid, "GRANDPARENT")
            for i, a in enumerate(kids):
                for b in kids[i + 1 :]:
                    self.relate(a, b, "SIBLING")
            if kids:
                grandchildren.append((parent, kids))
                self.net.sibling_groups.append([k.person_id for k in kids])
        for i, (own, kids) in enumerate(grandchildren):
            aunts = [p for p in parents if p is not own]
            for kid in kids:
                for aunt in aunts:
                    if rng.random() < 0.15:
                        self.relate(aunt, kid, "AUNT_UNCLE")
            for _, others in grandchildren[i + 1 :]:
                for kid in kids:
                    for cousin in others:
                        if rng.random() < 0.05:
                            self.relate(kid, cousin, "COUSIN")
        self.singles.extend(singles_now)
        if len(self.singles) > 5000:
            del self.singles[:1000]
        family_id = self.uuid()
        self.net.families.append((family_id, f"{surname} whānau"))
        ids = {p.person_id for p in members}
        for p in members:
            self.net.family_members.append((family_id, p.person_id, "MEMBER"))
        recent = self.recent_adults[region]
        for friend in rng.sample(recent, min(len(recent), rng.choice((0, 1, 2, 3)))):
            if friend.person_id not in ids:
                ids.add(friend.person_id)
                self.net.family_members.append((family_id, friend.person_id, "NETWORK"))
        recent.extend(p for p in members if p.adult)
        if len(recent) > 400:
            del recent[:100]
        return len(self.net.people) - before

    # -- caregivers ---------------------------------------------------------------------------

    def caregivers(self) -> None:
        rng, today = self.rng, self.shape.today
        approved = self.shape.approved_caregivers
        statuses = (
            [("APPROVED", True)] * approved
            + [("APPROVED", False)] * (approved * 8 // 100)
            + [("PENDING", False)] * (approved * 4 // 100)
            + [("DECLINED", False)] * (approved // 100)
            + [("SUSPENDED", False)] * (approved // 100)
        )
        chosen = rng.sample(self.adults, min(len(statuses), len(self.adults)))
        for person, (status, current) in zip(chosen, statuses, strict=False):
            capacity = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))
            approved_on: dt.date | None = None
            expires_on: dt.date | None = None
            if status in ("APPROVED", "SUSPENDED"):  # approvals last two years
                days_ago = rng.randint(1, 700) if current or status == "SUSPENDED" else rng.randint(731, 1400)
                approved_on = today - dt.timedelta(days=days_ago)
                expires_on = approved_on + dt.timedelta(days=730)
            self._caregiver(
                kind="HOUSEHOLD",
                person=person,
                name=f"{person.surname} household",
                capacity=capacity,
                placed=rng.randint(0, capacity),
                status=status,
                approved_on=approved_on,
                expires_on=expires_on,
            )
        for region, (_, _, areas) in REGIONS.items():
            for n in range(4):
                approved_on = today - dt.timedelta(days=rng.randint(1, 300))
                self._caregiver(
                    kind="RESIDENCE",
                    person=None,
                    name=f"{region.replace('-', ' ').title()} residence {n + 1}",
                    region=region,
                    area=rng.choice(areas),
                    capacity=rng.choice((6, 8, 10, 12)),
                    placed=rng.randint(2, 6),
                    status="APPROVED",
                    approved_on=approved_on,
                    expires_on=approved_on + dt.timedelta(days=730),
                    wheelchair=True,
                    siblings=True,
                )

    def _caregiver(
        self,
        *,
        kind: str,
        person: _Person | None,
        name: str,
        capacity: int,
        placed: int,
        status: str,
        approved_on: dt.date | None,
        expires_on: dt.date | None,
        region: str = "",
        area: str = "",
        wheelchair: bool | None = None,
        siblings: bool | None = None,
    ) -> None:
        rng = self.rng
        supports = [s for s in _SUPPORTS if rng.random() < 0.3]
        affiliations = person.affiliations if person else []
        self.net.caregivers.append(
            (
                self.uuid(),
                kind,
                person.person_id if person else None,
                name,
                person.region if person else region,
                person.area if person else area,
                capacity,
                min(placed, capacity),
                0,
                rng.random() < 0.12 if wheelchair is None else wheelchair,
                person.languages if person else ["English"],
                rng.random() < 0.55 if siblings is None else siblings,
                supports,
                status,
                approved_on,
                expires_on,
                sorted({iwi for iwi, _ in affiliations}),
                sorted({hapu for _, hapu in affiliations if hapu}),
            )
        )


_COLUMNS: dict[str, Sequence[str]] = {
    "people": (
        "person_id",
        "name",
        "date_of_birth",
        "region",
        "address_area",
        "school",
        "languages",
        "needs_wheelchair_access",
        "support_needs",
    ),
    "relationships": ("from_id", "to_id", "kind", "degree"),
    "affiliations": ("person_id", "iwi", "hapu"),
    "families": ("family_id", "name"),
    "family_members": ("family_id", "person_id", "role"),
    "caregivers": (
        "caregiver_id",
        "kind",
        "person_id",
        "name",
        "region",
        "address_area",
        "capacity",
        "placed",
        "held",
        "wheelchair_accessible",
        "languages",
        "takes_sibling_groups",
        "supports",
        "approval_status",
        "approved_on",
        "approval_expires_on",
        "iwi",
        "hapu",
    ),
}


def build(shape: Shape) -> Network:
    """Draw the network in memory (no database)."""
    builder = _Builder(shape)
    people = 0
    while people < shape.people:
        people += builder.whanau()
    builder.caregivers()
    return builder.net


async def _definitions(conn: asyncpg.Connection) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The bulk tables' key and foreign-key constraints and their other indexes, to drop
    before loading and build again after (much faster than maintaining them row by row)."""
    tables = [f"{SCHEMA}.{t}" for t in (*TABLES, *_ALSO_EMPTIED)]
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def, contype::text AS contype"
        " FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u', 'f')",
        tables,
    )
    indexes = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i"
        " WHERE i.indrelid = ANY($1::regclass[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        tables,
    )
    order = {"f": 0, "u": 1, "p": 2}
    keyed = sorted(constraints, key=lambda r: order[r["contype"]])
    return [(r["tbl"], r["conname"], r["def"]) for r in keyed], [(r["name"], r["def"]) for r in indexes]


async def load(conn: asyncpg.Connection, net: Network) -> None:
    """Replace the placement schema's network with `net`, in one transaction (a failure
    leaves the network as it was), then vacuum and analyse it."""
    async with conn.transaction():
        await _replace(conn, net)
    for table in (*TABLES, *_ALSO_EMPTIED):
        await conn.execute(f"VACUUM (ANALYZE) {SCHEMA}.{table}")


async def _replace(conn: asyncpg.Connection, net: Network) -> None:
    constraints, indexes = await _definitions(conn)
    await conn.execute(
        f"TRUNCATE {', '.join(f'{SCHEMA}.{t}' for t in (*_ALSO_EMPTIED, *reversed(TABLES)))} RESTART IDENTITY"
    )
    for table, name, _ in constraints:  # foreign keys first, then the keys they rely on
        await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        await conn.execute(f"DROP INDEX {name}")
    for table in TABLES:
        await conn.copy_records_to_table(
            table, schema_name=SCHEMA, columns=list(_COLUMNS[table]), records=getattr(net, table)
        )
    for table, name, definition in reversed(constraints):  # keys, then foreign keys
        await conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        await conn.execute(definition)


async def generate(database_url: str, shape: Shape, *, replace: bool = False) -> Network:
    """Migrate the schema, draw the network and load it; refuses to replace a network
    unless `replace`."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await migrate(pool, SCHEMA, MIGRATIONS)
        async with pool.acquire() as conn:
            if not replace and await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.people)"):
                raise RuntimeError("the placement schema already has a network (replace it with --replace)")
            net = build(shape)
            await conn.execute("SET maintenance_work_mem = '512MB'")
            await load(conn, net)
        return net
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.placement.generator", description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--approved", type=int, default=None, help="approved caregivers (default people / 20)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_OWNER_URL"),
        help="the schema owner's URL: a bulk load drops and rebuilds indexes (default DATABASE_OWNER_URL)",
    )
    parser.add_argument("--replace", action="store_true", help="replace the network already loaded")
    args = parser.parse_args(argv)
    if not args.database_url:
        from services.common.config import load as load_settings

        settings = load_settings()
        args.database_url = settings.database_owner_url or settings.database_url
    started = time.monotonic()
    try:
        net = asyncio.run(
            generate(args.database_url, Shape(args.people, args.seed, args.approved), replace=args.replace)
        )
    except (RuntimeError, OSError, asyncpg.PostgresError) as err:
        print(f"seed-network: {err}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {what}" for what, n in net.counts().items())
    print(f"seed-network: {counts} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
