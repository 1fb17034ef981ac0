"""Kahu's custom search attributes: case metadata only, never personal data."""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("KahuStage")
URGENCY = SearchAttributeKey.for_keyword("KahuUrgency")
PATHWAY = SearchAttributeKey.for_keyword("KahuPathway")
SITE = SearchAttributeKey.for_keyword("KahuSite")
REGION = SearchAttributeKey.for_keyword("KahuRegion")
DUE_AT = SearchAttributeKey.for_datetime("KahuDueAt")
ESCALATION_TIER = SearchAttributeKey.for_int("KahuEscalationTier")
BREACHED = SearchAttributeKey.for_bool("KahuBreached")

#: Every attribute a Temporal namespace must have registered before Kahu runs.
ALL: tuple[SearchAttributeKey[Any], ...] = (
    STAGE,
    URGENCY,
    PATHWAY,
    SITE,
    REGION,
    DUE_AT,
    ESCALATION_TIER,
    BREACHED,
)


async def register(client: Client) -> None:
    """Register every Kahu attribute on the client's namespace (already-registered is fine)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                # the SDK's enum mirrors the API's value for value
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in ALL
            },
        )
    )
