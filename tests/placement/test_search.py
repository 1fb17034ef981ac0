"""SearchPlacements through real gRPC and PostgreSQL, on networks of this module's own:
a family built by hand whose ranking is known, and a generated network checked against a
plain re-statement of the search's rules."""

from __future__ import annotations

import datetime as dt
import heapq
import random
import uuid
from collections import defaultdict
from typing import Any

import grpc
import pytest

from kahu.v1 import placement_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.placement.generator import Network, Shape, generate
from services.placement.service import _today
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.placement.conftest import Own, OwnPlacement, new_database
from tests.placement.network import caregiver, person, relate

P = placement_pb2
TIERS = {n: P.PlacementTier.Name(n).removeprefix("PLACEMENT_TIER_") for n in P.PlacementTier.values()}
ORDER = ["WHANAU", "HAPU", "IWI", "FAMILY_NETWORK", "NON_KIN", "RESIDENCE"]
REASONS = {n: P.ExclusionReason.Name(n).removeprefix("EXCLUSION_REASON_") for n in P.ExclusionReason.values()}


# -- a whānau built by hand ---------------------------------------------------------------


class Whanau:
    """Two siblings in Naenae (greater-wellington), their whānau, and caregivers of every tier."""

    children: list[str]
    ids: dict[str, str]


@pytest.fixture(scope="module")
async def whanau(own: Own, platform: Platform) -> tuple[OwnPlacement, Whanau]:
    service = await own.serve(await new_database(own.settings))
    stub = service.stub
    w = Whanau()
    kid = await person(stub, "Tamaiti Tahi", address_area="Naenae", languages=["te reo Māori"])
    kid2 = await person(stub, "Tamaiti Rua", address_area="Naenae", support_needs=[P.SUPPORT_NEED_MEDICAL])
    w.children = [kid, kid2]
    for child in w.children:
        await stub.SetAffiliations(
            P.SetAffiliationsRequest(
                person_id=child, affiliations=[P.Affiliation(iwi="ngati-porou", hapu="ngati-porou-h02")]
            )
        )
    names = ["mum", "dad", "nana", "aunt", "uncle", "cousin", "hapu", "iwi", "friend"]
    people = {name: await person(stub, name.title(), address_area="Naenae") for name in names}
    people.update({name: await person(stub, name) for name in ("nk_siblings", "nk_reo", "nk_far", "nk_plain")})
    people["pending"] = await person(stub, "Pending")
    people["elsewhere"] = await person(stub, "Elsewhere", region="auckland")
    await relate(stub, kid, P.KINSHIP_SIBLING, kid2)
    for parent in ("mum", "dad"):
        for child in w.children:
            await relate(stub, people[parent], P.KINSHIP_PARENT, child)
    await relate(stub, people["nana"], P.KINSHIP_PARENT, people["mum"])  # grandmother: degree 2
    await relate(stub, people["nana"], P.KINSHIP_PARENT, people["aunt"])  # aunt: degree 3
    await relate(stub, people["uncle"], P.KINSHIP_SIBLING, people["dad"])  # uncle: 1 + 2 = degree 3
    await relate(stub, people["aunt"], P.KINSHIP_PARENT, people["cousin"])  # cousin: degree 4
    await stub.SetAffiliations(
        P.SetAffiliationsRequest(
            person_id=people["hapu"], affiliations=[P.Affiliation(iwi="ngati-porou", hapu="ngati-porou-h02")]
        )
    )
    await stub.SetAffiliations(
        P.SetAffiliationsRequest(person_id=people["iwi"], affiliations=[P.Affiliation(iwi="ngati-porou")])
    )
    await stub.PutFamily(
        P.PutFamilyRequest(
            family=P.Family(
                family_id=str(uuid.uuid4()),
                name="Tahi whānau",
                member_ids=[people["mum"], people["dad"], *w.children],
                network_ids=[people["friend"]],
            )
        )
    )
    naenae: dict[str, Any] = {"area": "Naenae"}
    w.ids = {
        "nana": await caregiver(stub, people["nana"], capacity=2, takes_sibling_groups=True, **naenae),
        "aunt": await caregiver(stub, people["aunt"], capacity=1, area="Taita"),
        "uncle": await caregiver(stub, people["uncle"], approved_days_ago=800, expires_in_days=-70, **naenae),
        "cousin": await caregiver(stub, people["cousin"], capacity=1, **naenae),
        "hapu": await caregiver(stub, people["hapu"], region="canterbury", area="Aranui"),
        "iwi": await caregiver(stub, people["iwi"], region="east-coast", area="Ruatōria"),
        "friend": await caregiver(stub, people["friend"], **naenae),
        "nk_siblings": await caregiver(stub, people["nk_siblings"], capacity=3, takes_sibling_groups=True, **naenae),
        "nk_reo": await caregiver(
            stub, people["nk_reo"], languages=["te reo Māori"], supports=[P.SUPPORT_NEED_MEDICAL], **naenae
        ),
        "nk_far": await caregiver(stub, people["nk_far"], supports=[P.SUPPORT_NEED_MEDICAL], area="Porirua"),
        "nk_plain": await caregiver(stub, people["nk_plain"], **naenae),
        "pending": await caregiver(stub, people["pending"], approved=False, **naenae),
        "elsewhere": await caregiver(stub, people["elsewhere"], region="auckland", area="Ōtara"),
        "residence": await caregiver(
            stub, None, region="auckland", area="Ōtara", capacity=8, wheelchair_accessible=True
        ),
    }
    await stub.HoldPlaces(  # the cousin's one place is held for another child
        P.HoldPlacesRequest(
            hold_id=str(uuid.uuid4()),
            caregiver_id=w.ids["cousin"],
            case_id=str(uuid.uuid4()),
            places=1,
            expires_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)),
        )
    )
    return service, w


