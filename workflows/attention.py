"""What retrying cannot fix is said, not retried.

A workflow runs each step that calls a domain service through `Steps.run`:
- a refusal (the service answered that the request is wrong or not allowed now: the
  activity raises a non-retryable `Refused`, workflows/refusals.py) becomes a "needs
  attention" item on the supervisors' queue, with the error, the step and the trace id;
  the workflow then carries on without the step or, for a step it cannot do without, waits
  for a supervisor's decision (retry it, or go on without it);
- a step still failing after the policy's `attention_after` (an outage, say) raises the
  same item, counted by the worker's `kahu.attention.told` metric an alert watches (even
  while supervision is down), and goes on being retried.
Nothing retries forever without a person being told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from workflows.case.model import (
        AttentionAnswer,
        AttentionDecision,
        AttentionItem,
        AttentionReason,
        AttentionState,
        Subject,
    )
    from workflows.common import ACTIVITY_TIMEOUT, KAHU_ACTOR, REFUSED, RETRY, Rejected

ATTENTION_PATCH = "needs-attention"
"""A refused step becomes an item for a person; before, every step was retried for ever."""


def refusal_of(error: BaseException) -> tuple[str, str] | None:
    """(message, trace id) when `error` is a service's refusal of an activity, else None."""
    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, ApplicationError) and cause.type == REFUSED:
        trace = str(cause.details[0]) if cause.details else ""
        return cause.message, trace
    return None


class Steps:
    """Runs a workflow's service calls; see the module's docstring."""

    def __init__(
        self,
        subject: Callable[[], Subject],
        attention_after: timedelta,
        state: AttentionState,
        note: Callable[[str, str, str], None],
    ) -> None:
        self._subject = subject
        self._after = attention_after
        self.state = state
        self._note = note
        self._answers: dict[str, AttentionAnswer] = {}

    async def run(
        self,
        activity: str,
        args: list[Any],
        *,
        result_type: type | None = None,
        waits: bool = False,
        default: Any = None,
    ) -> Any:
        """The activity's answer; on a refusal `default` (or, when `waits`, a supervisor's
        decision first: RETRY runs it again, SKIP answers `default`)."""
        since = workflow.now()
        told = False
        while True:
            try:
                return await workflow.execute_activity(
                    activity,
                    args=args,
                    result_type=result_type,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    schedule_to_close_timeout=None if told else self._after,
                    retry_policy=RETRY,
                )
            except ActivityError as error:
                refused = refusal_of(error)
                if refused is None:
                    if told or not _timed_out(error):
                        raise
                    told = True
                    await self._tell(activity, AttentionReason.STILL_FAILING, _last_error(error), "", False, since)
                    continue
                message, trace = refused
                key = await self._tell(activity, AttentionReason.REFUSED, message, trace, waits, since)
                if not waits:
                    self._note(KAHU_ACTOR, "step.refused", f"{activity}: {message} (went on without it)")
                    return default
                self._note(KAHU_ACTOR, "step.refused", f"{activity}: {message} (waiting for a supervisor)")
                answer = await self._answer(key)
                self._note(answer.decided_by, "attention.decided", f"{activity}: {answer.decision} {answer.note}")
                if answer.decision == AttentionDecision.SKIP:
                    return default
                since = workflow.now()

    def validate(self, answer: AttentionAnswer) -> None:
        if answer.item_key not in self.state.waiting:
            raise Rejected("the workflow is not waiting for a decision on this item")

    def decide(self, answer: AttentionAnswer) -> None:
        self._answers[answer.item_key] = answer

    async def _answer(self, key: str) -> AttentionAnswer:
        self.state.waiting.append(key)
        await workflow.wait_condition(lambda: key in self._answers)
        self.state.waiting.remove(key)
        return self._answers.pop(key)

    async def _tell(
        self, step: str, reason: AttentionReason, error: str, trace: str, waiting: bool, since: datetime
    ) -> str:
        workflow.patched(ATTENTION_PATCH)
        self.state.raised += 1
        info = workflow.info()
        key = f"{info.workflow_id}:{self.state.raised}"
        item = AttentionItem(key, self._subject(), info.workflow_id, step, reason, error[:500], trace, waiting, since)
        await workflow.execute_activity(
            "raise_attention", item, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
        )
        return key


def _timed_out(error: ActivityError) -> bool:
    """The activity ran out of `attention_after`: its last attempt's failure (or the timeout
    itself) with the retries stopped by the timeout."""
    cause = error.cause
    if isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_CLOSE:
        return True
    return error.retry_state == RetryState.TIMEOUT


def _last_error(error: ActivityError) -> str:
    cause: BaseException | None = error.cause
    while isinstance(cause, TimeoutError) and cause.cause is not None:
        cause = cause.cause
    return str(cause) if cause is not None else "still failing"
