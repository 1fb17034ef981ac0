"""The conference service's proto enums and their workflow twins, value for value."""

from __future__ import annotations

import pytest

from services.common.convert import EnumMap
from services.conference import convert
from workflows.policy.loader import load_policy


@pytest.mark.parametrize("emap", convert.ENUMS, ids=lambda e: e.prefix)
def test_every_enum_value_has_its_proto_twin(emap: EnumMap) -> None:
    assert emap.names() == {member.value for member in emap.python}
    for member in emap.python:
        assert emap.from_proto(emap.to_proto(member)) is member
    assert emap.to_proto(None) == 0 and emap.from_proto(0) is None


def test_the_scheduling_policy_travels_with_the_conference_unchanged() -> None:
    policy = load_policy().case.youth_justice
    assert policy is not None
    sent = convert.scheduling_to_proto(policy)
    assert convert.scheduling_from_proto(sent) == convert.scheduling_of(policy)
