"""`kahu placement` against the real in-process platform: a case's placement search shown
with its ranked candidates, a candidate selected, the caregiver's answer, a new search; the
network the tests build through PlacementService itself (network editing is not the CLI's)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from kahu.v1 import placement_pb2 as P
from tests.cli.conftest import Kahu
from tests.conftest import Platform
from tests.placement.network import caregiver, person, placement, relate
from tests.placement.test_case_placement import custody_approved
from tests.polling import eventually
from tests.tokens import mint, staff


async def _family(platform: Platform) -> tuple[str, str, str]:
    """A child with a nana (grandparent, degree 2) and an aunt (degree 3), each an approved
    household with one place: (the child, nana's caregiver id, the aunt's)."""
    stub = placement(platform)
    child = await person(stub, f"Mokopuna {uuid.uuid4().hex[:8]}", address_area="Naenae")
    mum = await person(stub, "Mum")
    nana = await person(stub, f"Kuia {uuid.uuid4().hex[:8]}")
    aunt = await person(stub, "Aunty")
    await relate(stub, mum, P.KINSHIP_PARENT, child)
    await relate(stub, nana, P.KINSHIP_PARENT, mum)
    await relate(stub, aunt, P.KINSHIP_AUNT_UNCLE, child)
    nana_carer = await caregiver(stub, nana, area="Naenae", capacity=1)
    aunt_carer = await caregiver(stub, aunt, area="Wainuiomata", capacity=1)
    return child, nana_carer, aunt_carer


async def _searched(kahu: Kahu, case_id: str) -> Any:
    """The case's placement search once it has searched and its selection clock runs (the
    workflow records the search first, then starts the clock)."""

    async def probe() -> Any:
        result = await kahu("placement", "show", case_id, "--json")
        if result.exit_code != 0:
            return None
        search = json.loads(result.stdout)["search"]
        return search if search["search_id"] and "deadline" in search else None

    return await eventually(probe)


async def test_a_social_worker_links_the_children_and_places_them_with_whanau(
    platform: Platform, kahu: Kahu, report_file: Path
) -> None:
    child, nana_carer, aunt_carer = await _family(platform)
    case_id = str((await kahu.json("report", "submit", str(report_file)))["case_id"])
    linked = await kahu.json("placement", "link", case_id, child)
    assert linked["child_ids"] == [child]

    # the case to a decision to seek custody, approved, all through the CLI
    async def proposed() -> Any:
        shown = await kahu.json("case", "show", case_id)
        return shown if "proposal" in shown else None

    await eventually(proposed)
    await kahu.ok(
        "triage", "decide", case_id, "--pathway", "child-and-family-assessment", "--timeframe", "urgent",
        "--reason", "Family violence witnessed by a young child.", "--by", "sw.aroha",
    )  # fmt: skip
    await kahu.case_at(case_id, "CASE_STAGE_ASSESSMENT")

    async def allocated() -> bool:
        result = await kahu(
            "assessment", "allocate", case_id, "--social-worker", "sw.tama", "--site", "hutt", "--by", "sup.mere"
        )
        return result.exit_code == 0

    await eventually(allocated)
    await kahu.ok(
        "assessment", "complete", case_id, "--outcome", "seek-custody", "--reason", "No safe caregiver at home.",
        "--by", "sw.tama",
    )  # fmt: skip
    await kahu.ok("queue", "approve", case_id, "--reason", "Safety cannot be assured at home.", "--by", "sup.mere")

    search = await _searched(kahu, case_id)
    assert search["stage"] == "PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION"
    best, second = search["candidates"][:2]
    assert (best["caregiver_id"], best["tier"], best["kinship_degree"], best["rank"]) == (
        nana_carer, "PLACEMENT_TIER_WHANAU", 2, 1,
    )  # fmt: skip
    assert (second["caregiver_id"], second["kinship_degree"]) == (aunt_carer, 3)
    assert best["reasons"], "the reasons come from the recorded search"
    assert search["deadline"]["kind"] == "DEADLINE_KIND_PLACEMENT"

    table = (await kahu.ok("placement", "show", case_id)).stdout
    assert "awaiting-selection" in table
    assert nana_carer in table and aunt_carer in table
    assert "whanau (degree 2)" in table
    assert best["reasons"][0] in table
    assert table.index(nana_carer) < table.index(aunt_carer)  # best first

    shown_child = await kahu.ok("placement", "person", child)
    assert "Mokopuna" in shown_child.stdout and "Naenae" in shown_child.stdout

    held = await kahu.json(
        "placement", "select", case_id, "--caregiver", nana_carer, "--reason", "Nana is closest.", "--by", "sw.tama"
    )
    assert held["search"]["stage"] == "PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER"
    assert (held["search"]["hold"]["caregiver_id"], held["search"]["hold"]["status"]) == (
        nana_carer, "HOLD_STATUS_HELD",
    )  # fmt: skip
    carer = (await kahu.json("placement", "caregiver", nana_carer))["caregiver"]
    assert (carer["placed"], carer["held"]) == (0, 1)

    key = f"cli-answer-{uuid.uuid4()}"
    answer = ["placement", "answer", case_id, "--accepted", "--note", "Nana agrees.", "--by", "sw.tama"]
    placed = await kahu.json(*answer, "--idempotency-key", key)
    again = await kahu.json(*answer, "--idempotency-key", key)
    assert placed["search"]["placed_caregiver_id"] == nana_carer
    assert (placed["replayed"], again["replayed"]) == (False, True)

    closed = await kahu.case_at(case_id, "CASE_STAGE_CLOSED")
    assert {"placement.selected", "placement.confirmed"} <= {e["action"] for e in closed["timeline"]}
    carer_table = (await kahu.ok("placement", "caregiver", nana_carer)).stdout
    assert "1 (1 placed, 0 held)" in carer_table


async def test_a_decline_frees_the_place_and_a_new_search_starts_a_new_cycle(platform: Platform, kahu: Kahu) -> None:
    child, nana_carer, aunt_carer = await _family(platform)
    case_id = await custody_approved(platform, [child])  # allocated to sw.mere, approved by sup.tui
    await _searched(kahu, case_id)

    no_reason = await kahu("placement", "select", case_id, "--caregiver", aunt_carer, "--by", "sw.mere")
    assert no_reason.exit_code == 2, no_reason.output
    assert no_reason.stderr.startswith("kahu: error: placement SelectCandidate: FAILED_PRECONDITION: ")
    assert "needs a reason" in no_reason.stderr
    stranger = await kahu("placement", "select", case_id, "--caregiver", str(uuid.uuid4()), "--by", "sw.mere")
    assert stranger.exit_code == 2 and "is not a candidate" in stranger.stderr
    not_an_id = await kahu("placement", "select", case_id, "--caregiver", "nana", "--by", "sw.mere")
    assert not_an_id.exit_code == 2 and "'nana' is not an id (a UUID)" in not_an_id.output

    await kahu.ok("placement", "select", case_id, "--caregiver", nana_carer, "--by", "sw.mere")
    declined = await kahu.json(
        "placement", "answer", case_id, "--declined", "--note", "Nana is unwell.", "--by", "sw.mere"
    )
    assert nana_carer in declined["search"]["unavailable_caregiver_ids"]
    assert "placement.declined" in [e["action"] for e in declined["search"]["timeline"]]

    async def released() -> Any:  # the workflow releases the hold once, after the answer
        search = (await kahu.json("placement", "show", case_id))["search"]
        return search if search["stage"] == "PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION" else None

    await eventually(released)
    carer = (await kahu.json("placement", "caregiver", nana_carer))["caregiver"]
    assert (carer["placed"], carer["held"]) == (0, 0)
    assert "Household (unavailable)" in (await kahu.ok("placement", "show", case_id)).stdout

    rerun = await kahu.json("placement", "rerun", case_id, "--reason", "Aunty's approval renewed.", "--by", "sw.mere")
    assert [e["action"] for e in rerun["search"]["timeline"]].count("placement.searched") == 2

    dangling = await kahu("placement", "link", case_id, str(uuid.uuid4()))
    assert dangling.exit_code == 2, dangling.output
    assert "INVALID_ARGUMENT" in dangling.stderr and "child_ids" in dangling.stderr

    outsider = mint(kahu.settings, staff("sw.other", roles=frozenset({"social_worker"})))
    denied = await kahu("placement", "show", case_id, token=outsider)
    assert denied.exit_code == 1
    assert "PERMISSION_DENIED" in denied.stderr and denied.stdout == ""
