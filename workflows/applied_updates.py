"""Staff actions applied once, across continue-as-new too.

Temporal deduplicates an update id only within one run. A service retries a staff action
with its idempotency key as the update id when it never heard the first answer; if the
workflow continued as new in between, the new run would apply it a second time, or refuse
it because the state has moved on ("not awaiting a triage decision"), although it was
applied. Each Kahu workflow keeps the ids of the updates it applied (`applied_updates`,
carried in its continue-as-new snapshot, the last MAX_REMEMBERED); this interceptor skips
the validator of an id already applied and answers it with the workflow's current `state`.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

MAX_REMEMBERED = 1000


def _applied(instance: object) -> list[str] | None:
    found = getattr(instance, "applied_updates", None)
    return found if isinstance(found, list) else None


class AppliedUpdates(Interceptor):
    """Registered on every Kahu worker."""

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _Inbound


class _Inbound(WorkflowInboundInterceptor):
    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        applied = _applied(workflow.instance())
        if applied is not None and input.id in applied:
            return  # applied by an earlier run: answered below, not judged again
        super().handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        instance = workflow.instance()
        applied = _applied(instance)
        if applied is not None and input.id in applied:
            return instance.state()
        result = await super().handle_update_handler(input)
        if applied is not None:
            applied.append(input.id)
            del applied[:-MAX_REMEMBERED]
        return result
