"""`make run` shows delivery end to end: its SMTP sink and webhook receiver run beside the
services, a report of immediate danger reaches the Police webhook, and `kahu notifications`
lists it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.devstack.test_devstack import ROOT, Stack, assert_all_gone, kill_leftovers

pytestmark = pytest.mark.integration
KAHU = [sys.executable, "-m", "cli.main"]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "state")
    try:
        yield running
    finally:
        running.clean_up()
        strays = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
        kill_leftovers(strays)


def _kahu(stack: Stack, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*KAHU, *args], cwd=ROOT, env=env or stack.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _police_notification(stack: Stack, case_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        listed = json.loads(_kahu(stack, "notifications", "--case", case_id, "--json"))
        if any(row["sink"] == "webhook" for row in listed):
            return listed
        assert time.monotonic() < deadline, f"no Police notification for case {case_id}: {listed}"
        time.sleep(0.5)


def test_make_run_delivers_a_police_notification_to_its_webhook_receiver(stack: Stack, tmp_path: Path) -> None:
    stack.wait_ready()
    for sink in ("smtp_sink", "webhook_sink"):
        address = f"127.0.0.1:{stack.ports[sink]}"
        assert any(sink in line and address in line for line in stack.output.lines), stack.output.lines
    assert (stack.state_dir / "keys" / "notifications" / "police-webhook.secret").is_file()

    report = json.loads((ROOT / "cli" / "examples" / "report.json").read_text(encoding="utf-8"))
    report["immediate_danger"] = True
    report_file = tmp_path / "danger.json"
    report_file.write_text(json.dumps(report), encoding="utf-8")
    env = dict(stack.env, KAHU_KEYS_DIR=str(stack.state_dir / "keys"))
    env["KAHU_TOKEN"] = _kahu(
        stack, "token", "--role", "intake-social-worker", "--site", "hutt", "--subject", "sw.aroha", env=env
    ).strip()
    case_id = json.loads(_kahu(stack, "report", "submit", str(report_file), "--json", env=env))["case_id"]

    (police,) = [row for row in _police_notification(stack, case_id) if row["sink"] == "webhook"]
    assert police["channel"] == "police" and police["repeats"] == 0
    assert (police["body"]["kind"], police["body"]["site"]) == ("police.immediate_danger", "hutt")
    table = _kahu(stack, "notifications", "--case", case_id)
    assert "police.immediate_danger" in table and case_id in table
    assert report["children"][0]["name"] not in json.dumps(police)

    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=90) == 0
    assert_all_gone(stack.processes)
