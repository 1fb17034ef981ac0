from tests.cli.conftest import EXAMPLE, Kahu
from tests.cli.test_cli import _fast_case, _proposed
from tests.polling import eventually
import json

async def test_look(platform, kahu: Kahu, report_file) -> None:
    r = await kahu.json("report", "submit", str(report_file))
    print((await kahu("report", "submit", str(report_file))).stdout)
    await _proposed(kahu, r["case_id"])
    print((await kahu("case", "show", r["case_id"])).stdout)
    print((await kahu("triage", "proposal", r["case_id"])).stdout)
    print((await kahu("triage", "decide", r["case_id"], "--pathway", "joint-investigation", "--timeframe", "critical", "--by", "sw.a", "--reason", "x [bold]y[/bold]")).output)
    c = await _fast_case(platform)
    async def esc():
        a = await kahu.json("queue", "list", "--site", "hutt")
        return a if any(i["case_id"] == c for i in a["items"]) else None
    await eventually(esc)
    print((await kahu("queue", "list", "--site", "hutt", "--due-within", "2d")).stdout)
    print((await kahu("case", "list", "--site", "hutt")).stdout)
    print((await kahu("case", "show", c)).stdout)
    print((await kahu("assessment", "show", r["case_id"])).output)
