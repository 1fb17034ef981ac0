"""A plan service whose plans remind 2 seconds ahead of a due date and escalate to the
owner's manager 2 seconds after the lead professional, so a test can watch an action lapse;
the platform's worker runs its workflows like any other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from kahu.v1 import plan_pb2_grpc
from services.common.config import Settings
from services.plan import app as plan_app
from tests.conftest import Platform, _serve, free_port
from tests.policies import testing_policy
from workflows.policy.loader import POLICY_ENV, shortened, write_policy


@pytest.fixture(scope="session")
async def fast_plans(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[plan_pb2_grpc.PlanServiceStub]:
    policy = shortened(testing_policy(), plan_reminder_before=2, plan_tier2=2)
    path = write_policy(policy, tmp_path_factory.mktemp("policy") / "fast-plans.yaml")
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            channel = await _serve(stack, settings, plan_app.build, free_port())
        yield plan_pb2_grpc.PlanServiceStub(channel)
