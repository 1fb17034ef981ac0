"""The placement search page against the real platform: a case whose decision to seek
custody was approved shows its candidates by tier with the reasons for their rank; the
supervisor selects the whānau caregiver (their places held), records that the caregiver
confirmed, and the case is placed and closed."""

from __future__ import annotations

import html
import uuid

from kahu.v1 import placement_pb2
from tests.conftest import Platform
from tests.console.conftest import Browserless
from tests.console.html import form
from tests.intake.reports import closed_case
from tests.placement.network import caregiver, placement, relate
from tests.placement.network import person as new_person
from tests.placement.test_case_placement import custody_approved

P = placement_pb2


async def test_a_supervisor_selects_a_whanau_caregiver_and_records_their_answer(
    platform: Platform, person: Browserless
) -> None:
    stub = placement(platform)
    child = await new_person(stub, f"Mokopuna {uuid.uuid4().hex[:8]}", address_area="Naenae")
    mum = await new_person(stub, "Mum")
    nana = await new_person(stub, f"Kuia {uuid.uuid4().hex[:8]}")
    await relate(stub, mum, P.KINSHIP_PARENT, child)
    await relate(stub, nana, P.KINSHIP_PARENT, mum)
    nana_carer = await caregiver(stub, nana, area="Naenae", capacity=1)
    case_id = await custody_approved(platform, [child])  # a case at hutt, awaiting a selection

    await person.sign_in("supervisor", "hutt", "sup.placement")
    case_page = await person.http.get(f"/cases/{case_id}")
    assert f'href="/cases/{case_id}/placement"' in case_page.text
    search_page = await person.http.get(f"/cases/{case_id}/placement")
    assert search_page.status_code == 200
    assert "Whānau" in search_page.text and "Why this rank" in search_page.text
    shown = (await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))).search
    assert shown.candidates[0].reasons
    assert all(reason in html.unescape(search_page.text) for reason in shown.candidates[0].reasons)

    selected = await person.submit(search_page, f"select-{nana_carer}", reason="Kuia is close and has room.")
    assert selected.status_code == 303, selected.text
    held = await person.http.get(selected.headers["location"])
    assert "Candidate selected" in held.text and "held" in held.text
    assert form(held.text, "answer").action == f"/cases/{case_id}/placement/answer"

    answered = await person.submit(held, "answer", accepted="yes", note="Kuia agrees.")
    assert answered.status_code == 303, answered.text

    record = await closed_case(platform, case_id)
    placed = (await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))).search
    assert placed.placed_caregiver_id == nana_carer
    selections = [e for e in record.timeline if e.action == "placement.selected"]
    assert [e.actor for e in selections] == ["sup.placement"]
