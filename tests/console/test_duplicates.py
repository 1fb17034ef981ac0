"""Possible duplicates in the triage inbox against the real platform, without JavaScript: a
report flagged as possibly about another open case's child is listed beside the cases
awaiting triage (its case tagged); linking it with a reason resolves it, as the person
signed in, on both cases' timelines; an empty reason is refused in the service's words on
its form, with the field linked from the error summary; a role intake does not let decide
is refused on the form; a form sent twice acts once."""

from __future__ import annotations

import asyncio
import html
import re
import uuid

import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.console.conftest import TRIAGE_SITE, Browserless
from tests.console.html import form, parse
from tests.intake.reports import actions, further_report, get_case, possible_duplicate, submit_request
from tests.polling import eventually

INTAKE_WORKER = "sw.duplicates"
LINK = "DUPLICATE_DECISION_LINK"
SEPARATE = "DUPLICATE_DECISION_SEPARATE"


async def _flagged(platform: Platform, case_id: str, status: int = 0) -> intake_pb2.PossibleDuplicate | None:
    """The possible duplicate flagged on `case_id` at TRIAGE_SITE with `status` (open by default)."""
    listing = await platform.intake.ListPossibleDuplicates(
        intake_pb2.ListPossibleDuplicatesRequest(site=TRIAGE_SITE, status=status, page_size=500)  # type: ignore[arg-type]
    )
    found = [d for d in listing.possible_duplicates if d.case_id == case_id]
    return found[0] if found else None