def named(w: Whanau, result: P.PlacementSearchResult) -> list[str]:
    by_id = {v: k for k, v in w.ids.items()}
    return [by_id[c.caregiver_id] for c in result.candidates]


async def test_the_whanau_comes_first_then_hapu_iwi_network_non_kin_and_a_residence_last(
    whanau: tuple[OwnPlacement, Whanau],
) -> None:
    service, w = whanau
    result = (await service.stub.SearchPlacements(P.SearchPlacementsRequest(child_ids=w.children))).result

    assert named(w, result) == [
        "nana",
        "aunt",
        "hapu",
        "iwi",
        "friend",
        "nk_siblings",  # keeps the siblings together: first of the non-kin
        "nk_reo",  # meets the medical need, in the school's area, speaks te reo
        "nk_far",  # meets the need, but in another area of the region
        "nk_plain",  # in the school's area, but does not meet the need
        "residence",
    ]
    assert [TIERS[c.tier] for c in result.candidates] == [
        "WHANAU",
        "WHANAU",
        "HAPU",
        "IWI",
        "FAMILY_NETWORK",
        "NON_KIN",
        "NON_KIN",
        "NON_KIN",
        "NON_KIN",
        "RESIDENCE",
    ]
    assert [c.rank for c in result.candidates] == list(range(1, 11))
    assert [c.kinship_degree for c in result.candidates[:2]] == [2, 3]
    assert {REASONS[e.reason]: e.count for e in result.excluded} == {
        "NOT_APPROVED": 1,
        "APPROVAL_EXPIRED": 1,
        "NO_CAPACITY": 1,
    }
    assert [REASONS[e.reason] for e in result.excluded] == ["NOT_APPROVED", "APPROVAL_EXPIRED", "NO_CAPACITY"]
    assert (result.considered, result.eligible, result.widened) == (13, 10, True)  # "elsewhere" is never considered

    nana, aunt = result.candidates[0], result.candidates[1]
    assert nana.keeps_siblings_together and nana.places == 2 and nana.name == "Household"
    assert nana.reasons[:2] == [
        "whānau: kinship degree 2 (as close as a grandparent or sibling)",
        "keeps all 2 siblings together",
    ]
    assert not aunt.keeps_siblings_together and aunt.places == 1
    assert "cannot keep the 2 siblings together (1 place(s) for them)" in aunt.reasons
    assert "does not meet: MEDICAL" in aunt.reasons
    reo = result.candidates[6]
    assert reo.meets_all_needs and reo.same_school_area and reo.shares_language
    assert reo.reasons[1:] == [
        "cannot keep the 2 siblings together (2 place(s) for them)",
        "meets every stated need",
        "in the school's area: the child can stay at their school",
        "speaks a language of the child",
    ]


