"""One trace from an incoming traceparent through the workflow, its activity and SQL."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from kahu.v1 import common_pb2, intake_pb2
from tests import factories
from tests.conftest import SPANS, Platform
from tests.polling import eventually

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"


async def test_submit_report_produces_one_connected_trace(platform: Platform) -> None:
    metadata = (("traceparent", f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"),)
    await platform.intake.SubmitReport(factories.submit_request(), metadata=metadata)

    def spans() -> list[ReadableSpan]:
        return [s for s in SPANS.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]

    async def activity_done() -> list[ReadableSpan]:
        found = spans()
        return found if any(s.name == "RunActivity:propose_triage" for s in found) else []

    found = await eventually(activity_done)

    def one(name: str, kind: SpanKind | None = None) -> ReadableSpan:
        matches = [s for s in found if s.name == name and (kind is None or s.kind == kind)]
        assert len(matches) == 1, f"{name}: {len(matches)} spans"
        return matches[0]

    def parent_of(span: ReadableSpan) -> int | None:
        return span.parent.span_id if span.parent else None

    submit = one("/kahu.v1.IntakeService/SubmitReport", SpanKind.SERVER)
    assert parent_of(submit) == int(PARENT_SPAN_ID, 16)
    assert submit.parent is not None and submit.parent.is_remote
    start = one("StartWorkflow:CaseWorkflow")
    assert parent_of(start) == submit.context.span_id
    stored = [s for s in found if s.name == "INSERT" and parent_of(s) == submit.context.span_id]
    assert len(stored) >= 2  # the report and its case, at least

    run_workflow = one("RunWorkflow:CaseWorkflow")
    assert parent_of(run_workflow) == start.context.span_id
    start_activity = one("StartActivity:propose_triage")
    assert parent_of(start_activity) in {start.context.span_id, run_workflow.context.span_id}
    run_activity = one("RunActivity:propose_triage")
    assert parent_of(run_activity) == start_activity.context.span_id

    rpc_out = one("/kahu.v1.TriageService/ProposeTriage", SpanKind.CLIENT)
    assert parent_of(rpc_out) == run_activity.context.span_id
    rpc_in = one("/kahu.v1.TriageService/ProposeTriage", SpanKind.SERVER)
    assert parent_of(rpc_in) == rpc_out.context.span_id
    kept = [s for s in found if s.name == "INSERT" and parent_of(s) == rpc_in.context.span_id]
    assert len(kept) >= 2  # the proposal and the call's audit record
    # the outbox's mark that the workflow started is part of the submission's trace
    (marked,) = [s for s in found if s.name == "UPDATE" and parent_of(s) == submit.context.span_id]
    assert marked not in kept


async def test_spans_carry_no_personal_data(platform: Platform) -> None:
    request = factories.submit_request()
    response = await platform.intake.SubmitReport(request)
    personal = [request.report.children[0].name, request.report.reporter.name, request.report.risk_reason]

    async def in_triage() -> bool:
        case = (await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=response.case_id))).case
        return case.stage == common_pb2.CASE_STAGE_TRIAGE

    await eventually(in_triage)
    for span in SPANS.get_finished_spans():
        text = f"{span.name} {dict(span.attributes or {})} {[e.attributes for e in span.events]}"
        for value in personal:
            assert value not in text, span.name
