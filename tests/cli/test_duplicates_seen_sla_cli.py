"""`kahu case duplicates|link|separate`, `kahu assessment seen` and `kahu report sla` against
the real in-process platform: each command's effect or answer, and the service's refusal of
bad input printed in one line with exit 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

from tests.assessment.test_assessment_service import _allocate, _assessing_case
from tests.cli.conftest import Kahu, example
from tests.conftest import Platform
from tests.intake.reports import get_case
from tests.intake.test_possible_duplicates import _age, _child, _dob, _report, _tag

#: Only this module's possible duplicates are at this site, and its reports at SLA_SITE.
SITE = "whanganui"
SLA_SITE, SLA_REGION = "northland", "northland"


async def _flagged_pair(platform: Platform) -> tuple[str, str]:
    """(an open case, the case a report about the same child by age opened, flagged)."""
    tag, dob = _tag(), _dob()
    first = await platform.intake.SubmitReport(_report(_child(f"Tāne {tag} Pōmare", dob), site=SITE))
    flagged = await platform.intake.SubmitReport(_report(_child(f"Pomare Taane {tag}", age=_age(dob)), site=SITE))
    assert not flagged.additional_information
    return first.case_id, flagged.case_id


def _one_error_line(result: Any, prefix: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(prefix), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


async def test_the_inbox_lists_a_possible_duplicate_and_link_decides_it(platform: Platform, kahu: Kahu) -> None:
    first, flagged = await _flagged_pair(platform)

    inbox = await kahu.json("case", "duplicates", "--site", SITE, "--page-size", "500")
    (item,) = [d for d in inbox["possible_duplicates"] if d["case_id"] == flagged]
    assert (item["other_case_id"], item["status"], item["site"]) == (first, "POSSIBLE_DUPLICATE_STATUS_OPEN", SITE)
    table = await kahu.ok("case", "duplicates", "--site", SITE, "--page-size", "500")
    assert "Possible duplicates" in table.stdout and flagged in table.stdout and first in table.stdout

    key = f"cli-link-{uuid.uuid4()}"
    args = ("case", "link", flagged, first, "--reason", "Same child: the school confirmed it.", "--by", "sw.aroha")
    linked = await kahu.json(*args, "--idempotency-key", key)
    again = await kahu.json(*args, "--idempotency-key", key)
    decided = linked["possible_duplicate"]
    assert (decided["status"], decided["decided_by"], decided["reason"]) == (
        "POSSIBLE_DUPLICATE_STATUS_LINKED",
        "sw.aroha",
        "Same child: the school confirmed it.",
    )
    assert (linked["replayed"], again["replayed"]) == (False, True)
    assert again["possible_duplicate"] == decided

    still_open = await kahu.json("case", "duplicates", "--site", SITE, "--page-size", "500")
    assert flagged not in [d["case_id"] for d in still_open["possible_duplicates"]]
    decided_ones = await kahu.json("case", "duplicates", "--site", SITE, "--status", "linked", "--page-size", "500")
    assert flagged in [d["case_id"] for d in decided_ones["possible_duplicates"]]
    shown = await kahu.ok("case", "show", first)
    assert f"{flagged} (linked)" in shown.stdout
    assert "possible_duplicate.linked" in shown.stdout

    typo = await kahu("case", "duplicates", "--status", "merged")
    assert typo.exit_code == 2
    assert "separated" in typo.output  # the choices are listed


async def test_separate_decides_a_possible_duplicate_and_bad_input_is_refused(platform: Platform, kahu: Kahu) -> None:
    first, flagged = await _flagged_pair(platform)

    same = await kahu("case", "link", flagged, flagged, "--reason", "Same.", "--by", "sw.aroha")
    _one_error_line(same, "kahu: error: intake ResolvePossibleDuplicate: INVALID_ARGUMENT: ")
    assert "other_case_id:" in same.stderr
    blank = await kahu("case", "separate", flagged, first, "--reason", "  ", "--by", "sw.aroha")
    _one_error_line(blank, "kahu: error: intake ResolvePossibleDuplicate: INVALID_ARGUMENT: ")
    assert "reason:" in blank.stderr
    assert (await get_case(platform, flagged)).possible_duplicates[0].status == 1  # still open

    separated = await kahu.ok(
        "case", "separate", flagged, first, "--reason", "Another Tāne: the dates of birth differ.", "--by", "sw.aroha"
    )
    assert "separated" in separated.stdout and "Another Tāne: the dates of birth differ." in separated.stdout
    listed = await kahu.json("case", "duplicates", "--site", SITE, "--status", "separated", "--page-size", "500")
    (item,) = [d for d in listed["possible_duplicates"] if d["case_id"] == flagged]
    assert item["decided_by"] == "sw.aroha"


async def test_assessment_seen_records_the_child_seen(platform: Platform, kahu: Kahu) -> None:
    case_id = await _assessing_case(platform)
    await _allocate(platform, case_id)  # to sw.mere at hutt
    seen_at = dt.datetime.now(dt.UTC)  # after the triage decision, to the microsecond
    place = "At the child's kura, with the principal present"
    key = f"cli-seen-{uuid.uuid4()}"
    args = ("assessment", "seen", case_id, "--at", seen_at.isoformat(), "--place", place, "--by", "sw.mere")

    recorded = await kahu.json(*args, "--idempotency-key", key)
    again = await kahu.json(*args, "--idempotency-key", key)

    seen = recorded["assessment"]["child_seen"]
    assert (seen["seen_by"], seen["place"]) == ("sw.mere", place)
    assert dt.datetime.fromisoformat(seen["seen_at"].replace("Z", "+00:00")) == seen_at
    assert (recorded["replayed"], again["replayed"]) == (False, True)
    shown = await kahu.ok("assessment", "show", case_id)
    assert "child seen" in shown.stdout and place in shown.stdout and "sw.mere" in shown.stdout


async def test_assessment_seen_in_the_future_or_nowhere_is_refused(platform: Platform, kahu: Kahu) -> None:
    case_id = await _assessing_case(platform)
    await _allocate(platform, case_id)

    future = await kahu("assessment", "seen", case_id, "--at", "+2h", "--place", "At home", "--by", "sw.mere")
    _one_error_line(future, "kahu: error: assessment RecordChildSeen: INVALID_ARGUMENT: ")
    assert "seen_at: must not be in the future" in future.stderr
    nowhere = await kahu("assessment", "seen", case_id, "--at", "-1m", "--place", "", "--by", "sw.mere")
    _one_error_line(nowhere, "kahu: error: assessment RecordChildSeen: INVALID_ARGUMENT: ")
    assert "place:" in nowhere.stderr
    not_a_time = await kahu("assessment", "seen", case_id, "--at", "yesterday", "--place", "At home")
    assert not_a_time.exit_code == 2 and "-DURATION" in not_a_time.output  # a usage error, before any call


def _report_file(tmp_path: Path) -> Path:
    data = example()
    data["site"] = SLA_SITE
    data["children"][0]["name"] = f"Pīwakawaka Hōne {secrets.token_hex(4)}"
    data["children"][0]["region"] = SLA_REGION
    path = tmp_path / f"report-{secrets.token_hex(4)}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def test_report_sla_prints_the_figures_as_a_table_json_and_csv(kahu: Kahu, tmp_path: Path) -> None:
    for _ in range(2):
        await kahu.ok("report", "submit", str(_report_file(tmp_path)))
    period = ("--from", "-1h", "--to", "+1m", "--site", SLA_SITE)

    answer = await kahu.json("report", "sla", *period)
    assert {row["site"] for row in answer["rows"]} == {SLA_SITE}
    assert sum(row["reports_received"] for row in answer["rows"]) == 2
    assert (answer["total"]["site"], answer["total"]["reports_received"]) == ("", 2)
    assert 0 < answer["seen_target"] <= 1

    table = await kahu.ok("report", "sla", *period)
    assert "SLA report" in table.stdout and SLA_SITE in table.stdout and "total" in table.stdout

    exported = await kahu.ok("report", "sla", *period, "--csv")
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert rows[-1][:4] == ["total", "", "", "2"]
    assert {row[0] for row in rows[1:-1]} == {SLA_SITE}
    as_json = json.loads((await kahu.ok("report", "sla", *period, "--csv", "--json")).stdout)
    assert as_json["csv"] == exported.stdout

    nothing = await kahu.json("report", "sla", "--from", "2025-01-01", "--to", "2025-01-02", "--site", SLA_SITE)
    assert nothing["total"]["reports_received"] == 0


async def test_report_sla_over_a_bad_period_is_refused(kahu: Kahu) -> None:
    backwards = await kahu("report", "sla", "--from", "2025-03-02", "--to", "2025-03-01")
    _one_error_line(backwards, "kahu: error: reporting GetSlaReport: INVALID_ARGUMENT: ")
    assert "period_end: must be after period_start" in backwards.stderr
    too_long = await kahu("report", "sla", "--from", "2024-01-01", "--to", "2025-03-01", "--csv")
    _one_error_line(too_long, "kahu: error: reporting ExportSlaReport: INVALID_ARGUMENT: ")
    assert "period_end: must be at most" in too_long.stderr
    mismatched = await kahu("report", "sla", "--from", "-1d", "--to", "now", "--site", "hutt", "--region", "canterbury")
    _one_error_line(mismatched, "kahu: error: reporting GetSlaReport: INVALID_ARGUMENT: ")
    assert "region: must be the site's region (greater-wellington)" in mismatched.stderr
