"""`kahu` for supervisors' approval of triage decisions, against the real platform: a case
opened through `approving_intake` (the shipped policy's approval rules); no further action
waits, shows on the queue and in the case, is returned with `queue decline --triage`, and
a further-action decision cannot become no further action afterwards."""

from __future__ import annotations

from typing import Any

from kahu.v1 import intake_pb2_grpc
from tests.cli.conftest import Kahu
from tests.conftest import Platform
from tests.intake.reports import submit_request
from tests.polling import eventually


async def test_a_supervisor_returns_a_decision_from_the_cli(
    platform: Platform, approving_intake: intake_pb2_grpc.IntakeServiceStub, kahu: Kahu
) -> None:
    case_id = (await approving_intake.SubmitReport(submit_request())).case_id

    async def proposed() -> Any:
        shown = await kahu.json("case", "show", case_id)
        return shown if "proposal" in shown else None

    await eventually(proposed)
    decided = await kahu.ok(
        "triage", "decide", case_id, "--pathway", "no-further-action", "--reason", "The school resolved it.",
        "--by", "sw.aroha",
    )  # fmt: skip
    waiting = next(line for line in decided.stdout.splitlines() if line.startswith("awaiting approval"))
    assert "no-further-action" in waiting and "by sw.aroha" in waiting

    async def queued() -> Any:
        items = (await kahu.json("queue", "list", "--kind", "triage-approval"))["items"]
        return next((item for item in items if item["case_id"] == case_id), None)

    item = await eventually(queued)
    assert (item["level"], item.get("tier", 0)) == ("ESCALATION_LEVEL_APPROVAL", 0)
    day_old = (await kahu.json("queue", "list", "--kind", "triage-approval", "--older-than", "1d")).get("items", [])
    assert all(other["case_id"] != case_id for other in day_old)  # raised moments ago

    own = await kahu("queue", "approve", case_id, "--triage", "--reason", "fine", "--by", "sw.aroha")
    assert own.exit_code == 2 and "social worker who made it" in own.stderr  # a refusal: change something

    returned = await kahu.ok(
        "queue", "decline", case_id, "--triage", "--reason", "Call the GP first.", "--by", "sup.mere"
    )
    assert "awaiting approval" in returned.stdout

    async def reopened() -> bool:
        shown = await kahu.json("case", "show", case_id)
        return any(entry["action"] == "triage.reopened" for entry in shown["timeline"])

    await eventually(reopened)
    await kahu.ok(
        "triage", "decide", case_id, "--pathway", "child-and-family-assessment", "--timeframe", "urgent",
        "--by", "sw.aroha",
    )  # fmt: skip
    shown = await kahu.json("case", "show", case_id)
    assert "awaitingApproval" not in shown and "awaiting_approval" not in shown
