"""Getting an accepted report to its case's workflow: starting a new case's workflow, or
delivering a further report to an open case's, whether the caller waits for it or not.

A report and its case commit before the workflow hears of them, so intake keeps an outbox:
`intake.cases.workflow_started_at` and `intake.reports.delivered_at` stay NULL until the
workflow has them, and `CaseOutbox` finishes, every few seconds, what a call left undone (a
Temporal outage, a caller that gave up, a crash between the commit and the start). Starting
and delivering are idempotent (the workflow id, the report's key as the update id), so the
call and the outbox may both try.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from temporalio.client import Client

from kahu.v1 import common_pb2
from services.common.audit import Auditor
from services.common.authz import background_call, note_case
from services.common.errors import FailedPrecondition
from services.common.outbox import BATCH, attempt, mark_in_background, run_outbox, start_once
from services.common.sites import Site, load_sites
from services.common.updates import AlreadyDone, query, send_update_once_started
from services.intake.facts import case_facts
from services.intake.matching import report_keys
from services.intake.store import Accepted, CaseRow, IntakeStore
from workflows.case import rules
from workflows.case.model import AdditionalInformation, CaseInput, DeadlineKind, Stage, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Policy
from workflows.policy.working_days import NZ, add_span


def new_case(report: common_pb2.Report, site: Site, policy: Policy, received_at: dt.datetime) -> CaseRow:
    """The case a report opens: its urgency and triage deadline from what the report says,
    counted from receipt (the earliest of the deadlines that apply: workflows/case/rules.py)."""
    case_id = str(uuid.uuid4())
    facts = case_facts(report, received_at.astimezone(NZ).date())
    triage_due_at = rules.earliest(
        add_span(received_at, span, site.code) for span in rules.triage_spans(policy.case, facts)
    )
    urgency = rules.urgency_at_receipt(facts)
    return CaseRow(
        case_id=case_id,
        workflow_id=workflow_id(case_id),
        site=site.code,
        region=site.region,
        stage=Stage.INTAKE.value,
        concerns=[common_pb2.ConcernCategory.Name(c) for c in report.concerns],
        immediate_danger=report.immediate_danger,
        child_count=len(report.children),
        received_at=received_at,
        triage_due_at=triage_due_at,
        timeframe=urgency.value if urgency is not None else None,
        deadline_kind=DeadlineKind.TRIAGE.value,
        due_at=triage_due_at,
    )


class CaseDelivery:
    """Starts case workflows and delivers further reports to them, for a call or the outbox."""

    def __init__(self, store: IntakeStore, temporal: Client, task_queue: str, policy: Policy, match_key: bytes) -> None:
        self._store = store
        self._temporal = temporal
        self._task_queue = task_queue
        self._policy = policy
        self._match_key = match_key

    async def start_case(self, case: CaseRow, report: common_pb2.Report) -> None:
        """Start the case's workflow (a retry finds the one already started), then mark it
        started in the outbox (after the answer: the mark is not the caller's to wait for)."""
        received_on = case.received_at.astimezone(NZ).date()
        await start_once(
            self._temporal,
            CaseWorkflow.run,
            CaseInput(
                case_id=case.case_id,
                site=case.site,
                region=case.region,
                concerns=case.concerns,
                immediate_danger=case.immediate_danger,
                child_count=case.child_count,
                facts=case_facts(report, received_on),
                policy=self._policy.case,
                received_at=case.received_at,
                triage_due_at=case.triage_due_at,
            ),
            workflow_id=case.workflow_id,
            task_queue=self._task_queue,
            stage=Stage.INTAKE.value,
            site=case.site,
            region=case.region,
        )
        mark_in_background(self._store.mark_started(case.case_id), f"case {case.case_id}")

    async def add_information(self, key: str, accepted: Accepted, report: common_pb2.Report) -> Accepted:
        """Tell the open case's workflow about the report (once: `key` is the update id). A
        case that has the report already counts as delivered; a case that closed meanwhile
        gives the report a new case of its own, started here."""
        info = AdditionalInformation(
            report_id=accepted.report_id,
            concerns=[common_pb2.ConcernCategory.Name(c) for c in report.concerns],
            immediate_danger=report.immediate_danger,
            facts=case_facts(report, dt.datetime.now(NZ).date()),
        )
        try:
            await self._send_information(accepted.case.workflow_id, info, key=key)
        except AlreadyDone:
            pass  # the case has the report
        except FailedPrecondition:
            stage = await query(self._temporal, accepted.case.workflow_id, CaseWorkflow.stage)
            if stage is not None and stage != Stage.CLOSED:
                raise
            site = load_sites()[accepted.case.site]
            moved = await self._store.move_to_new_case(
                accepted,
                new_case(report, site, self._policy, dt.datetime.now(dt.UTC)),
                report_keys(self._match_key, report.children, dt.datetime.now(NZ).date()),
            )
            if not moved.additional:
                await self.start_case(moved.case, report)
            return moved
        await self._store.mark_delivered(accepted.report_id)
        return replace(accepted, delivered=True)

    async def _send_information(self, workflow: str, info: AdditionalInformation, *, key: str) -> None:
        """Send the report to the open case's workflow. The report that opened the case may
        not have started that workflow yet: wait for it a little, then ask the caller to
        retry with the same key (the outbox delivers it meanwhile)."""
        await send_update_once_started(
            self._temporal,
            workflow,
            CaseWorkflow.add_information,
            info,
            key=key,
            starting=_on_its_way,
            still_starting="the case this report belongs to is still starting; retry with the same idempotency_key",
        )


async def _on_its_way() -> bool:
    """An open case's workflow has started, or is starting: its call or the outbox starts it."""
    return True


#: What the outbox's own writes are audited as.
OUTBOX_ACTION = "kahu.intake/Outbox"


class CaseOutbox:
    """Finishes what calls left undone: unstarted case workflows, undelivered reports."""

    def __init__(self, store: IntakeStore, delivery: CaseDelivery, auditor: Auditor) -> None:
        self._store = store
        self._delivery = delivery
        self._auditor = auditor

    async def run(self) -> None:
        await run_outbox("intake", self.drain)

    async def drain(self, before: dt.datetime) -> int:
        """One round over what was stored before `before`: how many it finished."""
        finished = 0
        for case, report in await self._store.unstarted(before, BATCH):
            with background_call("intake", OUTBOX_ACTION, self._auditor):
                note_case(case.case_id)
                finished += await attempt(f"start case {case.case_id}", self._delivery.start_case(case, report))
        for pending in await self._store.undelivered(before, BATCH):
            with background_call("intake", OUTBOX_ACTION, self._auditor):
                note_case(pending.accepted.case.case_id)
                delivering = self._delivery.add_information(pending.key, pending.accepted, pending.report)
                finished += await attempt(f"deliver report {pending.accepted.report_id}", delivering)
        return finished
