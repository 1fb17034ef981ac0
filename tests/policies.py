"""The policy the tests run under: the shipped one (policy/kahu.yaml) without supervisors'
approval of triage decisions, so that a test's decision takes effect at once. The tests of
approval (tests/case/test_approval.py, tests/supervision/test_triage_approval.py) run under
the shipped policy itself (`SHIPPED`)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from workflows.policy.loader import DEFAULT_POLICY, POLICY_ENV, load_policy, write_policy
from workflows.policy.model import Policy

SHIPPED = DEFAULT_POLICY


def without_approval(policy: Policy) -> Policy:
    """`policy` with no triage decision waiting for a supervisor's approval."""
    return replace(policy, case=replace(policy.case, triage_approval=None))


def testing_policy() -> Policy:
    """The shipped policy, every decision taking effect at once."""
    return without_approval(load_policy(SHIPPED))


def use_test_policy(directory: Path) -> Path:
    """Write `testing_policy()` into `directory` and make it the policy in force (for the
    services a test starts); return its path."""
    path = write_policy(testing_policy(), directory / "kahu-test.yaml")
    os.environ[POLICY_ENV] = str(path)
    return path
