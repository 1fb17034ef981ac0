"""Conversions between kahu.v1 placement messages and placement's records (the network,
caregivers, holds, search results) and the placement workflow's dataclasses, used by the
placement service and by the worker's placement activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kahu.v1 import common_pb2, placement_pb2
from services.common import convert
from services.common.convert import EnumMap
from services.placement import search
from services.placement.caregivers import CaregiverRow, HoldRow
from services.placement.network import PersonRecord
from workflows.placement import model
from workflows.record_model import RecordBatch

TIER = EnumMap(model.Tier, placement_pb2.PlacementTier, "PLACEMENT_TIER_")
SEARCH_STAGE = EnumMap(model.SearchStage, placement_pb2.PlacementSearchStage, "PLACEMENT_SEARCH_STAGE_")
RELEASE_REASON = EnumMap(model.ReleaseReason, placement_pb2.ReleaseReason, "RELEASE_REASON_")

#: The workflow's hold statuses as the service shows them.
_HOLD_STATUS = {
    model.HoldStatus.HELD: placement_pb2.HOLD_STATUS_HELD,
    model.HoldStatus.CONFIRMING: placement_pb2.HOLD_STATUS_HELD,
    model.HoldStatus.DECLINED: placement_pb2.HOLD_STATUS_HELD,
    model.HoldStatus.EXPIRED: placement_pb2.HOLD_STATUS_HELD,
    model.HoldStatus.CONFIRMED: placement_pb2.HOLD_STATUS_CONFIRMED,
    model.HoldStatus.RELEASED: placement_pb2.HOLD_STATUS_RELEASED,
}


def _date(value: dt.date | None) -> common_pb2.Date | None:
    return None if value is None else common_pb2.Date(year=value.year, month=value.month, day=value.day)


def _support_needs(names: list[str]) -> list[str]:
    return [f"SUPPORT_NEED_{name}" for name in names]


def person_to_proto(p: PersonRecord) -> placement_pb2.Person:
    return placement_pb2.Person(
        person_id=str(p.person_id),
        name=p.name,
        date_of_birth=_date(p.date_of_birth),
        region=p.region,
        address_area=p.address_area,
        school=p.school,
        languages=p.languages,
        needs_wheelchair_access=p.needs_wheelchair_access,
        support_needs=_support_needs(p.support_needs),
    )


def caregiver_to_proto(row: CaregiverRow) -> placement_pb2.Caregiver:
    c = row.record
    return placement_pb2.Caregiver(
        caregiver_id=str(c.caregiver_id),
        kind=f"CAREGIVER_KIND_{c.kind}",
        person_id="" if c.person_id is None else str(c.person_id),
        name=c.name,
        region=c.region,
        address_area=c.address_area,
        capacity=c.capacity,
        wheelchair_accessible=c.wheelchair_accessible,
        languages=c.languages,
        takes_sibling_groups=c.takes_sibling_groups,
        supports=_support_needs(c.supports),
        approval=placement_pb2.Approval(
            status=f"APPROVAL_STATUS_{row.approval_status}",
            approved_on=_date(row.approved_on),
            expires_on=_date(row.approval_expires_on),
        ),
        placed=row.placed,
        held=row.held,
    )


def hold_to_proto(h: HoldRow) -> placement_pb2.Hold:
    return placement_pb2.Hold(
        hold_id=str(h.hold_id),
        caregiver_id=str(h.caregiver_id),
        case_id=str(h.case_id),
        places=h.places,
        status=f"HOLD_STATUS_{h.status}",
        expires_at=convert.timestamp(h.expires_at),
        created_at=convert.timestamp(h.created_at),
        release_reason=f"RELEASE_REASON_{h.release_reason or 'UNSPECIFIED'}",
    )


def candidate_to_proto(c: search.Ranked, children: int, needs: search.Effective) -> placement_pb2.Candidate:
    """A ranked candidate, with the reasons for its rank for `children` with `needs`."""
    return placement_pb2.Candidate(
        caregiver_id=c.caregiver_id,
        tier=f"PLACEMENT_TIER_{c.tier}",
        rank=c.rank,
        kinship_degree=c.kinship_degree,
        places=c.places,
        keeps_siblings_together=c.keeps_siblings_together,
        meets_all_needs=c.meets_all_needs,
        same_school_area=c.same_school_area,
        same_region=c.same_region,
        shares_language=c.shares_language,
        reasons=search.reasons(c, children, needs),
        name=c.name,
    )


def exclusion_name(number: int) -> str:
    return placement_pb2.ExclusionReason.Name(number).removeprefix("EXCLUSION_REASON_")


def exclusions_to_proto(excluded: Mapping[str, int]) -> list[placement_pb2.Exclusion]:
    """By reason, in the order the reasons are checked."""
    order = [exclusion_name(n) for n in placement_pb2.ExclusionReason.values() if n]
    return [
        placement_pb2.Exclusion(reason=f"EXCLUSION_REASON_{name}", count=excluded[name])
        for name in order
        if name in excluded
    ]


def outcome_from_proto(response: placement_pb2.SearchForCaseResponse) -> model.SearchOutcome:
    """A search's answer as the workflow keeps it: ids, tiers and counts only."""
    result = response.result
    return model.SearchOutcome(
        search_id=response.search_id,
        candidates=[
            model.CandidateRef(
                caregiver_id=c.caregiver_id,
                tier=model.Tier(placement_pb2.PlacementTier.Name(c.tier).removeprefix("PLACEMENT_TIER_")),
                rank=c.rank,
                places=c.places,
                kinship_degree=c.kinship_degree,
            )
            for c in result.candidates
        ],
        excluded={exclusion_name(e.reason): e.count for e in result.excluded},
        children=len(result.child_ids),
    )