async def test_stated_needs_exclude_and_limits_apply(whanau: tuple[OwnPlacement, Whanau]) -> None:
    service, w = whanau
    access = await service.stub.SearchPlacements(
        P.SearchPlacementsRequest(child_ids=w.children[:1], needs=P.PlacementNeeds(wheelchair_access=True))
    )
    assert named(w, access.result) == ["residence"]
    excluded = {REASONS[e.reason]: e.count for e in access.result.excluded}
    assert excluded["NO_ACCESSIBILITY"] == 9 and excluded["NO_CAPACITY"] == 1

    top = await service.stub.SearchPlacements(P.SearchPlacementsRequest(child_ids=w.children[:1], max_candidates=3))
    assert named(w, top.result) == ["nana", "aunt", "hapu"]
    assert (top.result.eligible, top.result.widened) == (9, False)  # enough near the school: the region unsearched

    close = await service.stub.SearchPlacements(
        P.SearchPlacementsRequest(child_ids=w.children[:1], max_kinship_degree=2)
    )
    tiers = {name: TIERS[c.tier] for name, c in zip(named(w, close.result), close.result.candidates, strict=True)}
    assert tiers["nana"] == "WHANAU" and tiers["aunt"] == "NON_KIN"  # an aunt is degree 3


async def test_a_bad_search_names_the_field(whanau: tuple[OwnPlacement, Whanau]) -> None:
    service, w = whanau
    stranger = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.stub.SearchPlacements(P.SearchPlacementsRequest(child_ids=[w.children[0], stranger]))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.description) for v in field_violations(raised.value)] == [("child_ids[1]", "no such person")]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.stub.SearchPlacements(
            P.SearchPlacementsRequest(
                child_ids=["x"],
                max_kinship_degree=5,
                needs=P.PlacementNeeds(region="mars", support_needs=[42]),  # type: ignore[list-item]
            )
        )
    assert {v.field for v in field_violations(raised.value)} == {
        "child_ids[0]",
        "max_kinship_degree",
        "needs.region",
        "needs.support_needs[0]",
    }


