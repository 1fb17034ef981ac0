"""The triage inbox and the case page against the real platform: a case awaiting triage is
listed with the rules' proposal and why; a decision that departs from the proposal without
a rationale is refused in the service's words and changes nothing; one with it is recorded
as the person signed in; the case page shows the record in New Zealand time, with no
personal data in its title."""

from __future__ import annotations

import html

from starlette.applications import Starlette

from kahu.v1 import common_pb2, intake_pb2_grpc
from tests.conftest import Platform
from tests.console.conftest import TRIAGE_SITE, Browserless, client
from tests.console.html import form, parse
from tests.intake.reports import actions, assessed, decide, get_case, open_case, submit_request
from tests.polling import eventually

INTAKE_WORKER = "sw.console"


async def _case_in_triage(platform: Platform) -> tuple[str, str]:
    """A case at TRIAGE_SITE awaiting triage: its id and the child's name."""
    request = submit_request()
    request.report.site = TRIAGE_SITE
    opened = await open_case(platform, request)
    return opened.case.case_id, request.report.children[0].name


async def test_a_decision_is_refused_without_a_rationale_then_recorded_with_one(
    platform: Platform, person: Browserless
) -> None:
    case_id, child = await _case_in_triage(platform)
    proposal = (await get_case(platform, case_id)).proposal
    await person.sign_in("intake_social_worker", TRIAGE_SITE, INTAKE_WORKER)

    inbox = await person.http.get("/triage", params={"site": TRIAGE_SITE})
    assert inbox.status_code == 200
    assert f'href="/triage/{case_id}"' in inbox.text
    assert proposal.fired_rules and all(rule.description in inbox.text for rule in proposal.fired_rules)
    assert child not in inbox.text

    form_page = await person.http.get(f"/triage/{case_id}")
    assert form_page.status_code == 200
    other = next(
        p
        for p in ("PATHWAY_NO_FURTHER_ACTION", "PATHWAY_JOINT_INVESTIGATION")
        if common_pb2.Pathway.Value(p) != proposal.pathway
    )
    refused = await person.submit(form_page, "decision", pathway=other, timeframe="", reason="")
    assert refused.status_code == 400, refused.text
    page = parse(refused.text)
    assert page.title.startswith("Error: ") and page.summary_links
    assert (await get_case(platform, case_id)).decision.decided_by == ""

    chosen = common_pb2.Pathway.Name(proposal.pathway)
    timeframe = common_pb2.Timeframe.Name(proposal.timeframe) if proposal.timeframe else ""
    recorded = await person.submit(
        refused, "decision", pathway=chosen, timeframe=timeframe, reason="As the rules propose."
    )
    assert recorded.status_code == 303, recorded.text

    async def decided() -> str:
        return (await get_case(platform, case_id)).decision.decided_by

    assert await eventually(decided) == INTAKE_WORKER


async def test_the_case_page_shows_the_record_without_personal_data_in_its_title(
    platform: Platform, person: Browserless
) -> None:
    case_id, child = await _case_in_triage(platform)
    await person.sign_in("supervisor", TRIAGE_SITE, "sup.console")
    shown = await person.http.get(f"/cases/{case_id}")
    assert shown.status_code == 200
    page = parse(shown.text)
    assert page.title == f"Case {case_id[:8]} - Kahu"
    assert child in shown.text  # the report's people, in the page body only
    record = await get_case(platform, case_id)
    assert all(entry.action in shown.text for entry in record.timeline)
    assert "Times are New Zealand time" in shown.text


async def test_a_case_outside_the_persons_sites_is_refused(platform: Platform, person: Browserless) -> None:
    case_id, child = await _case_in_triage(platform)
    await person.sign_in("supervisor", "northland", "sup.elsewhere")
    shown = await person.http.get(f"/cases/{case_id}")
    assert shown.status_code == 403
    assert "The service refused" in shown.text and child not in shown.text


