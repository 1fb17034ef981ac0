"""Making and revising a child's plan in the console against the real platform, without
JavaScript: rows added by sending the form back; a plan made once however often its form is
sent; a refusal shown beside the row it names, nothing made; a revision of the version it
was made from, and a change made meanwhile never overwritten."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from kahu.v1 import plan_pb2
from services.console import nztime
from tests.conftest import Platform
from tests.console.conftest import QUEUE_SITE, Browserless
from tests.console.html import form, parse
from tests.intake.reports import open_case, submit_request
from tests.plan.plans import planned

SUPERVISOR = "sup.planedit"
DAY = dt.timedelta(days=1)


def _local(days: float) -> str:
    return nztime.local_input(dt.datetime.now(dt.UTC) + days * DAY)


async def _case(platform: Platform) -> str:
    request = submit_request()
    request.report.site = QUEUE_SITE
    return (await open_case(platform, request)).case.case_id


async def _plan_of(platform: Platform, case_id: str) -> plan_pb2.Plan:
    assert platform.plan is not None
    return (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan


async def test_a_plan_is_made_in_the_console_once(platform: Platform, person: Browserless) -> None:
    case_id = await _case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    plan_page = await person.http.get(f"/cases/{case_id}/plan")
    assert f'href="/cases/{case_id}/plan/edit"' in plan_page.text

    empty = await person.http.get(f"/cases/{case_id}/plan/edit")
    assert empty.status_code == 200, empty.text
    assert parse(empty.text).title.startswith(f"Make the plan of case {case_id[:8]}")
    fields = form(empty.text, "plan").fields
    assert (fields["goal_rows"], fields["action_rows"], fields["expected_version"]) == ("2", "3", "0")

    more = await person.submit(empty, "plan", more="rows", **{"goal-0-goal_id": "home"})
    assert more.status_code == 200
    fields = form(more.text, "plan").fields
    assert (fields["goal_rows"], fields["action_rows"]) == ("3", "5")
    assert fields["goal-0-goal_id"] == "home"  # what was entered stays

    entries = {
        "lead_professional": "lp.edit",
        "lead_manager_id": "lpm.edit",
        "review_due": _local(60),
        "goal-0-description": "Tama is safe at home",
        "goal-2-goal_id": "school",
        "goal-2-description": "Tama is at school every day",
        "action-0-action_id": "visit",
        "action-0-goal_id": "home",
        "action-0-description": "Visit the whānau weekly",
        "action-0-owner_agency": "oranga-tamariki",
        "action-0-owner_id": "sw.edit",
        "action-0-owner_manager_id": "mgr.edit",
        "action-0-due_at": _local(7),
        "action-3-action_id": "enrol",
        "action-3-goal_id": "school",
        "action-3-description": "Enrol at the kura",
        "action-3-owner_agency": "education",
        "action-3-owner_id": "ed.edit",
        "action-3-owner_manager_id": "edm.edit",
        "action-3-due_at": _local(14),
        "reason": "Agreed with the whānau at the hui",
    }
    made = await person.submit(more, "plan", **entries)
    assert (made.status_code, made.headers.get("location")) == (303, f"/cases/{case_id}/plan"), made.text
    again = await person.submit(more, "plan", **entries)
    assert again.status_code == 303  # the same form again: made once

    plan = await _plan_of(platform, case_id)
    assert (plan.current.version, plan.current.changed_by) == (1, SUPERVISOR)
    assert plan.current.reason == "Agreed with the whānau at the hui"
    content = plan.current.content
    assert [g.goal_id for g in content.goals] == ["home", "school"]  # empty rows left out
    assert [(a.action_id, a.goal_id, a.owner_agency) for a in content.actions] == [
        ("visit", "home", "oranga-tamariki"),
        ("enrol", "school", "education"),
    ]
    assert nztime.local_input(content.actions[0].due_at.ToDatetime(dt.UTC)) == entries["action-0-due_at"]
    told = await person.http.get(made.headers["location"])
    assert "Plan made." in told.text and "Visit the whānau weekly" in told.text


async def test_a_refused_plan_is_shown_beside_its_rows_and_nothing_is_made(
    platform: Platform, person: Browserless
) -> None:
    case_id = await _case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    empty = await person.http.get(f"/cases/{case_id}/plan/edit")
    entries = {
        "lead_professional": "lp.edit",
        "lead_manager_id": "lpm.edit",
        "review_due": _local(60),
        "goal-1-goal_id": "home",
        "goal-1-description": "Safe at home",
        "action-2-action_id": "visit",
        "action-2-goal_id": "not-a-goal",
        "action-2-description": "Visit weekly",
        "action-2-owner_agency": "oranga-tamariki",
        "action-2-owner_id": "sw.edit",
        "action-2-owner_manager_id": "mgr.edit",
        "action-2-due_at": _local(7),
        "reason": "First plan",
    }
    wrong_goal = await person.submit(empty, "plan", **entries)
    assert wrong_goal.status_code == 400, wrong_goal.text
    assert parse(wrong_goal.text).summary_links == ["#plan-action-2-goal_id"]  # the row as shown, not as sent
    assert form(wrong_goal.text, "plan").fields["action-2-description"] == "Visit weekly"

    not_a_date = await person.submit(empty, "plan", **{**entries, "action-2-goal_id": "home", "review_due": "soon"})
    assert not_a_date.status_code == 400
    assert parse(not_a_date.text).summary_links == ["#plan-review_due"]

    no_reason = await person.submit(empty, "plan", **{**entries, "action-2-goal_id": "home", "reason": ""})
    assert no_reason.status_code == 400
    assert "#plan-reason" in parse(no_reason.text).summary_links

    assert platform.plan is not None
    with pytest.raises(grpc.aio.AioRpcError) as none:
        await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))
    assert none.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_plan_is_revised_from_its_version_and_a_change_meanwhile_is_kept(
    platform: Platform, person: Browserless
) -> None:
    case_id = await _case(platform)
    plan = await planned(platform, case_id, SUPERVISOR)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)

    shown = await person.http.get(f"/cases/{case_id}/plan/edit")
    assert shown.status_code == 200
    fields = form(shown.text, "plan").fields
    assert fields["expected_version"] == str(plan.current.version)
    assert (fields["lead_professional"], fields["action-0-action_id"], fields["action-1-owner_agency"]) == (
        "lp.one",
        "a1",
        "education",
    )
    assert fields["action-0-status"] == "PLAN_ACTION_STATUS_OPEN"
    spare = int(fields["action_rows"]) - 1  # the empty row after the plan's two actions

    revision = {
        "action-1-due_at": _local(25),
        "action-0-status": "PLAN_ACTION_STATUS_CANCELLED",
        f"action-{spare}-action_id": "a3",
        f"action-{spare}-goal_id": "school",
        f"action-{spare}-description": "Speak with the school nurse",
        f"action-{spare}-owner_agency": "health-nz",
        f"action-{spare}-owner_id": "nurse.one",
        f"action-{spare}-owner_manager_id": "nm.one",
        f"action-{spare}-due_at": _local(9),
        "reason": "Transport no longer needed; the nurse joins",
    }
    revised = await person.submit(shown, "plan", **revision)
    assert revised.status_code == 303, revised.text
    now = await _plan_of(platform, case_id)
    assert (now.current.version, now.current.changed_by) == (plan.current.version + 1, SUPERVISOR)
    actions = {a.action_id: a for a in now.current.content.actions}
    assert actions["a1"].status == plan_pb2.PLAN_ACTION_STATUS_CANCELLED
    assert actions["a3"].owner_agency == "health-nz"
    assert nztime.local_input(actions["a2"].due_at.ToDatetime(dt.UTC)) == revision["action-1-due_at"]

    stale = await person.http.get(f"/cases/{case_id}/plan/edit")  # taken before the change below
    assert platform.plan is not None
    await platform.plan.RecordReview(
        plan_pb2.RecordReviewRequest(idempotency_key="review-meanwhile-1", case_id=case_id, held_by="lp.one")
    )
    meanwhile = await _plan_of(platform, case_id)
    overwriting = await person.submit(stale, "plan", reason="Overwrite", **{"action-0-description": "Changed"})
    assert overwriting.status_code == 400, overwriting.text
    assert parse(overwriting.text).summary_links == ["#plan"]
    assert form(overwriting.text, "plan").fields["action-0-description"] == "Changed"  # entries kept
    after = await _plan_of(platform, case_id)
    assert after.current.version == meanwhile.current.version
