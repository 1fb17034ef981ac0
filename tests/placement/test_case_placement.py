"""A case's placement end to end: intake, triage, assessment, seeking custody approved, the
placement search through PlacementService and the worker, the hold and the caregiver's
answer, the placement on the case's record and the case closed; and a search with no
candidate escalating to the supervisor like a missed deadline."""

from __future__ import annotations

import uuid

import asyncpg
import grpc

from kahu.v1 import assessment_pb2, common_pb2, placement_pb2, supervision_pb2
from services.common.codec import EncryptionCodec
from tests.conftest import Platform
from tests.history import decrypted, raw_history
from tests.intake.reports import actions, closed_case, decide, open_case
from tests.placement.network import caregiver, person, placement, relate
from tests.polling import eventually
from workflows.case.model import placement_workflow_id

P = placement_pb2


def key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def custody_approved(platform: Platform, children: list[str] | None) -> str:
    """A case whose decision to seek custody was approved (its children linked first when
    given), once its placement search has searched and awaits a selection (on the record)."""
    case_id = (await open_case(platform)).case.case_id
    stub = placement(platform)
    if children:
        await stub.LinkCaseChildren(P.LinkCaseChildrenRequest(case_id=case_id, child_ids=children))
    await decide(platform, case_id)

    async def allocated() -> bool:
        try:
            await platform.assessment.Allocate(
                assessment_pb2.AllocateRequest(
                    idempotency_key=key("allocate"),
                    case_id=case_id,
                    social_worker="sw.mere",
                    site="hutt",
                    allocated_by="sup.tui",
                )
            )
        except grpc.aio.AioRpcError:
            return False
        return True

    await eventually(allocated)
    await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=key("complete"),
            case_id=case_id,
            completed_by="sw.mere",
            outcome=common_pb2.OUTCOME_SEEK_CUSTODY,
            reason="No safe caregiver at home.",
        )
    )
    await platform.supervision.DecideApproval(
        supervision_pb2.DecideApprovalRequest(
            idempotency_key=key("approve"), case_id=case_id, approved=True, decided_by="sup.tui", reason="Agreed."
        )
    )

    async def searched() -> bool:  # on the record: searched, and its selection clock running
        try:
            found = await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))
        except grpc.aio.AioRpcError:
            return False
        return bool(found.search.search_id) and found.search.HasField("deadline")

    await eventually(searched)
    return case_id


async def test_seeking_custody_places_the_children_with_whanau_and_closes_the_case(platform: Platform) -> None:
    stub = placement(platform)
    child_name = f"Mokopuna {uuid.uuid4().hex[:8]}"
    carer_name = f"Kuia {uuid.uuid4().hex[:8]}"
    child = await person(stub, child_name, address_area="Naenae")
    mum = await person(stub, "Mum")
    nana = await person(stub, carer_name)
    await relate(stub, mum, P.KINSHIP_PARENT, child)
    await relate(stub, nana, P.KINSHIP_PARENT, mum)
    nana_carer = await caregiver(stub, nana, area="Naenae", capacity=1)

    case_id = await custody_approved(platform, [child])
    shown = (await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))).search
    assert shown.stage == P.PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION
    best = shown.candidates[0]
    assert (best.caregiver_id, best.tier, best.kinship_degree) == (nana_carer, P.PLACEMENT_TIER_WHANAU, 2)
    assert best.reasons and best.name == "Household"  # the reasons and names come from the service, not Temporal
    assert shown.deadline.kind == common_pb2.DEADLINE_KIND_PLACEMENT and not shown.deadline.breached

    select = P.SelectCandidateRequest(
        idempotency_key=key("select"), case_id=case_id, caregiver_id=nana_carer, selected_by="sw.mere"
    )
    held = await stub.SelectCandidate(select)
    assert held.search.stage == P.PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER
    assert held.search.hold.caregiver_id == nana_carer and held.search.hold.status == P.HOLD_STATUS_HELD
    assert (await stub.SelectCandidate(select)).replayed
    carer = (await stub.GetCaregiver(P.GetCaregiverRequest(caregiver_id=nana_carer))).caregiver
    assert (carer.placed, carer.held) == (0, 1)

    answer = P.RecordCaregiverAnswerRequest(
        idempotency_key=key("answer"), case_id=case_id, accepted=True, recorded_by="sw.mere", note="Kuia agrees."
    )
    placed = await stub.RecordCaregiverAnswer(answer)
    assert placed.search.placed_caregiver_id == nana_carer
    assert (await stub.RecordCaregiverAnswer(answer)).replayed

    case = await closed_case(platform, case_id)
    steps = actions(case.timeline)
    for earlier, later in [
        ("approval.granted", "placement.started"),
        ("placement.started", "placement.selected"),
        ("placement.selected", "placement.confirmed"),
        ("placement.confirmed", "placement.recorded"),
        ("placement.recorded", "case.closed"),
    ]:
        assert steps.index(earlier) < steps.index(later)
    carer = (await stub.GetCaregiver(P.GetCaregiverRequest(caregiver_id=nana_carer))).caregiver
    assert (carer.placed, carer.held) == (1, 0)

    stored, found = await raw_history(platform.temporal, placement_workflow_id(case_id))  # as Temporal keeps it
    inside = decrypted(EncryptionCodec.from_dir(platform.settings.payload_keys_dir), found)
    assert nana_carer.encode() in inside  # the workflow carries the caregiver's id ...
    for name in (child_name, carer_name):  # ... never a name
        assert name.encode() not in stored + inside


