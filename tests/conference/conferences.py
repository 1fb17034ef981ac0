"""Conferences no other test shares: each test names its own site (so venue time is its
own) and gets staff ids of its own (so their calendars are its own)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from kahu.v1 import conference_pb2, conference_pb2_grpc
from services.common.convert import timestamp
from services.common.sites import load_sites
from services.conference.slots import is_public_holiday
from tests.conftest import Platform
from tests.polling import eventually
from workflows.policy.working_days import NZ

WEEKDAYS_9_TO_5 = [conference_pb2.WorkingPeriod(iso_weekday=d, start_minute=540, end_minute=1020) for d in range(1, 6)]


def key(prefix: str = "conf") -> str:
    return f"{prefix}-{uuid.uuid4()}"


def stub(platform: Platform) -> conference_pb2_grpc.ConferenceServiceStub:
    assert platform.conference is not None
    return platform.conference


@dataclass
class Staff:
    """A coordinator (with a manager) and a Police youth aid officer of one test."""

    site: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def region(self) -> str:
        return load_sites()[self.site].region

    @property
    def coordinator(self) -> str:
        return f"yjc.{self.tag}"

    @property
    def manager(self) -> str:
        return f"mgr.{self.tag}"

    @property
    def police(self) -> str:
        return f"police.{self.tag}"


async def register(
    platform: Platform,
    site: str,
    venues: tuple[str, ...] = ("Te Whare Hui",),
    hours: list[conference_pb2.WorkingPeriod] | None = None,
) -> tuple[Staff, list[str]]:
    """A coordinator at `site` (working weekdays 9 to 5 unless `hours` says otherwise) and
    its venues; the venue ids."""
    staff = Staff(site)
    service = stub(platform)
    await service.RegisterCoordinator(
        conference_pb2.RegisterCoordinatorRequest(
            staff_id=staff.coordinator,
            site=site,
            manager_id=staff.manager,
            working_hours=WEEKDAYS_9_TO_5 if hours is None else hours,
        )
    )
    ids = []
    for name in venues:
        registered = await service.RegisterVenue(conference_pb2.RegisterVenueRequest(site=site, name=name))
        ids.append(registered.venue_id)
    return staff, ids


def participant(role: int, name: str, **fields: Any) -> conference_pb2.NewParticipant:
    return conference_pb2.NewParticipant(role=role, name=name, **fields)  # type: ignore[arg-type]


def start_request(staff: Staff, **changes: Any) -> conference_pb2.StartConferenceRequest:
    """A Police intention to charge, now, with the young person, a parent, whānau, the
    Police youth aid officer and the victim."""
    request = conference_pb2.StartConferenceRequest(
        idempotency_key=key("police"),
        trigger=conference_pb2.ConferenceTrigger(
            kind=conference_pb2.TRIGGER_KIND_INTENTION_TO_CHARGE,
            triggered_at=timestamp(dt.datetime.now(dt.UTC)),
            offence_max_years=3,
            reference="POL/2026/0042",
        ),
        site=staff.site,
        coordinator_id=staff.coordinator,
        participants=[
            participant(conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON, "Rawiri Te Huia", contact="021 555 0199"),
            participant(conference_pb2.PARTICIPANT_ROLE_PARENT_OR_CARER, "Hine Te Huia", contact="021 555 0198"),
            participant(conference_pb2.PARTICIPANT_ROLE_WHANAU, "Koro Te Huia"),
            participant(
                conference_pb2.PARTICIPANT_ROLE_POLICE_YOUTH_AID, "Constable Ngaio Reti", staff_id=staff.police
            ),
            participant(conference_pb2.PARTICIPANT_ROLE_VICTIM, "Dairy owner, Naenae Road"),
        ],
    )
    for name, value in changes.items():
        if isinstance(value, Message):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


async def get(platform: Platform, conference_id: str) -> conference_pb2.Conference:
    response = await stub(platform).GetConference(conference_pb2.GetConferenceRequest(conference_id=conference_id))
    return response.conference


async def reaches(
    platform: Platform, conference_id: str, stage: int, round_: int | None = None, *, timeout: float = 30.0
) -> conference_pb2.Conference:
    """The conference once its workflow is in `stage` (and scheduling round `round_`)."""

    async def there() -> conference_pb2.Conference | None:
        found = await get(platform, conference_id)
        state = found.state
        ok = state.stage == stage and (round_ is None or state.round == round_)
        return found if ok and found.HasField("state") else None

    return await eventually(there, timeout=timeout)


async def invited(platform: Platform, conference_id: str, round_: int = 1) -> conference_pb2.Conference:
    """The conference once booked in scheduling round `round_` and everyone is invited."""

    async def sent() -> conference_pb2.Conference | None:
        found = await reaches(platform, conference_id, conference_pb2.CONFERENCE_STAGE_BOOKED, round_)
        details = [e.detail for e in found.state.timeline if e.action == "invitations.sent"]
        return found if any(d.startswith(f"round {round_}:") for d in details) else None

    return await eventually(sent)


def working_day(after: dt.date, site: str) -> dt.date:
    """The first weekday after `after` that is not a public holiday at `site`."""
    day = after + dt.timedelta(days=1)
    while day.weekday() >= 5 or is_public_holiday(day, site):
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), NZ)


def block(day: dt.date, start: tuple[int, int], end: tuple[int, int]) -> conference_pb2.BusyBlock:
    return conference_pb2.BusyBlock(start=timestamp(at(day, *start)), end=timestamp(at(day, *end)))
