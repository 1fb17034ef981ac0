"""The conference page against the real platform: a Police intention-to-charge conference,
booked by its workflow, shows its convening clock, its booking and who is invited; the site
manager records the young person's answer, and the earliest free slots are offered."""

from __future__ import annotations

from kahu.v1 import conference_pb2
from tests.conference.conferences import get, invited, register, start_request, stub
from tests.conftest import Platform
from tests.console.conftest import Browserless
from tests.console.html import parse
from tests.polling import eventually

SITE = "lakes"


async def test_a_site_manager_sees_the_clocks_and_records_an_answer(platform: Platform, person: Browserless) -> None:
    staff, _ = await register(platform, SITE)
    started = await stub(platform).StartConference(start_request(staff))
    booked = await invited(platform, started.conference_id, 1)
    young = next(p for p in booked.participants if p.role == conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON)

    await person.sign_in("site_manager", SITE, staff.manager)
    shown = await person.http.get(f"/conferences/{started.conference_id}")
    assert shown.status_code == 200, shown.text
    assert "Convene by" in shown.text and "Te Whare Hui" in shown.text and "Intention to charge" in shown.text
    assert parse(shown.text).title == f"Conference {started.conference_id[:8]} - Kahu"
    assert "The earliest free slots" in shown.text

    refused = await person.submit(shown, f"respond-{young.participant_id}", response="")
    assert refused.status_code == 400  # the service names what is missing
    assert parse(refused.text).summary_links

    recorded = await person.submit(refused, f"respond-{young.participant_id}", response="INVITATION_RESPONSE_ACCEPTED")
    assert recorded.status_code == 303, recorded.text

    async def accepted() -> bool:
        found = await get(platform, started.conference_id)
        answer = next(p for p in found.participants if p.participant_id == young.participant_id)
        return answer.response == conference_pb2.INVITATION_RESPONSE_ACCEPTED

    await eventually(accepted)
