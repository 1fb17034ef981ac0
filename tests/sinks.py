"""The notification sinks as the tests run them: `python -m devstack.sinks smtp|webhook`,
real servers on free ports, each a process of this test session, stopped (and started
again, on the same port and journal) by its PID; and the routing file that points the
platform's triage and supervision at them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.children import is_http_serving, is_smtp_serving
from devstack.sinks import WEBHOOK_SECRET, ensure_webhook_secret, read_records
from tests.polling import eventually

ROOT = Path(__file__).resolve().parents[1]
STOP_TIMEOUT = 15.0
#: Where escalations of site supervisors at this site go in the tests' routing: a channel
#: nothing listens on (no other test raises escalations there).
UNREACHABLE_SITE = "central-auckland"
#: The tests' delivery: tried 12 times, 0.2 s after the first failure, doubling to 1 s (about 9 s in all).
ATTEMPTS = 12


@dataclass
class Sinks:
    """The SMTP sink and the webhook receiver, on `ports`, keeping their journals in `state`."""

    state: Path
    keys: Path
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KAHU_") and not k.endswith("_PORT")}
        env.update(
            KAHU_HOST="127.0.0.1",
            KAHU_STATE_DIR=str(self.state),
            KAHU_KEYS_DIR=str(self.keys),
            SMTP_SINK_PORT=str(self.ports["smtp"]),
            WEBHOOK_SINK_PORT=str(self.ports["webhook"]),
        )
        return env

    async def start(self, kind: str) -> None:
        """Start the `kind` sink and wait until it serves."""
        self._spawn(kind)
        await eventually(lambda: self._serving(kind), timeout=30)

    def _spawn(self, kind: str) -> None:
        assert kind not in self.processes, f"the {kind} sink runs already"
        ensure_webhook_secret(self.keys)
        with (self.state / f"{kind}-sink.log").open("ab") as log:
            self.processes[kind] = subprocess.Popen(
                [sys.executable, "-m", "devstack.sinks", kind], cwd=ROOT, env=self.env(), stdout=log, stderr=log
            )

    async def _serving(self, kind: str) -> bool:
        process = self.processes[kind]
        assert process.poll() is None, f"the {kind} sink exited with {process.returncode}"
        address = f"127.0.0.1:{self.ports[kind]}"
        if kind == "smtp":
            return await is_smtp_serving(address, 1.0)
        return await is_http_serving(f"http://{address}/health", 1.0)

    def stop(self, kind: str) -> None:
        """Stop the one process this started for `kind` (SIGTERM, then SIGKILL), by its PID."""
        process = self.processes.pop(kind)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for kind in list(self.processes):
            self.stop(kind)

    def received(self, kind: str) -> list[dict[str, Any]]:
        return list(read_records(self.state / "sinks" / f"{kind}.jsonl"))

    def routing(self, path: Path, unreachable_port: int) -> Path:
        """A routing file for the tests: every channel one of these sinks, except site
        supervisors' escalations at UNREACHABLE_SITE (a port nothing listens on)."""
        ensure_webhook_secret(self.keys)
        smtp = self.ports["smtp"]

        def email(to: str) -> str:
            return f"{{kind: email, host: 127.0.0.1, port: {smtp}, from: kahu@kahu.invalid, to: [{to}@kahu.invalid]}}"

        secret = self.keys / WEBHOOK_SECRET
        path.write_text(
            f"""version: 1
channels:
  police: {{kind: webhook, url: "http://127.0.0.1:{self.ports["webhook"]}/police", secret_file: "{secret}"}}
  unreachable: {{kind: webhook, url: "http://127.0.0.1:{unreachable_port}/nowhere", secret_file: "{secret}"}}
  site-supervisors: {email("site-supervisors")}
  site-managers: {email("site-managers")}
  regional-managers: {email("regional-managers")}
  youth-justice-managers: {email("youth-justice-managers")}
  ops: {email("ops")}
routes:
  police: police
  escalations:
    site_supervisor: {{default: site-supervisors, sites: {{{UNREACHABLE_SITE}: unreachable}}}}
    site_manager: {{default: site-managers}}
    regional_manager: {{default: regional-managers}}
    coordinator_manager: {{default: youth-justice-managers}}
  attention: ops
link: "http://127.0.0.1:8233/namespaces/default/workflows/{{workflow_id}}"
delivery:
  attempts: {ATTEMPTS}
  first_retry: {{seconds: 0.2}}
  max_retry: {{seconds: 1}}
  timeout: {{seconds: 2}}
""",
            encoding="utf-8",
        )
        return path