async def _service_says_of_an_empty_reason(platform: Platform, duplicate: intake_pb2.PossibleDuplicate) -> str:
    """What intake itself says of a decision without a reason (nothing is decided)."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.intake.ResolvePossibleDuplicate(
            intake_pb2.ResolvePossibleDuplicateRequest(
                idempotency_key=f"dup-{uuid.uuid4()}",
                case_id=duplicate.case_id,
                other_case_id=duplicate.other_case_id,
                decision=intake_pb2.DUPLICATE_DECISION_LINK,
                reason="",
                decided_by=INTAKE_WORKER,
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    (violation,) = [v for v in field_violations(refused.value) if v.field == "reason"]
    return violation.description


async def test_a_possible_duplicate_is_listed_refused_without_a_reason_then_linked_with_one(
    platform: Platform, person: Browserless
) -> None:
    first, flagged = await possible_duplicate(platform, TRIAGE_SITE)
    duplicate = await _flagged(platform, flagged)
    assert duplicate is not None and duplicate.other_case_id == first
    fid = f"duplicate-{duplicate.duplicate_id}"
    await person.sign_in("intake_social_worker", TRIAGE_SITE, INTAKE_WORKER)

    inbox = await person.http.get("/triage", params={"site": TRIAGE_SITE})
    assert inbox.status_code == 200
    assert "Possible duplicates" in inbox.text
    found = form(inbox.text, fid)
    assert found.action == "/triage/duplicates"
    assert (found.fields["case_id"], found.fields["other_case_id"]) == (flagged, first)
    assert found.fields["csrf_token"] and found.fields["idempotency_key"].startswith("console-")
    assert f'href="/cases/{flagged}"' in inbox.text and f'href="/cases/{first}"' in inbox.text
    # the flagged case awaits triage too: its row is tagged
    row = re.search(rf"Decide case {flagged[:8]}</a>.*?</h3>", inbox.text, re.S)
    assert row is not None and "possible duplicate" in row.group(0)
    record = await get_case(platform, flagged)
    assert record.reports[0].report.children[0].name not in inbox.text  # ids only

    refused = await person.submit(inbox, fid, decision=LINK, reason="  ")
    assert refused.status_code == 400, refused.text
    page = parse(refused.text)
    assert page.title.startswith("Error: ")
    assert f"#{fid}-reason" in page.summary_links
    said = await _service_says_of_an_empty_reason(platform, duplicate)
    error = re.search(rf'<p class="field-error" id="{fid}-reason-error">(.*?)</p>', refused.text, re.S)
    assert error is not None and said in error.group(1)
    assert f'aria-describedby="{fid}-reason-hint {fid}-reason-error" aria-invalid="true"' in refused.text
    assert await _flagged(platform, flagged) is not None  # still open

    reason = "Same child: the school confirmed the age; the name's words were swapped."
    linked = await person.submit(refused, fid, decision=LINK, reason=reason)
    assert (linked.status_code, linked.headers["location"]) == (303, f"/triage?site={TRIAGE_SITE}"), linked.text
    told = await person.http.get(linked.headers["location"])
    assert f"Case {flagged[:8]} is linked to case {first[:8]}" in told.text
    assert fid not in told.text

    assert await _flagged(platform, flagged) is None
    decided = await _flagged(platform, flagged, intake_pb2.POSSIBLE_DUPLICATE_STATUS_LINKED)
    assert decided is not None and (decided.decided_by, decided.reason) == (INTAKE_WORKER, reason)
    for case_id in (flagged, first):
        timeline = (await get_case(platform, case_id)).timeline
        assert [(e.actor, reason in e.detail) for e in timeline if e.action == "possible_duplicate.linked"] == [
            (INTAKE_WORKER, True)
        ]
    shown = await person.http.get(f"/cases/{flagged}")
    assert "possible_duplicate.linked" in shown.text and reason in html.unescape(shown.text)


async def test_a_role_intake_does_not_let_decide_is_refused_on_the_form(
    platform: Platform, person: Browserless
) -> None:
    _, flagged = await possible_duplicate(platform, TRIAGE_SITE)
    duplicate = await _flagged(platform, flagged)
    assert duplicate is not None
    fid = f"duplicate-{duplicate.duplicate_id}"
    await person.sign_in("regional_manager", TRIAGE_SITE, "rm.duplicates")  # lists them; decides none
    inbox = await person.http.get("/triage", params={"site": TRIAGE_SITE})
    refused = await person.submit(inbox, fid, decision=SEPARATE, reason="Different children.")
    assert refused.status_code == 400, refused.text
    assert parse(refused.text).summary_links == [f"#{fid}"]
    # the service's message, on the form and in the summary
    message = re.search(rf'<form [^>]*id="{fid}".*?<p class="field-error">(.*?)</p>', refused.text, re.S)
    assert message is not None
    said = message.group(1).replace('<span class="visually-hidden">Error:</span>', "").strip()
    assert said and f'<a href="#{fid}">{said}</a>' in refused.text
    assert await _flagged(platform, flagged) is not None  # still open


async def test_a_decision_sent_twice_acts_once(platform: Platform, person: Browserless) -> None:
    first, flagged = await possible_duplicate(platform, TRIAGE_SITE)
    duplicate = await _flagged(platform, flagged)
    assert duplicate is not None
    fid = f"duplicate-{duplicate.duplicate_id}"
    await person.sign_in("intake_social_worker", TRIAGE_SITE, INTAKE_WORKER)
    inbox = await person.http.get("/triage", params={"site": TRIAGE_SITE})
    fields = {**form(inbox.text, fid).fields, "decision": SEPARATE, "reason": "Different children: twins."}
    answers = await asyncio.gather(*(person.http.post("/triage/duplicates", data=fields) for _ in range(2)))
    assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]

    async def separated() -> intake_pb2.PossibleDuplicate | None:
        return await _flagged(platform, flagged, intake_pb2.POSSIBLE_DUPLICATE_STATUS_SEPARATED)

    assert (await eventually(separated)).decided_by == INTAKE_WORKER
    for case_id in (flagged, first):
        assert actions((await get_case(platform, case_id)).timeline).count("possible_duplicate.separated") == 1


async def test_a_link_kahu_made_is_shown_on_the_case_page_and_a_person_separates_it(
    platform: Platform, person: Browserless
) -> None:
    first = submit_request()
    first.report.site = TRIAGE_SITE
    opened = (await platform.intake.SubmitReport(first)).case_id
    again = further_report(first, common_pb2.CONCERN_CATEGORY_NEGLECT, common_pb2.CONCERN_CATEGORY_PHYSICAL_ABUSE)
    again.report.site = TRIAGE_SITE
    linked = (await platform.intake.SubmitReport(again)).case_id  # another kind of concern: a case of its own
    (link,) = (await get_case(platform, linked)).possible_duplicates
    assert (link.status, link.decided_by) == (intake_pb2.POSSIBLE_DUPLICATE_STATUS_LINKED, "kahu")
    fid = f"duplicate-{link.duplicate_id}"
    await person.sign_in("intake_social_worker", TRIAGE_SITE, INTAKE_WORKER)

    shown = await person.http.get(f"/cases/{opened}")
    assert shown.status_code == 200 and "Related cases" in shown.text
    assert f'href="/cases/{linked}"' in shown.text and "the same child" in shown.text
    found = form(shown.text, fid)
    assert found.action == f"/cases/{opened}/duplicates"
    assert "DUPLICATE_DECISION_LINK" not in shown.text  # Kahu linked them: a person may only separate

    refused = await person.submit(shown, fid, decision=SEPARATE, reason="")
    assert refused.status_code == 400 and f"#{fid}-reason" in parse(refused.text).summary_links
    reason = "Two children of one name: different schools and dates of birth."
    separated = await person.submit(refused, fid, decision=SEPARATE, reason=reason)
    assert (separated.status_code, separated.headers["location"]) == (303, f"/cases/{opened}#related")
    after = await person.http.get(f"/cases/{opened}")
    assert "not the same child" in after.text and fid not in parse(after.text).forms
    for case_id in (opened, linked):
        timeline = (await get_case(platform, case_id)).timeline
        assert [e.actor for e in timeline if e.action == "possible_duplicate.separated"] == [INTAKE_WORKER]
        assert actions(timeline).count("possible_duplicate.linked") == 1
