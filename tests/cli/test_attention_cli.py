"""`kahu queue list` shows the steps that need attention, and `kahu queue resolve-attention`
decides one, against the real in-process platform."""

from __future__ import annotations

import datetime as dt
import uuid

from kahu.v1 import supervision_pb2
from services.common.convert import timestamp
from tests.cli.conftest import Kahu
from tests.conftest import Platform
from workflows.case.model import workflow_id

#: Only this module raises items at this site.
SITE, REGION = "wairarapa", "greater-wellington"


async def _raised(platform: Platform) -> tuple[str, str]:
    """An item the worker raised for a refused step no workflow waits on: (its id, its case)."""
    case_id = str(uuid.uuid4())
    response = await platform.supervision.RaiseAttention(
        supervision_pb2.RaiseAttentionRequest(
            item_key=f"{workflow_id(case_id)}:1",
            case_id=case_id,
            workflow_id=workflow_id(case_id),
            step="notify_police",
            reason=supervision_pb2.ATTENTION_REASON_REFUSED,
            error="FAILED_PRECONDITION: no Police contact for the site",
            trace_id="0af7651916cd43dd8448eb211c80319c",
            site=SITE,
            region=REGION,
            failing_since=timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)),
        )
    )
    return response.item_id, case_id


async def test_queue_list_shows_items_and_the_supervisor_resolves_one(platform: Platform, kahu: Kahu) -> None:
    item_id, case_id = await _raised(platform)

    listed = await kahu.json("queue", "list", "--site", SITE, "--page-size", "500")
    (item,) = [i for i in listed["attention"] if i["item_id"] == item_id]
    assert (item["case_id"], item["step"], item["reason"], item["waiting"]) == (
        case_id,
        "notify_police",
        "ATTENTION_REASON_REFUSED",
        False,
    )
    table = await kahu.ok("queue", "list", "--site", SITE, "--page-size", "500")
    assert "Needs attention" in table.stdout and item_id in table.stdout
    assert "notify_police" in table.stdout and case_id in table.stdout

    key = f"cli-attention-{uuid.uuid4()}"
    args = ("queue", "resolve-attention", item_id, "--decision", "skip", "--by", "sup.mere", "--idempotency-key", key)
    resolved = await kahu.json(*args, "--note", "Police told by phone.")
    again = await kahu.json(*args, "--note", "Police told by phone.")
    assert (resolved["item"]["decision"], resolved["item"]["resolved_by"], resolved["replayed"]) == (
        "ATTENTION_DECISION_SKIP",
        "sup.mere",
        False,
    )
    assert again["replayed"] and again["item"] == resolved["item"]
    after = await kahu.json("queue", "list", "--site", SITE, "--page-size", "500")
    assert item_id not in [i["item_id"] for i in after["attention"]]


async def test_resolve_attention_says_what_is_wrong(platform: Platform, kahu: Kahu) -> None:
    item_id, _ = await _raised(platform)

    shown = await kahu.ok("queue", "resolve-attention", item_id, "--decision", "skip", "--by", "sup.mere")
    assert "skip by sup.mere" in shown.stdout

    typo = await kahu("queue", "resolve-attention", item_id, "--decision", "later", "--by", "sup.mere")
    assert typo.exit_code == 2
    assert "retry, skip" in typo.output  # the choices are listed

    other, _ = await _raised(platform)
    refused = await kahu("queue", "resolve-attention", other, "--decision", "retry", "--by", "sup.mere")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.startswith("kahu: error: supervision ResolveAttention: INVALID_ARGUMENT: ")
    assert "decision: no workflow waits on this item" in refused.stderr
