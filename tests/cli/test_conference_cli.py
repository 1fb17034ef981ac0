"""`kahu conference` against the real in-process platform: reference data registered, a
conference started from the example file and booked, participants added, rescheduled and
answered; no slot escalating until a coordinator books one; held and its outcome recorded
from the example outcome file; bad input refused with the fields named. Each test has a site
of its own (venue time is per site) and staff ids of its own (their calendars)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import CARE_OUTCOME_EXAMPLE, CONFERENCE_EXAMPLE, COURT_DIRECTION_EXAMPLE, OUTCOME_EXAMPLE, Kahu
from tests.polling import eventually
from tests.tokens import mint, staff
from workflows.policy.working_days import NZ


class Staff:
    """A coordinator, their manager and a Police youth aid officer, of one test."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.coordinator, self.manager, self.police = f"yjc.{tag}", f"mgr.{tag}", f"police.{tag}"


def _example() -> dict[str, Any]:
    return dict(yaml.safe_load(CONFERENCE_EXAMPLE.read_text(encoding="utf-8")))


def _start_file(tmp_path: Path, site: str, people: Staff, change: Any = None) -> Path:
    """The example start file, at `site`, with this test's coordinator and Police officer."""
    data = _example()
    data["site"] = site
    data["coordinator_id"] = people.coordinator
    for participant in data["participants"]:
        if participant.get("staff_id"):
            participant["staff_id"] = people.police
    if change is not None:
        change(data)
    path = tmp_path / f"conference-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def _register(kahu: Kahu, site: str, people: Staff, *, venue: str | None, hours: bool = True) -> str | None:
    """The coordinator (weekdays 9 to 5 unless not `hours`) and a venue at `site`; the venue's id."""
    args = ["conference", "register-coordinator", people.coordinator, "--site", site, "--manager", people.manager]
    registered = await kahu.ok(*args, *(["--hours", "mon-fri 09:00-17:00"] if hours else []))
    assert f"Coordinator {people.coordinator} registered at {site}" in registered.stdout
    if venue is None:
        return None
    return str((await kahu.json("conference", "register-venue", "--site", site, "--name", venue))["venue_id"])


async def _stage(kahu: Kahu, conference_id: str, stage: str, round_: int | None = None) -> Any:
    """The conference once its workflow is in `stage` (and scheduling round `round_`)."""

    async def probe() -> Any:
        found = (await kahu.json("conference", "show", conference_id))["conference"]
        state = found.get("state", {})
        there = state.get("stage") == stage and (round_ is None or state.get("round") == round_)
        return found if there else None

    return await eventually(probe)


async def _invited(kahu: Kahu, conference_id: str, round_: int) -> Any:
    async def probe() -> Any:
        found = await _stage(kahu, conference_id, "CONFERENCE_STAGE_BOOKED", round_)
        sent = [e["detail"] for e in found["state"]["timeline"] if e["action"] == "invitations.sent"]
        return found if any(d.startswith(f"round {round_}:") for d in sent) else None

    return await eventually(probe)


def _by_role(conference: Any, role: str) -> Any:
    (found,) = [p for p in conference["participants"] if p["role"] == role]
    return found


