"""The one conversion between kahu.v1 messages and the workflows' dataclasses."""

from __future__ import annotations

import datetime as dt

import pytest

from kahu.v1 import common_pb2
from services.common import convert
from workflows.case import model
from workflows.policy.model import Pathway, Timeframe


@pytest.mark.parametrize("emap", convert.ENUMS, ids=lambda e: e.prefix)
def test_every_enum_value_has_its_proto_twin(emap: convert.EnumMap) -> None:
    assert emap.names() == {member.value for member in emap.python}
    for member in emap.python:
        assert emap.from_proto(emap.to_proto(member)) is member
    assert emap.to_proto(None) == 0 and emap.from_proto(0) is None
    with pytest.raises(ValueError):
        emap.from_proto(99)


def test_facts_and_proposals_round_trip() -> None:
    facts = model.CaseFacts(
        concerns=["CONCERN_CATEGORY_NEGLECT", "CONCERN_CATEGORY_FAMILY_VIOLENCE"],
        immediate_danger=True,
        agency="AGENCY_POLICE",
        prior_involvement=True,
        youngest_child_age=0,
        child_safety_hub=False,
    )
    assert convert.facts_from_proto(convert.facts_to_proto(facts)) == facts
    unknown_age = model.CaseFacts(["CONCERN_CATEGORY_NEGLECT"], False, "", False, None, False)
    message = convert.facts_to_proto(unknown_age)
    assert message.agency == common_pb2.AGENCY_UNSPECIFIED and not message.HasField("youngest_child_age")
    assert convert.facts_from_proto(message) == unknown_age

    proposal = model.TriageProposal(Timeframe.CRITICAL, Pathway.JOINT_INVESTIGATION, ["a", "b"])
    message_p = convert.proposal_to_proto(proposal, {"a": "Rule A."})
    assert [(r.id, r.description) for r in message_p.fired_rules] == [("a", "Rule A."), ("b", "")]
    assert convert.proposal_from_proto(message_p) == proposal


def test_timelines_merge_in_time_order() -> None:
    at = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
    case = [model.TimelineEntry(at, "kahu", "a"), model.TimelineEntry(at + dt.timedelta(seconds=2), "kahu", "c")]
    assessment = [model.TimelineEntry(at + dt.timedelta(seconds=1), "sw.mere", "b")]
    assert [e.action for e in convert.merge_timelines(case, assessment)] == ["a", "b", "c"]
    assert convert.from_timestamp(convert.timestamp(at)) == at
