"""What every Kahu workflow shares: how its activities time out and retry, and how an
update that the workflow's state does not allow is refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

ACTIVITY_TIMEOUT = timedelta(seconds=30)
#: How long an activity waits for the domain service it calls (inside ACTIVITY_TIMEOUT).
RPC_TIMEOUT = timedelta(seconds=20)
#: A workflow continues as new once its run's history reaches this many events (and nothing
#: is in flight). A worker replays a run's whole history whenever the workflow is not in its
#: cache; at about a millisecond an event (`python -m bench history`) this keeps that well
#: under a second. A case cannot continue as new while its assessment or placement search
#: runs; those add about 160 events to a busy year's case (patch `child-clock-recorded`).
HISTORY_LIMIT = 500
#: Who acts when Kahu itself does something (books the earliest slot, starts a timer).
KAHU_ACTOR = "kahu"
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
#: A short call run as a local activity (in the workflow task, no task of its own on the
#: server) gets these quick attempts; one that fails them goes on as an ordinary activity, so
#: a service that is down never holds the workflow's task (and its timers) for long.
LOCAL_ATTEMPT_TIMEOUT = timedelta(seconds=10)
LOCAL_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=1), maximum_attempts=3
)


async def quick_local(activity: str, args: Sequence[Any], result_type: type | None = None) -> tuple[bool, Any]:
    """Run `activity` as a local activity with LOCAL_RETRY's quick attempts: (True, its
    result), or (False, None) once they have all failed, down, slow or refused (the caller
    goes on with an ordinary activity)."""
    try:
        return True, await workflow.execute_local_activity(
            activity,
            args=list(args),
            result_type=result_type,
            start_to_close_timeout=LOCAL_ATTEMPT_TIMEOUT,
            retry_policy=LOCAL_RETRY,
        )
    except (ActivityError, ApplicationError):  # a local activity's failure is its cause itself
        return False, None


#: The type of the non-retryable error an activity fails with when its service refused the
#: call (workflows/refusals.py); the workflow tells a person (workflows/attention.py).
REFUSED = "Refused"


class Rejected(ApplicationError):
    """An update that the workflow's state does not allow; the message says why."""

    type_name = "Rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, type=self.type_name, non_retryable=True)


class AlreadyApplied(Rejected):
    """An update whose effect the workflow already has (the same report twice, say): the
    caller counts it done, not refused (services/common/updates.py)."""

    type_name = "AlreadyApplied"


@dataclass(frozen=True)
class StaffNote:
    """The argument of a staff action that carries only who acts and why (an action that
    carries more has a dataclass of its own in its concern's model.py)."""

    by: str
    reason: str = ""
