"""The CLI's own parsing, without the platform: enum words, durations, due times, report files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer

from cli import params, protofile, reportfile
from kahu.v1 import common_pb2, conference_pb2, placement_pb2, supervision_pb2
from tests.cli.conftest import (
    CARE_OUTCOME_EXAMPLE,
    CONFERENCE_EXAMPLE,
    COURT_DIRECTION_EXAMPLE,
    EXAMPLE,
    OUTCOME_EXAMPLE,
    example,
)
from workflows.policy.working_days import NZ

CHOICES = [
    (params.STAGE, common_pb2.CaseStage),
    (params.PATHWAY, common_pb2.Pathway),
    (params.TIMEFRAME, common_pb2.Timeframe),
    (params.OUTCOME, common_pb2.Outcome),
    (params.DEADLINE_KIND, common_pb2.DeadlineKind),
    (params.CONCERN, common_pb2.ConcernCategory),
    (params.SEARCH_STAGE, placement_pb2.PlacementSearchStage),
    (params.TIER, placement_pb2.PlacementTier),
    (params.EXCLUSION, placement_pb2.ExclusionReason),
    (params.HOLD_STATUS, placement_pb2.HoldStatus),
    (params.RELEASE_REASON, placement_pb2.ReleaseReason),
    (params.APPROVAL, placement_pb2.ApprovalStatus),
    (params.CAREGIVER_KIND, placement_pb2.CaregiverKind),
    (params.SUPPORT_NEED, placement_pb2.SupportNeed),
    (params.TRIGGER, conference_pb2.TriggerKind),
    (params.ROLE, conference_pb2.ParticipantRole),
    (params.RESPONSE, conference_pb2.InvitationResponse),
    (params.CONFERENCE_STAGE, conference_pb2.ConferenceStage),
    (params.CONFERENCE_DEADLINE, conference_pb2.ConferenceDeadline),
    (params.CONFERENCE_ESCALATION_LEVEL, conference_pb2.ConferenceEscalationLevel),
    (params.ESCALATION_LEVEL, supervision_pb2.EscalationLevel),
    (params.ATTENTION_REASON, supervision_pb2.AttentionReason),
    (params.ATTENTION_DECISION, supervision_pb2.AttentionDecision),
]


@pytest.mark.parametrize(("choice", "enum"), CHOICES)
def test_every_proto_value_has_a_word_that_parses_back(choice: params.Choice, enum: Any) -> None:
    for name, number in enum.items():
        if number == 0:
            assert choice.label(number) == "-"
            continue
        word = choice.label(number)
        assert word.islower() and "_" not in word
        assert choice(word) == number
        assert choice(name) == number  # the proto name works too


def test_choice_words_and_typos() -> None:
    assert params.STAGE("awaiting-consent") == common_pb2.CASE_STAGE_AWAITING_CONSENT
    assert params.STAGE("Awaiting_Consent") == common_pb2.CASE_STAGE_AWAITING_CONSENT
    assert params.STAGE.label(99) == "99"
    with pytest.raises(typer.BadParameter, match="not one of: intake, triage, awaiting-consent"):
        params.STAGE("triaged")


@pytest.mark.parametrize(
    ("word", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("48h", 172800), ("2d", 172800), ("1d12h", 129600)]
)
def test_durations(word: str, seconds: int) -> None:
    assert params.duration(word) == seconds


@pytest.mark.parametrize("word", ["", "h", "2 days", "1.5h", "-3h", "2x"])
def test_bad_durations(word: str) -> None:
    with pytest.raises(typer.BadParameter):
        params.duration(word)


def test_due_times() -> None:
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    assert params.due_time("+2d", now) == now + dt.timedelta(days=2)
    assert params.due_time("2026-11-30T17:00+13:00", now) == dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)
    assert params.due_time("2026-11-30T17:00", now).utcoffset() is not None  # local time
    with pytest.raises(typer.BadParameter):
        params.due_time("next tuesday", now)


def test_generated_idempotency_keys_are_fresh_and_valid() -> None:
    first, second = params.idempotency_key(None), params.idempotency_key(None)
    assert first != second and 8 <= len(first) <= 128
    assert params.idempotency_key("given-key-1") == "given-key-1"


def test_the_example_parses_with_its_macrons() -> None:
    report = reportfile.load(str(EXAMPLE))
    assert report.site == "hutt"
    assert report.children[0].name == "Kōwhai Rangitāne"
    assert report.reporter.agency == common_pb2.AGENCY_HEALTH_NZ


def _write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _changed(change: Any) -> dict[str, Any]:
    data = example()
    change(data)
    return data


BAD_FILES = [
    (lambda d: d["household"][1].update(adult_of_concern="yes"), "report.household[1].adult_of_concern: "),
    (lambda d: d["children"][0]["date_of_birth"].update(year="2019x"), "report.children[0].date_of_birth.year: "),
    (lambda d: d.update(concerns=["CONCERN_CATEGORY_NEGLECT", "WORRY"]), "report.concerns[1]: 'WORRY' is not one of"),
    (lambda d: d["reporter"].update(kind="POLICE"), "report.reporter.kind: 'POLICE' is not one of"),
    (lambda d: d.update(children={"name": "x"}), "report.children: must be a JSON list"),
    (lambda d: d["children"][0].update(langauges=[]), "report.children[0].langauges: is not a field of Child"),
    (lambda d: d["incidents"].__setitem__(0, "yesterday"), "report.incidents[0]: must be a JSON object"),
]


@pytest.mark.parametrize(("change", "message"), BAD_FILES)
def test_a_bad_report_file_names_the_field(tmp_path: Path, change: Any, message: str) -> None:
    path = _write(tmp_path, _changed(change))
    with pytest.raises(reportfile.ReportFileError) as raised:
        reportfile.load(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "\n" not in str(raised.value)


def test_json_names_are_accepted_too(tmp_path: Path) -> None:
    data = _changed(lambda d: d.update(riskReason=d.pop("risk_reason")))
    assert reportfile.load(_write(tmp_path, data)).risk_reason.startswith("Repeated family violence")


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(reportfile.ReportFileError, match=r"cannot read .*missing\.json: No such file"):
        reportfile.load(str(tmp_path / "missing.json"))
    (tmp_path / "latin1.json").write_bytes(b'{"site": "\xe9"}')
    with pytest.raises(reportfile.ReportFileError, match="cannot read"):
        reportfile.load(str(tmp_path / "latin1.json"))


def test_times_without_an_offset_are_new_zealand_time() -> None:
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 11, 25, 14, 0, tzinfo=NZ)  # NZDT, +13:00
    assert params.nz_time("2026-11-25 14:00", now) == summer
    assert params.nz_time("2026-11-25T14:00", now) == summer
    assert params.nz_time("2026-11-25 14:00 NZDT", now) == summer  # as the tables print it
    assert params.nz_time("2026-11-25 14:00", now).utcoffset() == dt.timedelta(hours=13)
    assert params.nz_time("2026-06-25 14:00", now).utcoffset() == dt.timedelta(hours=12)  # NZST
    assert params.nz_time("2026-11-25T14:00+00:00", now) == dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
    assert params.nz_time("now", now) == now
    assert params.nz_time("+2h", now) == now + dt.timedelta(hours=2)
    assert params.nz_time("-1d", now) == now - dt.timedelta(days=1)
    assert params.nz_time("-30m", now) == now - dt.timedelta(minutes=30)  # `assessment seen --at -30m`
    midnight = params.nz_time("2025-03-01", now)  # a date (`report sla --from`): its start in New Zealand
    assert midnight == dt.datetime(2025, 2, 28, 11, 0, tzinfo=dt.UTC)
    for word in ("tomorrow", "-", "2026-13-01 10:00", "+2 days"):
        with pytest.raises(typer.BadParameter):
            params.nz_time(word, now)


def test_ids_must_be_uuids() -> None:
    assert params.uuid_value(" 9D73EDB1-9D12-529A-B886-541FC7407963 ") == "9d73edb1-9d12-529a-b886-541fc7407963"
    with pytest.raises(typer.BadParameter, match="'nana' is not an id"):
        params.uuid_value("nana")


def _periods(word: str) -> list[tuple[int, int, int]]:
    return [(p.iso_weekday, p.start_minute, p.end_minute) for p in params.Hours.parse(word).periods]


def test_working_hours() -> None:
    assert _periods("mon-fri 09:00-17:00") == [(d, 540, 1020) for d in range(1, 6)]
    assert _periods("Sat,sun 10:00-24:00") == [(6, 600, 1440), (7, 600, 1440)]
    assert _periods("mon,mon-tue 8:30-12:00") == [(1, 510, 720), (2, 510, 720)]


@pytest.mark.parametrize(
    "word", ["mon", "mon-fri 9am-5pm", "fri-mon 09:00-17:00", "mon 17:00-09:00", "mon 09:00-24:30", "funday 1:00-2:00"]
)
def test_bad_working_hours(word: str) -> None:
    with pytest.raises(typer.BadParameter, match="is not working hours"):
        params.Hours.parse(word)


def test_the_conference_examples_parse() -> None:
    start = protofile.load(str(CONFERENCE_EXAMPLE), conference_pb2.StartConferenceRequest())
    assert (start.site, start.trigger.kind) == ("hutt", conference_pb2.TRIGGER_KIND_INTENTION_TO_CHARGE)
    assert [p.role for p in start.participants].count(conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON) == 1
    assert not start.idempotency_key and not start.trigger.HasField("triggered_at")  # the CLI's to give
    outcome = protofile.load(str(OUTCOME_EXAMPLE), conference_pb2.RecordOutcomeRequest())
    assert outcome.agreed and len(outcome.plan_actions) == 3
    care = protofile.load(str(CARE_OUTCOME_EXAMPLE), conference_pb2.RecordOutcomeRequest())
    assert (
        care.agreed
        and not care.plan_actions
        and [a.owner_agency for a in care.plan.actions]
        == [
            "oranga-tamariki",
            "health-nz",
            "education",
        ]
    )
    assert care.plan.review_due.ToDatetime(dt.UTC) == dt.datetime(2027, 2, 25, 21, 0, tzinfo=dt.UTC)  # NZDT
    court = protofile.load(str(COURT_DIRECTION_EXAMPLE), conference_pb2.StartConferenceRequest())
    assert court.trigger.kind == conference_pb2.TRIGGER_KIND_CARE_AND_PROTECTION_COURT_DIRECTION
    assert court.trigger.court_report_by.ToDatetime(dt.UTC) == dt.datetime(2027, 1, 15, 4, 0, tzinfo=dt.UTC)


def _yaml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "request.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_yaml_file_takes_enum_words_and_new_zealand_times(tmp_path: Path) -> None:
    path = _yaml(
        tmp_path,
        "trigger: {kind: Court-Direction, triggered_at: 2026-11-20 10:30, detained: yes}\n"
        "participants: [{role: PARTICIPANT_ROLE_YOUNG_PERSON, name: Rawiri}, {role: whanau, name: Koro}]\n",
    )
    request = protofile.load(path, conference_pb2.StartConferenceRequest())
    assert request.trigger.kind == conference_pb2.TRIGGER_KIND_COURT_DIRECTION and request.trigger.detained
    assert request.trigger.triggered_at.ToDatetime(dt.UTC) == dt.datetime(2026, 11, 19, 21, 30, tzinfo=dt.UTC)  # NZDT
    assert [p.role for p in request.participants] == [
        conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON,
        conference_pb2.PARTICIPANT_ROLE_WHANAU,
    ]
    offset = protofile.load(
        _yaml(tmp_path, "trigger: {triggered_at: 2026-11-20T10:30:00Z}"), conference_pb2.StartConferenceRequest()
    )
    assert offset.trigger.triggered_at.ToDatetime(dt.UTC) == dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


BAD_YAML = [
    ("participants: [{role: young-persn}]", "participants[0].role: 'young-persn' is not one of PARTICIPANT_ROLE_"),
    ("participants: [{name: Rawiri, contact: 5550199}]", "participants[0].contact: 5550199 must be text"),
    ("trigger: {kind: court-direction, triggered_at: last tuesday}", "trigger.triggered_at: "),
    (
        "trigger: {kind: court-direction, offence_years: 3}",
        "trigger.offence_years: is not a field of ConferenceTrigger",
    ),
    ("participants: {role: whanau}", "participants: must be a JSON list"),
    ("site: [hutt", "not YAML or JSON: "),
    ("- hutt", "StartConferenceRequest: must be a JSON object"),
    ("idempotency_key: k12345678\nsite: hutt", "idempotency_key: is not set in the file; give the key elsewhere"),
]


@pytest.mark.parametrize(("text", "message"), BAD_YAML)
def test_a_bad_yaml_file_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = _yaml(tmp_path, text)
    with pytest.raises(protofile.ProtoFileError) as raised:
        protofile.load(
            path,
            conference_pb2.StartConferenceRequest(),
            fields=("trigger", "site", "coordinator_id", "participants"),
            elsewhere="give the key elsewhere",
        )
    assert str(raised.value).startswith(f"{path}: {message}"), str(raised.value)
    assert "\n" not in str(raised.value)
