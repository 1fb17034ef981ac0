"""A whole case with distinctive personal data, then a search of everything Temporal and
the platform keep or emit outside the services' own databases: the raw workflow histories
(every event as Temporal stores it), search attributes, workflow IDs, the logs of every
service and the worker (captured), the spans exported, and the audit trail. None of the
personal data may appear; the histories' payloads are encrypted, and decrypting them finds
what the workflows do hold (so the search would have found it in clear)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

import asyncpg
import pytest

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2
from services.common.codec import ENCODING, EncryptionCodec
from services.common.convert import timestamp
from tests import factories
from tests.conftest import METRICS, SPANS, Platform
from tests.history import decrypted, raw_history
from tests.intake.reports import closed_case, decide, get_case
from tests.polling import answered, eventually
from workflows.case.model import assessment_workflow_id, workflow_id


def _mark(label: str) -> str:
    """A word that appears nowhere else: if it turns up, we know which field leaked."""
    return f"Qx{label}{secrets.token_hex(4)}"


@pytest.fixture
def personal() -> dict[str, str]:
    return {
        "child": f"Āniwaniwa {_mark('child')} Pōtae",
        "reporter": f"Mere {_mark('reporter')} Tūhoe",
        "contact": f"021 {_mark('phone')}",
        "address": f"12 Kōwhai Street, {_mark('address')}",
        "school": f"{_mark('school')} Primary",
        "iwi": f"Ngāti {_mark('iwi')}",
        "household": f"Hēmi {_mark('household')} Pōtae",
        "incident": f"Bruises seen by {_mark('incident')} on Monday.",
        "risk": f"Dad's partner {_mark('risk')} hits the children.",
        "prior": f"Earlier report about {_mark('prior')}.",
        "decision": f"Family violence at {_mark('decision')}'s house.",
        "findings": f"Fridge empty; {_mark('findings')} says dad sleeps all day.",
        "extension": f"Waiting for {_mark('extension')}'s school records.",
        "completion": f"Whānau plan agreed with {_mark('completion')}.",
    }


def _report(personal: dict[str, str]) -> intake_pb2.SubmitReportRequest:
    request = factories.submit_request()
    report = request.report
    report.reporter.name, report.reporter.contact = personal["reporter"], personal["contact"]
    child = report.children[0]
    child.name, child.address, child.school, child.iwi = (
        personal["child"],
        personal["address"],
        personal["school"],
        personal["iwi"],
    )
    child.date_of_birth.CopyFrom(common_pb2.Date(year=2015, month=7, day=23))
    report.household[0].name = personal["household"]
    report.incidents[0].description = personal["incident"]
    report.risk_reason = personal["risk"]
    report.prior_involvement.details = personal["prior"]
    return request


async def _run_the_case(platform: Platform, personal: dict[str, str]) -> str:
    case_id = (await platform.intake.SubmitReport(_report(personal))).case_id

    async def proposed() -> bool:
        return (await get_case(platform, case_id)).HasField("proposal")

    await eventually(proposed)
    await decide(platform, case_id, reason=personal["decision"])

    allocate = assessment_pb2.AllocateRequest(
        idempotency_key=f"p-{uuid.uuid4()}",
        case_id=case_id,
        social_worker="sw.tama",
        site="hutt",
        allocated_by="sup.mere",
    )
    await answered(lambda: platform.assessment.Allocate(allocate))  # NOT_FOUND: the assessment is still starting
    await platform.assessment.RecordFindings(
        assessment_pb2.RecordFindingsRequest(
            idempotency_key=f"p-{uuid.uuid4()}", case_id=case_id, recorded_by="sw.tama", summary=personal["findings"]
        )
    )
    await platform.supervision.ExtendDeadline(
        supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=f"p-{uuid.uuid4()}",
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
            due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=40)),
            extended_by="sup.mere",
            reason=personal["extension"],
            reason_code="FAMILY_REQUESTED",
        )
    )
    await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=f"p-{uuid.uuid4()}",
            case_id=case_id,
            completed_by="sw.tama",
            outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
            reason=personal["completion"],
        )
    )

    await closed_case(platform, case_id)
    return str(case_id)


def _leaks(personal: dict[str, str], where: str, text: str | bytes) -> list[str]:
    found = []
    for label, value in personal.items():
        marker = next(word for word in value.replace("'", " ").replace(",", " ").split() if word.startswith("Qx"))
        needles = [value, marker]
        haystack = text if isinstance(text, str) else text.decode("utf-8", "replace")
        if any(needle in haystack for needle in needles):
            found.append(f"{label} in {where}")
    return found


async def test_a_whole_case_leaves_no_personal_data_outside_the_services(
    platform: Platform,
    personal: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    SPANS.clear()
    with caplog.at_level(logging.DEBUG):
        case_id = await _run_the_case(platform, personal)
    leaks: list[str] = []

    # raw workflow histories, as Temporal stores them
    codec = EncryptionCodec.from_dir(platform.settings.payload_keys_dir)
    inside = b""
    ids = [workflow_id(case_id), assessment_workflow_id(case_id)]
    for wf in ids:
        stored, payloads = await raw_history(platform.temporal, wf)
        leaks += _leaks(personal, f"history of {wf}", stored)
        assert any(p.metadata.get("encoding") == ENCODING for p in payloads)
        inside += decrypted(codec, payloads)
    # the search would have found what the histories hold, were it in clear
    assert personal["decision"].encode() in inside
    assert personal["findings"].encode() not in inside  # findings' text never goes to Temporal

    # search attributes and workflow IDs
    for wf in ids:
        described = await platform.temporal.get_workflow_handle(wf).describe()
        attributes = {key.name: value for key, value in described.typed_search_attributes}
        leaks += _leaks(personal, f"search attributes of {wf}", repr(attributes))
        leaks += _leaks(personal, "workflow id", described.id)
    async for execution in platform.temporal.list_workflows(f"WorkflowId STARTS_WITH 'case-{case_id}'"):
        leaks += _leaks(personal, "workflow list", f"{execution.id} {execution.typed_search_attributes}")

    # logs of every service and the worker (in this process), and anything on stdout/stderr
    for record in caplog.records:
        leaks += _leaks(personal, f"log {record.name}", f"{record.getMessage()} {record.args} {record.__dict__}")
    out, err = capfd.readouterr()
    leaks += _leaks(personal, "stdout/stderr", out + err)

    # spans exported
    for span in SPANS.get_finished_spans():
        text = f"{span.name} {dict(span.attributes or {})} {[(e.name, e.attributes) for e in span.events]}"
        text += f" {span.status.description} {dict(span.resource.attributes)}"
        leaks += _leaks(personal, f"span {span.name}", text)

    # metrics: every series' labels
    data = METRICS.get_metrics_data()
    assert data is not None
    series = [
        (metric.name, dict(point.attributes or {}))
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        for point in metric.data.data_points
    ]
    assert series, "no metric was recorded"
    leaks += _leaks(personal, "metric labels", repr(series))

    # the audit trails: who did what to which case, never what the case says
    conn = await asyncpg.connect(platform.database_url)
    try:
        for schema in ("intake", "triage", "assessment", "supervision"):
            rows = await conn.fetch(f"SELECT * FROM {schema}.audit WHERE case_id = $1", case_id)
            assert rows, f"no audit record in {schema}"
            leaks += _leaks(personal, f"{schema}.audit", repr([dict(r) for r in rows]))
    finally:
        await conn.close()

    assert caplog.records and SPANS.get_finished_spans(), "nothing was captured to search"
    assert not leaks, "personal data found: " + "; ".join(leaks)