async def test_a_departure_from_the_proposal_waits_for_a_supervisors_approval(
    platform: Platform,
    approving_intake: intake_pb2_grpc.IntakeServiceStub,
    person: Browserless,
    console_app: Starlette,
) -> None:
    """Under the shipped policy (supervisors approve departures: `triage_approval`)."""
    request = submit_request()
    request.report.site = TRIAGE_SITE
    case_id = (await approving_intake.SubmitReport(request)).case_id

    async def proposed() -> bool:
        return (await get_case(platform, case_id)).HasField("proposal")

    await eventually(proposed)
    proposal = (await get_case(platform, case_id)).proposal
    assert proposal.pathway != common_pb2.PATHWAY_NO_FURTHER_ACTION
    await person.sign_in("intake_social_worker", TRIAGE_SITE, INTAKE_WORKER)
    decided = await person.submit(
        await person.http.get(f"/triage/{case_id}"),
        "decision",
        pathway="PATHWAY_NO_FURTHER_ACTION",
        timeframe="",
        reason="The family is already supported by a community partner.",
    )
    assert decided.status_code == 303, decided.text
    told = await person.http.get(decided.headers["location"])
    assert "It waits for a supervisor&#39;s approval." in told.text

    async def awaiting() -> str:
        return (await get_case(platform, case_id)).awaiting_approval.decided_by

    assert await eventually(awaiting) == INTAKE_WORKER

    async with client(console_app) as http:
        supervisor = Browserless(http)
        await supervisor.sign_in("supervisor", TRIAGE_SITE, "sup.approver")
        kind = str(common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL)

        async def on_queue() -> bool:
            queue = await http.get("/queue", params={"site": TRIAGE_SITE, "kind": kind})
            return f'href="/cases/{case_id}#approval"' in queue.text

        await eventually(on_queue)
        case_page = await http.get(f"/cases/{case_id}")
        assert "A triage decision awaits approval" in case_page.text
        unchosen = await supervisor.submit(case_page, "approval-triage_decision", reason="Agreed.")
        assert unchosen.status_code == 400
        assert "#approval-triage_decision-approved" in parse(unchosen.text).summary_links
        approved = await supervisor.submit(unchosen, "approval-triage_decision", approved="yes", reason="Agreed.")
        assert (approved.status_code, approved.headers["location"]) == (303, f"/cases/{case_id}")

    async def in_effect() -> bool:
        shown = await get_case(platform, case_id)
        return shown.decision.pathway == common_pb2.PATHWAY_NO_FURTHER_ACTION and not shown.awaiting_approval.decided_by

    await eventually(in_effect)
    assert "approval.granted" in actions((await get_case(platform, case_id)).timeline)


async def test_a_supervisor_approves_seeking_custody_on_the_case_page(platform: Platform, person: Browserless) -> None:
    case_id, _ = await _case_in_triage(platform)
    await decide(platform, case_id)

    await assessed(
        platform,
        case_id,
        common_pb2.OUTCOME_SEEK_CUSTODY,
        social_worker="sw.mere",
        site=TRIAGE_SITE,
        allocated_by="sup.tui",
        reason="No safe caregiver at home.",
    )
    await person.sign_in("supervisor", TRIAGE_SITE, "sup.custody")

    async def awaiting() -> str:
        shown = await person.http.get(f"/cases/{case_id}")
        return shown.text if 'id="approval-seek_custody"' in shown.text else ""

    case_page = await eventually(awaiting)
    assert "No safe caregiver at home." in html.unescape(case_page)
    approved = await person.http.post(
        f"/cases/{case_id}/approval",
        data={**form(case_page, "approval-seek_custody").fields, "approved": "yes", "reason": "Agreed: seek custody."},
    )
    assert approved.status_code == 303, approved.text

    async def granted() -> bool:
        return "approval.granted" in actions((await get_case(platform, case_id)).timeline)

    await eventually(granted)
    assert [e.actor for e in (await get_case(platform, case_id)).timeline if e.action == "approval.granted"] == [
        "sup.custody"
    ]
