"""The CLI's own parsing, without the platform: enum words, durations, due times, report files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer

from cli import params, reportfile
from kahu.v1 import common_pb2
from tests.cli.conftest import EXAMPLE, example

CHOICES = [
    (params.STAGE, common_pb2.CaseStage),
    (params.PATHWAY, common_pb2.Pathway),
    (params.TIMEFRAME, common_pb2.Timeframe),
    (params.OUTCOME, common_pb2.Outcome),
    (params.DEADLINE_KIND, common_pb2.DeadlineKind),
    (params.CONCERN, common_pb2.ConcernCategory),
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