async def test_a_case_search_is_recorded_and_a_repeat_returns_the_record(
    whanau: tuple[OwnPlacement, Whanau], platform: Platform
) -> None:
    service, w = whanau
    case_id = str(uuid.uuid4())
    none_linked = P.SearchForCaseRequest(case_id=case_id, search_id=str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.stub.SearchForCase(none_linked)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no children are linked" in (raised.value.details() or "")

    case_id = (await open_case(platform)).case.case_id  # a real case, for the caller's scope
    linked = await service.stub.LinkCaseChildren(P.LinkCaseChildrenRequest(case_id=case_id, child_ids=w.children))
    assert list(linked.child_ids) == w.children
    request = P.SearchForCaseRequest(case_id=case_id, search_id=str(uuid.uuid4()))
    first = await service.stub.SearchForCase(request)
    again = await service.stub.SearchForCase(request)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.result == first.result and named(w, first.result)[0] == "nana"
    assert list(first.result.child_ids) == w.children
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.stub.SearchForCase(P.SearchForCaseRequest(case_id=str(uuid.uuid4()), search_id=request.search_id))
    assert [v.field for v in field_violations(raised.value)] == ["search_id"]


# -- a generated network, against the rules stated plainly ---------------------------------


@pytest.fixture(scope="module")
async def generated(own: Own) -> tuple[OwnPlacement, Network]:
    url = await new_database(own.settings)
    network = await generate(url, Shape(4000, seed=11, today=_today()))
    return await own.serve(url), network


def expected(network: Network, children: list[uuid.UUID], limit: int = 20, max_degree: int = 4) -> dict[str, Any]:
    """The search's answer, worked out in plain Python from the generated rows."""
    people = {p[0]: p for p in network.people}
    edges: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for a, b, _, degree in network.relationships:
        edges[a].append((b, degree))
        edges[b].append((a, degree))
    best: dict[uuid.UUID, int] = {}
    queue = [(0, c) for c in children]
    while queue:
        degree, at = heapq.heappop(queue)
        if at in best:
            continue
        best[at] = degree
        for other, step in edges[at]:
            if other not in best and degree + step <= max_degree:
                heapq.heappush(queue, (degree + step, other))
    whanau = {p: d for p, d in best.items() if p not in children}
    families = {f for f, p, _ in network.family_members if p in children}
    family = {p for f, p, _ in network.family_members if f in families and p not in children}
    iwi = {i for p, i, _ in network.affiliations if p in children}
    hapu = {h for p, _, h in network.affiliations if p in children and h}
    first = people[children[0]]
    region, area = first[3], first[4]
    wheelchair = any(people[c][7] for c in children)
    languages = {lang for c in children for lang in people[c][6]}
    supports = {s for c in children for s in people[c][8]}
    today = _today()

    def eligible(c: tuple[Any, ...]) -> bool:
        return c[13] == "APPROVED" and c[15] > today and c[6] - c[7] - c[8] >= 1 and (not wheelchair or c[9])

    def near(c: tuple[Any, ...]) -> bool:
        return (
            bool(set(c[17]) & hapu or set(c[16]) & iwi)
            or c[1] == "RESIDENCE"
            or (c[1] == "HOUSEHOLD" and c[4] == region and c[5] == area)
        )

    known = set(whanau) | family
    pool = [c for c in network.caregivers if near(c) or c[2] in known]
    widened = sum(1 for c in pool if eligible(c)) < limit
    if widened:
        pool += [
            c
            for c in network.caregivers
            if c[1] == "HOUSEHOLD" and c[4] == region and c[5] != area and not near(c) and c[2] not in known
        ]
    excluded: dict[str, int] = defaultdict(int)
    ranked = []
    n = len(children)
    for c in pool:
        free = c[6] - c[7] - c[8]
        if c[13] != "APPROVED":
            excluded["NOT_APPROVED"] += 1
        elif c[15] <= today:
            excluded["APPROVAL_EXPIRED"] += 1
        elif free < 1:
            excluded["NO_CAPACITY"] += 1
        elif wheelchair and not c[9]:
            excluded["NO_ACCESSIBILITY"] += 1
        else:
            tier = (
                1
                if c[2] in whanau
                else 2
                if set(c[17]) & hapu
                else 3
                if set(c[16]) & iwi
                else 4
                if c[2] in family
                else 5
                if c[1] == "HOUSEHOLD"
                else 6
            )
            keeps = n == 1 or (free >= n and c[11])
            meets = supports <= set(c[12])
            same_region = c[4] == region
            same_area = same_region and c[5] == area
            language = not languages or bool(languages & set(c[10]))
            key = (
                tier,
                whanau.get(c[2], 0) if tier == 1 else 0,
                not keeps,
                not meets,
                not same_area,
                not same_region,
                not language,
                -free,
                c[0],
            )
            ranked.append((key, c[0]))
    ranked.sort()
    return {
        "ids": [str(i) for _, i in ranked[:limit]],
        "tiers": [ORDER[k[0] - 1] for k, _ in ranked[:limit]],
        "excluded": dict(excluded),
        "considered": len(pool),
        "eligible": len(ranked),
        "widened": widened,
    }


async def test_searches_of_a_generated_network_follow_the_rules(generated: tuple[OwnPlacement, Network]) -> None:
    service, network = generated
    groups = random.Random(3).sample(network.sibling_groups, 25)
    kin_found = 0
    for group in groups:
        result = (
            await service.stub.SearchPlacements(P.SearchPlacementsRequest(child_ids=[str(c) for c in group[:3]]))
        ).result
        want = expected(network, group[:3])
        got = {
            "ids": [c.caregiver_id for c in result.candidates],
            "tiers": [TIERS[c.tier] for c in result.candidates],
            "excluded": {REASONS[e.reason]: e.count for e in result.excluded},
            "considered": result.considered,
            "eligible": result.eligible,
            "widened": result.widened,
        }
        assert got == want
        kin_found += "WHANAU" in got["tiers"]
    assert kin_found >= 5  # the generated network gives many children whānau caregivers