def view_to_proto(
    view: model.PlacementView, recorded: Mapping[str, placement_pb2.Candidate] | None = None
) -> placement_pb2.PlacementSearch:
    """The workflow's view; each candidate with its reasons from the recorded search when
    `recorded` (by caregiver id) has it."""
    message = placement_pb2.PlacementSearch(
        case_id=view.case_id,
        stage=SEARCH_STAGE.to_proto(view.stage),
        excluded=exclusions_to_proto(view.excluded),
        unavailable_caregiver_ids=view.unavailable,
        timeline=convert.timeline_to_proto(view.timeline),
        search_id=view.search_id or "",
    )
    for ref in view.candidates:
        message.candidates.append(
            placement_pb2.Candidate(
                caregiver_id=ref.caregiver_id,
                tier=TIER.to_proto(ref.tier),
                rank=ref.rank,
                places=ref.places,
                kinship_degree=ref.kinship_degree,
            )
        )
    with_reasons(message, recorded or {})
    if view.hold is not None:
        message.hold.CopyFrom(
            placement_pb2.Hold(
                hold_id=view.hold.hold_id,
                caregiver_id=view.hold.caregiver_id,
                case_id=view.case_id,
                places=view.hold.places,
                status=_HOLD_STATUS[view.hold.status],
                expires_at=convert.timestamp(view.hold.expires_at),
            )
        )
    if view.deadline is not None:
        message.deadline.CopyFrom(convert.deadline_to_proto(view.deadline))
    if view.placement is not None:
        message.placed_caregiver_id = view.placement.caregiver_id
    return message


def with_reasons(search: placement_pb2.PlacementSearch, recorded: Mapping[str, placement_pb2.Candidate]) -> None:
    """Give each of `search`'s candidates the reasons for its rank (and the caregiver's name)
    from the recorded search, when `recorded` (by caregiver id) has it; its tier, rank,
    places and kinship stay the workflow's."""
    for candidate in search.candidates:
        found = recorded.get(candidate.caregiver_id)
        if found is None:
            continue
        ref = (candidate.tier, candidate.rank, candidate.places, candidate.kinship_degree)
        candidate.CopyFrom(found)
        candidate.tier, candidate.rank, candidate.places, candidate.kinship_degree = ref


def standing_to_proto(
    standing: model.PlacementStanding, case_id: str, version: int
) -> placement_pb2.PlacementSearchStanding:
    """Where the search stands, as the workflow's view shows it without its timeline (and
    without its candidates' reasons: the recorded search keeps them)."""
    view = model.PlacementView(
        case_id=case_id,
        stage=standing.stage,
        search_id=standing.search_id,
        candidates=standing.candidates,
        excluded=standing.excluded,
        unavailable=standing.unavailable,
        hold=standing.hold,
        deadline=standing.deadline,
        placement=standing.placement,
        timeline=[],
    )
    return placement_pb2.PlacementSearchStanding(version=version, search=view_to_proto(view))


def record_to_proto(batch: RecordBatch) -> placement_pb2.RecordPlacementSearchRequest:
    """A placement search workflow's record batch as the placement service records it."""
    request = placement_pb2.RecordPlacementSearchRequest(
        case_id=batch.case_id,
        site=batch.site,
        region=batch.region,
        events=[
            placement_pb2.PlacementSearchEvent(event_id=event.event_id, entry=entry)
            for event, entry in zip(batch.events, convert.events_to_proto(batch), strict=True)
        ],
    )
    if batch.placement is not None:
        request.standing.CopyFrom(standing_to_proto(batch.placement, batch.case_id, batch.version))
    return request
