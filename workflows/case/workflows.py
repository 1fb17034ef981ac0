"""CaseWorkflow: one durable workflow per case of concern."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.case.activities import CaseActivities
    from workflows.case.model import CaseInput, Stage, StageChange

RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


@workflow.defn
class CaseWorkflow:
    """Runs a case from intake to closure. This first version takes the case into triage
    and holds it there; triage decisions arrive with the case-lifecycle work."""

    def __init__(self) -> None:
        self._stage = Stage.INTAKE

    @workflow.run
    async def run(self, case: CaseInput) -> Stage:
        await self._enter(case, Stage.TRIAGE)
        await workflow.wait_condition(lambda: self._stage == Stage.CLOSED)
        return self._stage

    @workflow.query
    def stage(self) -> Stage:
        return self._stage

    async def _enter(self, case: CaseInput, stage: Stage) -> None:
        self._stage = stage
        workflow.upsert_search_attributes([sa.STAGE.value_set(stage.value)])
        await workflow.execute_activity_method(
            CaseActivities.record_case_stage,
            StageChange(case_id=case.case_id, stage=stage),
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
        )