def _nz(stamp: str) -> str:
    """A JSON timestamp as the human output prints it (and --start takes it)."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(NZ).strftime("%Y-%m-%d %H:%M %Z")


async def test_a_conference_from_the_example_file_is_booked_and_its_coordinator_works_it(
    kahu: Kahu, tmp_path: Path
) -> None:
    site, people = "north-auckland", Staff()
    venue_id = await _register(kahu, site, people, venue="Te Whare Hui o Kaipātiki")
    assert venue_id is not None
    path = _start_file(tmp_path, site, people)
    key = f"cli-start-{uuid.uuid4()}"
    triggered = (dt.datetime.now(NZ) - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    start = ["conference", "start", str(path), "--idempotency-key", key, "--triggered-at", triggered]

    started = await kahu.json(*start)
    again = await kahu.json(*start)

    assert (started["replayed"], again["replayed"]) == (False, True)
    assert again["conference_id"] == started["conference_id"]
    conference_id = started["conference_id"]
    booked = await _invited(kahu, conference_id, 1)
    assert (booked["site"], booked["coordinator_id"], booked["manager_id"]) == (
        site,
        people.coordinator,
        people.manager,
    )
    assert booked["trigger"]["kind"] == "TRIGGER_KIND_INTENTION_TO_CHARGE"
    assert _nz(booked["trigger"]["triggered_at"]).startswith(triggered)  # NZ time, as given
    assert booked["state"]["booking"]["slot"]["venue_id"] == venue_id
    assert {p["role"] for p in booked["participants"]} >= {"PARTICIPANT_ROLE_YOUNG_PERSON", "PARTICIPANT_ROLE_VICTIM"}

    shown = (await kahu.ok("conference", "show", conference_id)).stdout
    assert "booked (round 1)" in shown
    assert "Te Whare Hui o Kaipātiki" in shown and _nz(booked["state"]["booking"]["slot"]["start"]) in shown
    assert "Rawiri Te Huia" in shown and "young-person" in shown and people.police in shown
    assert "Timeline" in shown and "conference.booked" in shown

    social_worker = f"sw.{uuid.uuid4().hex[:8]}"
    added = await kahu.json(
        "conference", "add-participant", conference_id, "--role", "Social-Worker", "--name", "Mereana Kora",
        "--staff-id", social_worker, "--by", people.coordinator,
    )  # fmt: skip
    listed = (await kahu.json("conference", "show", conference_id))["conference"]["participants"]
    mereana = next(p for p in listed if p["participant_id"] == added["participant_id"])
    assert (mereana["role"], mereana["name"], mereana["staff_id"], mereana["required"]) == (
        "PARTICIPANT_ROLE_SOCIAL_WORKER", "Mereana Kora", social_worker, True,
    )  # fmt: skip

    found = await kahu.json("conference", "slots", conference_id, "--limit", "3")
    assert 1 <= len(found["slots"]) <= 3 and {s["venue_id"] for s in found["slots"]} == {venue_id}
    table = (await kahu.ok("conference", "slots", conference_id, "--limit", "3")).stdout
    assert _nz(found["slots"][0]["start"]) in table and venue_id in table

    await kahu.ok(
        "conference", "reschedule", conference_id, "--reason", "The marae is closed for a tangihanga.",
        "--by", people.coordinator,
    )  # fmt: skip
    second = await _invited(kahu, conference_id, 2)
    assert second["state"]["convening_due"] == booked["state"]["convening_due"]
    assert "booking.released" in [e["action"] for e in second["state"]["timeline"]]

    whanau = _by_role(second, "PARTICIPANT_ROLE_WHANAU")
    answered = await kahu.json(
        "conference", "respond", conference_id, whanau["participant_id"], "--response", "declined",
        "--by", people.coordinator,
    )  # fmt: skip
    assert answered["state"]["round"] == 2  # whānau are not required: the booking stands
    after = _by_role((await kahu.json("conference", "show", conference_id))["conference"], "PARTICIPANT_ROLE_WHANAU")
    assert after["response"] == "INVITATION_RESPONSE_DECLINED"

    elsewhere = mint(
        kahu.settings, staff("yjc.elsewhere", roles=frozenset({"youth_justice_coordinator"}), sites=frozenset({"hutt"}))
    )
    denied = await kahu("conference", "show", conference_id, token=elsewhere)
    assert denied.exit_code == 1 and "PERMISSION_DENIED" in denied.stderr


async def test_no_slot_tells_the_manager_until_the_coordinator_books_one(kahu: Kahu, tmp_path: Path) -> None:
    site, people = "south-auckland", Staff()
    await _register(kahu, site, people, venue=None)  # no venue at the site: no slot
    started = await kahu.json("conference", "start", str(_start_file(tmp_path, site, people)))
    conference_id = started["conference_id"]

    async def told() -> Any:  # on the supervisors' queue, like every escalation
        listed = await kahu.json("queue", "list", "--kind", "convening", "--site", site)
        return [e for e in listed.get("items", []) if e["conference_id"] == conference_id] or None

    (escalation,) = await eventually(told)
    assert (escalation["level"], escalation["cycle"], escalation["assignee"]) == (
        "ESCALATION_LEVEL_NO_SLOT", 1, people.manager,
    )  # fmt: skip
    table = (await kahu.ok("queue", "list", "--kind", "convening", "--site", site)).stdout
    assert escalation["escalation_id"] in table and "no-slot" in table and people.manager in table

    venue_id = str(
        (await kahu.json("conference", "register-venue", "--site", site, "--name", "Kōtuku room"))["venue_id"]
    )
    found = await kahu.json("conference", "slots", conference_id, "--limit", "3")
    choice = found["slots"][1]
    booked = await kahu.json(
        "conference", "book", conference_id, "--start", _nz(choice["start"]), "--venue", venue_id,
        "--by", people.coordinator,
    )  # fmt: skip
    assert booked["state"]["stage"] == "CONFERENCE_STAGE_BOOKED"
    assert (booked["state"]["booking"]["slot"]["start"], booked["state"]["booking"]["booked_by"]) == (
        choice["start"], people.coordinator,
    )  # fmt: skip

    async def resolved() -> Any:
        listed = await kahu.json("queue", "list", "--kind", "convening", "--site", site)
        return listed if not [e for e in listed.get("items", []) if e["conference_id"] == conference_id] else None

    await eventually(resolved)
    with_resolved = await kahu.json("queue", "list", "--kind", "convening", "--site", site, "--include-resolved")
    assert [e["resolved"] for e in with_resolved["items"] if e["conference_id"] == conference_id] == [True]

    start = dt.datetime.fromisoformat(choice["start"].replace("Z", "+00:00")).astimezone(NZ)
    off_grid = (start + dt.timedelta(minutes=7)).strftime("%Y-%m-%d %H:%M")
    refused = await kahu(
        "conference", "book", conference_id, "--start", off_grid, "--venue", venue_id, "--by", people.coordinator
    )
    assert refused.exit_code == 2, refused.output
    assert "INVALID_ARGUMENT" in refused.stderr and " — start: must be on the slot grid" in refused.stderr


async def test_a_conference_held_records_its_outcome_from_the_example_file(
    kahu: Kahu, tmp_path: Path, fast_conference_address: str
) -> None:
    site, people = "east-auckland", Staff()
    await _register(kahu, site, people, venue="Ōtara room", hours=False)  # held a second or two from now
    started = await kahu.json(
        "--conference", fast_conference_address, "conference", "start", str(_start_file(tmp_path, site, people))
    )
    conference_id = started["conference_id"]
    await _invited(kahu, conference_id, 1)

    async def held() -> Any:  # booked a second or two ahead: refused until it has started
        result = await kahu("conference", "held", conference_id, "--by", people.coordinator, "--json")
        assert result.exit_code in (0, 2), result.output
        return json.loads(result.stdout) if result.exit_code == 0 else None

    assert (await eventually(held))["state"]["stage"] == "CONFERENCE_STAGE_HELD"

    empty = await kahu("conference", "outcome", conference_id, "--agreed", "--by", people.coordinator)
    assert empty.exit_code == 2 and "plan_actions: an agreed plan has at least one action" in empty.stderr
    await kahu.ok("conference", "outcome", conference_id, "--file", str(OUTCOME_EXAMPLE), "--by", people.coordinator)

    closed = await _stage(kahu, conference_id, "CONFERENCE_STAGE_CLOSED")
    actions = yaml.safe_load(OUTCOME_EXAMPLE.read_text(encoding="utf-8"))["plan_actions"]
    assert closed["outcome"]["agreed"] and closed["outcome"]["plan_actions"] == actions
    assert closed["outcome"]["recorded_by"] == people.coordinator
    shown = (await kahu.ok("conference", "show", conference_id)).stdout
    assert "closed" in shown and f"agreed, {len(actions)} action(s)" in shown and actions[0] in shown


async def test_bad_input_names_the_fields_and_starts_nothing(kahu: Kahu, tmp_path: Path) -> None:
    people = Staff()

    def broken(data: dict[str, Any]) -> None:
        data["site"] = "atlantis"
        data["participants"] = [p for p in data["participants"] if p["role"] != "young-person"]
        data["participants"][-1]["required"] = True  # the victim: never required

    result = await kahu("conference", "start", str(_start_file(tmp_path, "hutt", people, broken)))
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("kahu: error: conference StartConference: INVALID_ARGUMENT: ")
    for violation in (
        "site: is not a known site code",
        "participants: must name the young person exactly once",
        "participants[3].required: a victim's attendance is their choice",
    ):
        assert violation in result.stderr

    def typo(data: dict[str, Any]) -> None:
        data["participants"][0]["role"] = "young-persn"

    misspelt = await kahu("conference", "start", str(_start_file(tmp_path, "hutt", people, typo)))
    assert misspelt.exit_code == 2 and misspelt.stderr.count("\n") == 1
    assert "participants[0].role: 'young-persn' is not one of PARTICIPANT_ROLE_YOUNG_PERSON" in misspelt.stderr
    keyed = await kahu(
        "conference",
        "start",
        str(_start_file(tmp_path, "hutt", people, lambda d: d.update(idempotency_key="k1234567"))),
    )
    assert keyed.exit_code == 2 and "idempotency_key: is not set in the file; give the key with" in keyed.stderr

    hours = await kahu("conference", "register-coordinator", "yjc.x", "--site", "hutt", "--manager", "m.x",
                       "--hours", "mon-fri 9am-5pm")  # fmt: skip
    assert hours.exit_code == 2 and "is not working hours" in hours.output
    neither = await kahu("conference", "show")
    assert neither.exit_code == 2 and "give a CONFERENCE_ID or --case CASE_ID" in neither.stderr
    calendars = await kahu("conference", "add-busy", "--start", "+1d", "--end", "+2d", "--staff", "a", "--venue",
                           str(uuid.uuid4()))  # fmt: skip
    assert calendars.exit_code == 2 and "give one calendar" in calendars.stderr


async def test_the_conference_a_triage_decision_started_is_found_by_its_case(kahu: Kahu, report_file: Path) -> None:
    people = Staff()
    await _register(kahu, "hutt", people, venue=None)  # the case's site has a coordinator
    case_id = str((await kahu.json("report", "submit", str(report_file)))["case_id"])

    async def proposed() -> Any:
        shown = await kahu.json("case", "show", case_id)
        return shown if "proposal" in shown else None

    await eventually(proposed)
    await kahu.ok(
        "triage", "decide", case_id, "--pathway", "youth-justice-fgc", "--reason", "Offending: Police referral.",
        "--by", "sw.aroha",
    )  # fmt: skip

    async def started() -> Any:
        result = await kahu("conference", "show", "--case", case_id, "--json")
        return json.loads(result.stdout)["conference"] if result.exit_code == 0 else None

    conference = await eventually(started)
    assert conference["case_id"] == case_id and conference["site"] == "hutt"
    assert conference["trigger"]["kind"] == "TRIGGER_KIND_TRIAGE_REFERRAL"
    by_id = (await kahu.json("conference", "show", conference["conference_id"]))["conference"]
    assert by_id["case_id"] == case_id


async def test_a_court_directed_care_and_protection_conference_from_the_example_files(
    kahu: Kahu, tmp_path: Path, fast_conference_address: str
) -> None:
    site, people = "west-coast", Staff()
    venue_id = await _register(kahu, site, people, venue="Arahura Marae", hours=False)  # held a second or two from now
    data = dict(yaml.safe_load(COURT_DIRECTION_EXAMPLE.read_text(encoding="utf-8")))
    now = dt.datetime.now(NZ)
    data["site"], data["coordinator_id"] = site, people.coordinator
    data["trigger"]["court_convene_by"] = (now + dt.timedelta(days=20)).strftime("%Y-%m-%d %H:%M")
    data["trigger"]["court_report_by"] = (now + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    data["participants"][-1]["staff_id"] = f"sw.{uuid.uuid4().hex[:8]}"
    path = tmp_path / "court.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    started = await kahu.json("--conference", fast_conference_address, "conference", "start", str(path))
    conference_id = started["conference_id"]

    consulting = await _stage(kahu, conference_id, "CONFERENCE_STAGE_CONSULTING")
    assert consulting["state"]["care_and_protection"]
    shown = (await kahu.ok("conference", "show", conference_id)).stdout
    assert "care and protection" in shown and "the court's date to convene" in shown and "not yet" in shown
    koro = _by_role(consulting, "PARTICIPANT_ROLE_WHANAU")["participant_id"]
    await kahu.ok(
        "conference", "consult", conference_id, "--not-before", "now", "--not-after", "+7d",
        "--venue", str(venue_id), "--attendee", koro, "--notes", "Koro asks for the marae.",
        "--by", people.coordinator,
    )  # fmt: skip
    booked = await _invited(kahu, conference_id, 1)
    assert booked["state"]["booking"]["slot"]["venue_id"] == venue_id and booked["state"]["consulted"]

    async def held(*extra: str) -> Any:  # booked a second or two ahead: refused until it has started
        result = await kahu("conference", "held", conference_id, *extra, "--by", people.coordinator, "--json")
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2 and "private time" in result.stderr:
            return result.stderr
        return json.loads(result.stdout) if result.exit_code == 0 else None

    assert "private time is part of a care and protection conference" in await eventually(held)
    answer = await eventually(lambda: held("--private-time", "45"))
    assert answer["state"]["private_time"]["minutes"] == 45

    outcome = dict(yaml.safe_load(CARE_OUTCOME_EXAMPLE.read_text(encoding="utf-8")))
    outcome["plan"]["review_due"] = (now + dt.timedelta(days=60)).strftime("%Y-%m-%d %H:%M")
    for days, action in enumerate(outcome["plan"]["actions"], 10):
        action["due_at"] = (now + dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M")
    outcome_path = tmp_path / "care-outcome.yaml"
    outcome_path.write_text(yaml.safe_dump(outcome, allow_unicode=True), encoding="utf-8")
    await kahu.ok("conference", "outcome", conference_id, "--file", str(outcome_path), "--by", people.coordinator)

    closed = await _stage(kahu, conference_id, "CONFERENCE_STAGE_CLOSED")
    agencies = [a["owner_agency"] for a in closed["outcome"]["plan"]["actions"]]
    assert agencies == ["oranga-tamariki", "health-nz", "education"]
    shown = (await kahu.ok("conference", "show", conference_id)).stdout
    assert "45 minutes" in shown and "health-nz" in shown and "the child's plan led by sw.mere" in shown
    assert "plan.kept" in shown, "a conference without a case keeps its plan with its record"
