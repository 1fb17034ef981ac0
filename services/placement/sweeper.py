"""Abandoned holds: a hold's search releases it when it expires; a hold still held long
after that (policy `placement.release_abandoned_holds_after`) belongs to a search that no
longer runs, its workflow terminated, and the placement service releases it so that the
caregiver's places are not lost.

Every replica sweeps; row locks (SKIP LOCKED) keep them from releasing a hold twice, and
each release is audited, in its transaction, as the placement service's own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from services.common.audit import Auditor, Entry
from services.common.identity import WORKLOAD_PREFIX, WORKLOAD_ROLE
from services.placement.caregivers import CaregiverStore, HoldRow

log = logging.getLogger(__name__)

ACTOR = f"{WORKLOAD_PREFIX}placement"
ACTION = "kahu.placement/ReleaseAbandonedHold"
#: Holds released per transaction batch; a sweep goes on until none are left.
BATCH = 100
#: The longest wait between sweeps.
MAX_INTERVAL = 300.0


def interval(after: dt.timedelta) -> float:
    """Seconds between sweeps: a quarter of the grace, at most MAX_INTERVAL."""
    return max(0.05, min(MAX_INTERVAL, after.total_seconds() / 4))


async def sweep(store: CaregiverStore, auditor: Auditor, after: dt.timedelta) -> list[HoldRow]:
    """Release every hold still held that expired more than `after` ago; return them."""
    entry = Entry(ACTOR, WORKLOAD_ROLE, "", ACTION, "", "", "OK", "-")
    released: list[HoldRow] = []
    while True:
        now = dt.datetime.now(dt.UTC)
        batch = await store.release_abandoned(now - after, auditor, entry, limit=BATCH)
        released += batch
        if len(batch) < BATCH:
            break
    if released:
        log.warning("released %d abandoned holds (expired more than %s ago)", len(released), after)
    return released


async def run(store: CaregiverStore, auditor: Auditor, after: dt.timedelta) -> None:
    """Sweep every `interval(after)` seconds until cancelled; a failed sweep (the database
    away) is logged and tried again at the next."""
    while True:
        try:
            await sweep(store, auditor, after)
        except (TimeoutError, OSError) as err:
            log.warning("abandoned holds not swept: %s", err)
        except Exception:
            log.exception("abandoned holds not swept")
        await asyncio.sleep(interval(after))
