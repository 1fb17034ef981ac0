"""`kahu plan` against the real in-process platform: a case's plan made from the example
file, an action done, a review held with the next date, a revision from a stale version
refused and from the current one taken, each a version shown with who and why, and the plan
listed by its lead professional as it now stands; a Children's Team plan, the family's
consent and what one agency sees, then the consent withdrawn."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import EXAMPLES, Kahu
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.plan.plans import referred_case

PLAN_EXAMPLE = EXAMPLES / "plan.json"


async def test_a_plan_is_made_changed_and_shown_through_the_cli(platform: Platform, kahu: Kahu) -> None:
    case_id = (await open_case(platform)).case.case_id
    made = await kahu.json(
        "plan", "create", case_id, str(PLAN_EXAMPLE), "--reason", "agreed with whānau", "--by", "sup.cli"
    )
    assert made["plan"]["current"]["version"] == 1
    assert made["plan"]["workflow_id"] == f"plan-{made['plan']['plan_id']}"
    done = await kahu.json("plan", "status", case_id, "transport", "--to", "done", "--by", "sup.cli")
    assert done["plan"]["current"]["content"]["actions"][0]["status"] == "PLAN_ACTION_STATUS_DONE"
    reviewed = await kahu.json("plan", "review", case_id, "--next", "2031-12-01 10:00", "--by", "sup.cli")
    assert reviewed["plan"]["current"]["content"]["review_due"] == "2031-11-30T21:00:00Z"  # 10:00 NZDT
    stale = await kahu(
        "plan", "revise", case_id, str(PLAN_EXAMPLE), "--expected-version", "1", "--reason", "x", "--by", "sup.cli"
    )
    assert stale.exit_code != 0 and "at version 3" in stale.output
    await kahu.ok(
        "plan",
        "revise",
        case_id,
        str(PLAN_EXAMPLE),
        "--expected-version",
        "3",
        "--reason",
        "new dates",
        "--by",
        "sup.cli",
    )
    shown = (await kahu.ok("plan", "show", case_id)).stdout
    assert "version 4" in shown
    for why in ("agreed with whānau", "action transport DONE", "review held", "new dates"):
        assert why in shown, why

    site = made["plan"]["site"]
    listed = await kahu.json("plan", "list", "--site", site, "--lead", "lp.hutt.1", "--page-size", "200")
    (mine,) = [p for p in listed["plans"] if p["case_id"] == case_id]
    assert (mine["version"], mine["open_actions"]) == (4, 2)  # the revision opened transport again
    table = (await kahu.ok("plan", "list", "--site", site, "--lead", "lp.hutt.1", "--page-size", "200")).stdout
    assert case_id in table and "lp.hutt.1" in table
    assert "Arrange transport" not in table  # summaries: no plan's words


async def test_a_plan_file_that_is_not_a_plan_is_a_usage_error(platform: Platform, kahu: Kahu, tmp_path: Path) -> None:
    case_id = (await open_case(platform)).case.case_id
    bad = tmp_path / "plan.json"
    bad.write_text('{"actions": 3}', encoding="utf-8")
    result = await kahu("plan", "create", case_id, str(bad), "--reason", "x", "--by", "sup.cli")
    assert result.exit_code == 2 and "not a kahu.v1.PlanContent" in result.output


async def test_a_childrens_team_plan_its_consent_and_an_agencys_view_through_the_cli(
    platform: Platform, kahu: Kahu
) -> None:
    case_id = await referred_case(platform)
    example = str(EXAMPLES / "childrens_team_plan.json")
    made = await kahu.json(
        "plan", "create", case_id, example, "--childrens-team", "--reason", "agreed at the team hui", "--by", "sup.cli"
    )
    assert made["plan"]["kind"] == "PLAN_KIND_CHILDRENS_TEAM"
    refused = await kahu("plan", "shared", case_id, "--agency", "police")
    assert refused.exit_code != 0 and "not agreed" in refused.output
    bad = await kahu("plan", "consent", case_id, "--given-by", "Aroha", "--share", "police=gossip", "--by", "sup.cli")
    assert bad.exit_code == 2 and "goals, views, team, others" in bad.output
    shown = (
        await kahu.ok(
            "plan",
            "consent",
            case_id,
            "--given-by",
            "Aroha (mother)",
            "--share",
            "police",
            "--share",
            "health=goals,views,team,others",
            "--by",
            "sup.cli",
        )
    ).stdout
    for seen in ("Children's Team", "kv.hutt.1 (iwi, iwi kaitiaki)", "keep seeing koro", "given by Aroha (mother)"):
        assert seen in shown, seen
    police = (await kahu.ok("plan", "shared", case_id, "--agency", "police")).stdout
    assert "as police sees it" in police and "its own actions only" in police
    assert "koro" not in police and "counselling" not in police
    health = (await kahu.ok("plan", "shared", case_id, "--agency", "health")).stdout
    assert "koro" in health and "counselling" in health and "health-check" in health
    listed = await kahu.json("plan", "list", "--lead", "nurse.hutt.1", "--childrens-team", "--page-size", "500")
    assert case_id in [p["case_id"] for p in listed["plans"]]
    assert "Children's Team" in (await kahu.ok("plan", "list", "--lead", "nurse.hutt.1", "--page-size", "1")).stdout
    withdrawn = (await kahu.ok("plan", "withdraw-consent", case_id, "--note", "family asked", "--by", "sup.cli")).stdout
    assert "WITHDRAWN" in withdrawn
    refused = await kahu("plan", "shared", case_id, "--agency", "health")
    assert refused.exit_code != 0 and "withdrew" in refused.output
