"""What a service without the case's own records can find out about a case, for checking a
caller's scope: its site and region from the case workflow's search attributes, its
social worker from its assessment workflow."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from services.common.authz import Place
from services.common.updates import Unavailable, query
from workflows import search_attributes as sa
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import assessment_workflow_id, workflow_id
from workflows.conference.model import conference_workflow_id

DESCRIBE_TIMEOUT = timedelta(seconds=5)


class TemporalCaseLookup:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def place(self, case_id: str) -> Place | None:
        return await self._place_of(workflow_id(case_id), "case")

    async def conference_place(self, conference_id: str) -> Place | None:
        """Where a conference is held (its workflow's search attributes), None when none is running."""
        return await self._place_of(conference_workflow_id(conference_id), "conference")

    async def _place_of(self, workflow: str, what: str) -> Place | None:
        try:
            described = await self._client.get_workflow_handle(workflow).describe(rpc_timeout=DESCRIBE_TIMEOUT)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise Unavailable(f"the {what} cannot be looked up right now") from None
        attributes = described.typed_search_attributes
        site, region = attributes.get(sa.SITE), attributes.get(sa.REGION)
        if not site or not region:
            return None
        return Place(site, region)

    async def agencies(self, case_id: str) -> frozenset[str]:
        return frozenset()

    async def social_worker(self, case_id: str) -> str | None:
        try:
            view = await query(self._client, assessment_workflow_id(case_id), AssessmentWorkflow.state)
        except Unavailable:
            return None
        return None if view is None else view.social_worker

    async def concerns(self, case_id: str) -> frozenset[str]:
        return frozenset()
