"""Channels to the domain services, calls with a deadline, and the one-line error report."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import grpc
import typer

from kahu.v1 import (
    assessment_pb2_grpc,
    conference_pb2_grpc,
    intake_pb2_grpc,
    placement_pb2_grpc,
    plan_pb2_grpc,
    reporting_pb2_grpc,
    supervision_pb2_grpc,
    triage_pb2_grpc,
)
from services.common.channels import sync_channel
from services.common.config import ConfigError, load
from services.common.errors import field_violations
from services.common.identity import StaticToken

#: The services the CLI calls, with their stubs.
STUBS: dict[str, Any] = {
    "intake": intake_pb2_grpc.IntakeServiceStub,
    "triage": triage_pb2_grpc.TriageServiceStub,
    "assessment": assessment_pb2_grpc.AssessmentServiceStub,
    "supervision": supervision_pb2_grpc.SupervisionServiceStub,
    "placement": placement_pb2_grpc.PlacementServiceStub,
    "conference": conference_pb2_grpc.ConferenceServiceStub,
    "plan": plan_pb2_grpc.PlanServiceStub,
}

#: Services another service's process serves, on its address (and channel): name → (that
#: service, stub). ReportingService is intake's (it keeps the case record).
HOSTED: dict[str, tuple[str, Any]] = {
    "reporting": ("intake", reporting_pb2_grpc.ReportingServiceStub),
}

#: Bad input or a case not in a state for the action: the caller must change something.
_USAGE_CODES = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
#: The call may or may not have happened: retrying with the same key is safe.
_UNSURE_CODES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    one_line = " ".join(message.split())
    print(f"kahu: error: {one_line}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def describe(error: grpc.RpcError, key: str | None = None, retry: str = "") -> str:
    """Status code, message and each field violation of a failed call, on one line (`retry`:
    what a retry must repeat besides the key)."""
    code = error.code()
    text = f"{code.name}: {error.details() or 'no details'}"
    violations = field_violations(error)
    if violations:
        text += " — " + "; ".join(f"{v.field}: {v.description}" for v in violations)
    if key is not None and code in _UNSURE_CODES:
        text += f" (retry safely with --idempotency-key {key}{' ' + retry if retry else ''})"
    if code == grpc.StatusCode.UNAUTHENTICATED:
        text += " (give a token: --token or KAHU_TOKEN; `kahu token` mints one for development)"
    return text


class Client:
    """Lazily opened channels to the services, each call bounded by `timeout` seconds and
    carrying the bearer token (TLS when configured, as for the services)."""

    def __init__(self, overrides: Mapping[str, str | None], timeout: float, token: str | None = None) -> None:
        try:
            settings = load()
        except ConfigError as error:
            fail(str(error), 2)
        self._settings = settings
        self._tokens = StaticToken(token) if token else None
        self._addresses = {name: overrides.get(name) or settings.address(name) for name in STUBS}
        self._timeout = timeout
        self._channels: dict[str, grpc.Channel] = {}

    def call(self, service: str, method: str, request: Any, *, key: str | None = None, retry: str = "") -> Any:
        """Call `service.method` (a service of STUBS, or of HOSTED on its host's channel); a
        failure prints one line and exits (2 for bad input or state, 1 otherwise). `key` is the
        write's idempotency key, shown when a retry is safe (with `retry`, what else the retry
        must repeat)."""
        process, stub_class = HOSTED[service] if service in HOSTED else (service, STUBS[service])
        if process not in self._channels:
            try:
                self._channels[process] = sync_channel(self._addresses[process], self._settings, self._tokens)
            except ConfigError as error:
                fail(str(error), 2)
        stub = stub_class(self._channels[process])
        try:
            return getattr(stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as error:
            fail(f"{service} {method}: {describe(error, key, retry)}", 2 if error.code() in _USAGE_CODES else 1)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
