"""The `kahu` CLI against the real in-process platform (gRPC, PostgreSQL, Temporal)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from kahu.v1 import common_pb2, intake_pb2
from tests.cli.conftest import EXAMPLE, Kahu, example
from tests.conftest import Platform, free_port
from tests.polling import eventually

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROOT = Path(__file__).resolve().parents[2]


async def _submit(kahu: Kahu, path: Path) -> str:
    return str((await kahu.json("report", "submit", str(path)))["case_id"])


async def _case(kahu: Kahu, case_id: str) -> Any:
    return await kahu.json("case", "show", case_id)


async def _proposed(kahu: Kahu, case_id: str) -> Any:
    """The case once its triage proposal is in."""

    async def probe() -> Any:
        shown = await _case(kahu, case_id)
        pathway = shown.get("proposal", {}).get("pathway", "PATHWAY_UNSPECIFIED")
        return shown if pathway != "PATHWAY_UNSPECIFIED" else None

    return await eventually(probe)


def _actions(shown: Any) -> list[str]:
    return [entry["action"] for entry in shown["timeline"]]


async def test_submit_the_example_then_show_its_case(kahu: Kahu) -> None:
    submitted = await kahu.ok("report", "submit", str(EXAMPLE))
    case_id = UUID.search(submitted.stdout)
    assert case_id is not None, submitted.stdout
    await _proposed(kahu, case_id.group())

    shown = await kahu.ok("case", "show", case_id.group())

    assert re.search(r"stage\s+triage", shown.stdout)
    assert "Timeline" in shown.stdout
    assert "case.opened" in shown.stdout and "triage.proposed" in shown.stdout
    assert "family-violence" in shown.stdout
    assert "People of the report" in shown.stdout  # the people its report names
    assert "Kōwhai Rangitāne" in shown.stdout and "(adult of concern)" in shown.stdout


async def test_json_output_is_the_proto_answer_with_every_field(kahu: Kahu, report_file: Path) -> None:
    key = f"cli-test-{uuid.uuid4()}"
    first = await kahu.json("report", "submit", str(report_file), "--idempotency-key", key)
    again = await kahu.json("report", "submit", str(report_file), "--idempotency-key", key)

    assert set(first) == {"case_id", "report_id", "replayed", "additional_information"}
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["case_id"] == first["case_id"]

    shown = await _proposed(kahu, first["case_id"])
    assert shown["case"]["case_id"] == first["case_id"]
    assert shown["case"]["site"] == "hutt"
    assert shown["case"]["region"] == "greater-wellington"
    assert shown["case"]["stage"] == "CASE_STAGE_TRIAGE"
    assert shown["case"]["concerns"] == ["CONCERN_CATEGORY_FAMILY_VIOLENCE", "CONCERN_CATEGORY_EMOTIONAL_HARM"]
    assert shown["outcome"] == "OUTCOME_UNSPECIFIED"  # scalars are present though unset
    assert "decision" not in shown  # messages only once set
    assert {"at", "actor", "action", "detail"} <= set(shown["timeline"][0])
    # the global form of the flag gives the same document
    global_form = json.loads((await kahu.ok("--json", "case", "show", first["case_id"])).stdout)
    assert set(global_form) == set(shown)
    assert global_form["case"] == shown["case"]
    assert global_form["proposal"] == shown["proposal"]
    assert global_form["outcome"] == "OUTCOME_UNSPECIFIED"


async def test_a_report_file_that_is_not_a_report_names_the_field(kahu: Kahu, tmp_path: Path) -> None:
    data = example()
    data["children"][0]["age_years"] = "nine"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    result = await kahu("report", "submit", str(path))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "report.children[0].age_years" in result.stderr

    data = example()
    data["concerns"] = ["CONCERN_CATEGORY_WORRY"]
    path.write_text(json.dumps(data), encoding="utf-8")
    result = await kahu("report", "submit", str(path))
    assert result.exit_code == 2
    assert "report.concerns[0]: 'CONCERN_CATEGORY_WORRY' is not one of" in result.stderr

    path.write_text("{not json", encoding="utf-8")
    result = await kahu("report", "submit", str(path))
    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)
    assert "not JSON" in result.stderr


async def test_a_report_the_service_rejects_prints_each_field_violation(kahu: Kahu, tmp_path: Path) -> None:
    data = example()
    data["children"][0]["name"] = ""
    data["site"] = "atlantis"
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    result = await kahu("report", "submit", str(path))

    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert "INVALID_ARGUMENT" in result.stderr
    assert "report.children[0].name: is required" in result.stderr
    assert "report.site: is not a known site code" in result.stderr


async def test_case_list_by_site_finds_the_case(kahu: Kahu, report_file: Path) -> None:
    case_id = await _submit(kahu, report_file)

    async def listed() -> Any:
        answer = await kahu.json("case", "list", "--site", "hutt", "--stage", "triage", "--page-size", "500")
        return answer if case_id in [c["case_id"] for c in answer["cases"]] else None

    answer = await eventually(listed)
    assert {c["site"] for c in answer["cases"]} == {"hutt"}
    table = await kahu.ok("case", "list", "--site", "hutt", "--page-size", "500")
    assert case_id in table.stdout

    recent = await kahu.json(
        "case", "list", "--site", "hutt", "--received-from", "-1h", "--urgent", "--page-size", "500"
    )
    assert case_id in [c["case_id"] for c in recent["cases"]]
    older = await kahu.json("case", "list", "--site", "hutt", "--received-before", "-1h")
    assert case_id not in [c["case_id"] for c in older["cases"]]
    other = await kahu.json("case", "list", "--site", "southland")
    assert case_id not in [c["case_id"] for c in other["cases"]]
    bad = await kahu("case", "list", "--site", "atlantis")
    assert bad.exit_code == 2
    assert "site:" in bad.stderr
    typo = await kahu("case", "list", "--stage", "triaged")
    assert typo.exit_code == 2
    assert "awaiting-consent" in typo.output  # the choices are listed


async def test_a_triage_decision_moves_the_case_and_the_assessment_completes(kahu: Kahu, report_file: Path) -> None:
    case_id = await _submit(kahu, report_file)
    await _proposed(kahu, case_id)

    decided = await kahu.json(
        "triage",
        "decide",
        case_id,
        "--pathway",
        "child-and-family-assessment",
        "--timeframe",
        "urgent",
        "--reason",
        "Family violence witnessed by a young child.",
        "--by",
        "sw.aroha",
    )
    assert decided["case"]["decision"]["decided_by"] == "sw.aroha"

    shown = await kahu.case_at(case_id, "CASE_STAGE_ASSESSMENT")
    assert shown["case"]["pathway"] == "PATHWAY_CHILD_AND_FAMILY_ASSESSMENT"

    key = f"cli-allocate-{uuid.uuid4()}"

    async def allocated() -> Any:  # the assessment's workflow starts just after the stage
        result = await kahu(
            "assessment", "allocate", case_id, "--social-worker", "sw.tama", "--site", "hutt", "--by", "sup.mere",
            "--idempotency-key", key, "--json",
        )  # fmt: skip
        return json.loads(result.stdout) if result.exit_code == 0 else None

    assert (await eventually(allocated))["assessment"]["social_worker"] == "sw.tama"
    await kahu.ok("assessment", "findings", case_id, "--summary", "Safety plan agreed with whānau.", "--by", "sw.tama")
    shown_assessment = await kahu.ok("assessment", "show", case_id)
    assert "Safety plan agreed with whānau." in shown_assessment.stdout

    completed = await kahu.json(
        "assessment", "complete", case_id, "--outcome", "family-support-plan", "--reason", "Whānau plan.",
        "--by", "sw.tama",
    )  # fmt: skip
    assert completed["assessment"]["result"]["outcome"] == "OUTCOME_FAMILY_SUPPORT_PLAN"

    closed = await kahu.case_at(case_id, "CASE_STAGE_CLOSED")
    assert closed["outcome"] == "OUTCOME_FAMILY_SUPPORT_PLAN"
    assert {"assessment.allocated", "assessment.findings", "assessment.completed"} <= set(_actions(closed))


async def test_a_decision_out_of_order_is_refused_in_one_line(kahu: Kahu, report_file: Path) -> None:
    case_id = await _submit(kahu, report_file)
    await _proposed(kahu, case_id)

    result = await kahu("triage", "consent", case_id, "--given", "--by", "sw.aroha")

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kahu: error: triage RecordConsent: FAILED_PRECONDITION: ")
    assert result.stderr.count("\n") == 1


async def _fast_case(platform: Platform) -> str:
    """A case under the shortened policy: its triage deadline passes in seconds."""
    data = example()
    data["children"][0]["name"] = f"Tūī Rangitāne {uuid.uuid4().hex[:8]}"
    report = json_format.ParseDict(data, common_pb2.Report())
    response = await platform.fast_intake.SubmitReport(
        intake_pb2.SubmitReportRequest(idempotency_key=f"cli-fast-{uuid.uuid4()}", report=report)
    )
    return str(response.case_id)


async def test_queue_lists_an_escalation_and_the_supervisor_acts_on_it(platform: Platform, kahu: Kahu) -> None:
    case_id = await _fast_case(platform)

    async def escalated() -> Any:
        answer = await kahu.json("queue", "list", "--site", "hutt", "--page-size", "500")
        return next((item for item in answer["items"] if item["case_id"] == case_id), None)

    item = await eventually(escalated)
    assert (item["kind"], item["tier"]) == ("DEADLINE_KIND_TRIAGE", 1)
    table = await kahu.ok("queue", "list", "--site", "hutt", "--due-within", "1h", "--page-size", "500")
    assert item["escalation_id"] in table.stdout

    acked = await kahu.json("queue", "ack", item["escalation_id"], "--by", "sup.mere", "--note", "On it.")
    assert acked["escalation"]["acknowledged_by"] == "sup.mere"

    extended = await kahu.json(
        "queue", "extend", case_id, "--kind", "triage", "--due", "+2h", "--by", "sup.mere",
        "--reason", "Waiting on the school's account.", "--reason-code", "SPECIALIST_ASSESSMENT",
    )  # fmt: skip
    due = dt.datetime.fromisoformat(extended["deadline"]["due_at"].replace("Z", "+00:00"))
    assert "original_due_at" in extended["deadline"]  # the deadline it moved stays on the record
    assert dt.timedelta(hours=1, minutes=55) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=2)

    async def recorded() -> Any:
        shown = await _case(kahu, case_id)
        return shown if {"escalation.acknowledged"} <= set(_actions(shown)) else None

    await eventually(recorded)


async def test_an_unreachable_service_is_one_line_and_exit_1(kahu: Kahu) -> None:
    result = await kahu("--intake", f"127.0.0.1:{free_port()}", "--timeout", "2", "case", "show", str(uuid.uuid4()))
    assert result.exit_code == 1
    assert result.stderr.startswith("kahu: error: intake GetCase: UNAVAILABLE: ")
    assert result.stderr.count("\n") == 1

    missing = await kahu("case", "show", str(uuid.uuid4()))
    assert missing.exit_code == 1
    assert "PERMISSION_DENIED" in missing.stderr  # staff of some sites cannot tell it from another site's


async def test_a_write_that_may_not_have_happened_shows_the_key_to_retry_with(kahu: Kahu) -> None:
    result = await kahu(
        "--triage", f"127.0.0.1:{free_port()}", "--timeout", "2", "triage", "decide", str(uuid.uuid4()),
        "--pathway", "no-further-action", "--by", "sw.aroha", "--idempotency-key", "cli-retry-me-1",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "retry safely with --idempotency-key cli-retry-me-1" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["queue", "extend", "--help"]])
def test_runs_as_a_module(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_a_bad_report_file_through_the_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"site": "hutt", "chidren": []}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "submit", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"kahu: error: {path}: report.chidren: is not a field of Report")
    assert "Traceback" not in result.stderr