async def test_no_candidate_escalates_to_the_supervisor_who_acknowledges_and_a_new_search_finds_one(
    platform: Platform,
) -> None:
    case_id = await custody_approved(platform, None)  # nobody linked: nobody to search for

    async def escalated() -> str | None:
        conn = await asyncpg.connect(platform.database_url)
        try:
            found = await conn.fetchval(
                "SELECT escalation_id FROM supervision.escalations WHERE case_id = $1 AND kind = 'PLACEMENT'",
                uuid.UUID(case_id),
            )
        finally:
            await conn.close()
        return None if found is None else str(found)

    escalation_id = await eventually(escalated)
    acked = await platform.supervision.Acknowledge(
        supervision_pb2.AcknowledgeRequest(
            idempotency_key=key("ack"), escalation_id=escalation_id, acknowledged_by="sup.tui", note="Finding whānau."
        )
    )
    assert acked.escalation.kind == common_pb2.DEADLINE_KIND_PLACEMENT and acked.escalation.acknowledged_by

    stub = placement(platform)
    child = await person(stub, "Tamaiti")
    aunt = await person(stub, "Aunty")
    await relate(stub, aunt, P.KINSHIP_AUNT_UNCLE, child)
    aunt_carer = await caregiver(stub, aunt, area="Wainuiomata")
    await stub.LinkCaseChildren(P.LinkCaseChildrenRequest(case_id=case_id, child_ids=[child]))
    rerun = await stub.RerunSearch(
        P.RerunSearchRequest(
            idempotency_key=key("rerun"), case_id=case_id, requested_by="sw.mere", reason="Aunty approved as carer."
        )
    )
    assert rerun.search.candidates[0].caregiver_id == aunt_carer
    steps = [e.action for e in rerun.search.timeline]
    assert steps.count("placement.searched") == 2 and "escalation.acknowledged" in steps

    async def resolved() -> bool:
        conn = await asyncpg.connect(platform.database_url)
        try:
            open_ = await conn.fetchval(
                "SELECT count(*) FROM supervision.escalations"
                " WHERE case_id = $1 AND kind = 'PLACEMENT' AND resolved_at IS NULL",
                uuid.UUID(case_id),
            )
        finally:
            await conn.close()
        return open_ == 0

    await eventually(resolved)  # the new search started a new selection cycle

    async def new_cycle() -> P.PlacementSearch | None:
        search = (await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))).search
        return search if search.HasField("deadline") and not search.deadline.breached else None

    search = await eventually(new_cycle)
    extended = await platform.supervision.ExtendDeadline(
        supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=key("extend"),
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_PLACEMENT,
            due_at=search.deadline.due_at.__class__(seconds=search.deadline.due_at.seconds + 86400),
            extended_by="sup.tui",
            reason="Whānau hui on Friday.",
            reason_code="FAMILY_REQUESTED",
        )
    )
    assert extended.deadline.kind == common_pb2.DEADLINE_KIND_PLACEMENT
    assert extended.deadline.due_at.seconds == search.deadline.due_at.seconds + 86400
