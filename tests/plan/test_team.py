"""What one team agency sees of a Children's Team plan (services/plan/team.py), without a
server: its own actions, and each part the family's consent shares with it; nothing without
consent in force, for an agency it does not name, or one that left the team."""

from __future__ import annotations

import datetime as dt

from kahu.v1 import plan_pb2
from services.common.convert import timestamp
from services.plan import team
from tests.plan.plans import team_content

NOW = dt.datetime(2030, 5, 1, tzinfo=dt.UTC)


def _consented(*shares: plan_pb2.ConsentShare) -> plan_pb2.PlanContent:
    request = plan_pb2.RecordSharingConsentRequest(given_by="the whānau", recorded_by="sw.one", shares=shares)
    return team.consent_given(team_content(NOW), request, NOW)


def test_a_token_names_its_team_agency() -> None:
    assert [team.team_agency_of(a) for a in ("police", "AGENCY_POLICE", "AGENCY_HEALTH_NZ", "iwi")] == [
        "police",
        "police",
        "health",
        "iwi",
    ]
    assert team.team_agency_of("AGENCY_CONTACT_CENTRE") == team.team_agency_of("") == ""


def test_an_agency_sees_its_own_actions_and_only_the_parts_shared_with_it() -> None:
    content = _consented(
        plan_pb2.ConsentShare(agency="police"),
        plan_pb2.ConsentShare(agency="health", parts=[plan_pb2.SHARED_PART_VIEWS, plan_pb2.SHARED_PART_OTHER_ACTIONS]),
    )
    police = team.shared_parts(content, "police")
    assert police == frozenset()
    seen = team.shared_plan("p", "c", 2, content, "police", police)
    assert [a.action_id for a in seen.actions] == ["a3"]
    assert not (seen.goals or seen.team or seen.other_actions or seen.child_views or seen.whanau_views)
    assert seen.lead_professional == "nurse.hine" and seen.consent_given_at == timestamp(NOW)
    health = team.shared_parts(content, "health")
    assert health is not None
    seen = team.shared_plan("p", "c", 2, content, "health", health)
    assert [a.action_id for a in seen.other_actions] == ["a2", "a3"]
    assert seen.child_views and seen.whanau_views and not seen.goals and not seen.team
    # education is on the team, but not named
    assert team.shared_parts(content, "education") is None


def test_nothing_is_shared_without_consent_in_force_or_off_the_team() -> None:
    assert team.shared_parts(team_content(NOW), "police") is None
    content = _consented(plan_pb2.ConsentShare(agency="police", parts=[plan_pb2.SHARED_PART_GOALS]))
    withdrawn = team.consent_withdrawn(content, "sw.one", NOW)
    assert team.shared_parts(withdrawn, "police") is None
    off_the_team = plan_pb2.PlanContent()
    off_the_team.CopyFrom(content)
    del off_the_team.team[1]  # police
    assert team.shared_parts(off_the_team, "police") is None
