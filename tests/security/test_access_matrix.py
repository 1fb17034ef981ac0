"""The whole access matrix, against the running platform: every role x every RPC of
policy/access.yaml (the codec server's two included, its HTTP statuses read as gRPC codes)
x a case in the role's scope and a case outside it, each answer checked against the table.

Case IN is at site hutt (region greater-wellington), reported by Police, about youth
offending, allocated to sw.matrix.in; case OUT is at canterbury (region canterbury),
reported by Education, allocated to someone else (tests/security/matrix_cases.py). Each
case has a conference at its site: IN's started by the Police's system, OUT's by staff
(for no agency); its id stands for the case's, and reference data and calendars are
admitted by its site. Each has a family network too (national: scope `any`), linked to
the case, whose placement RPCs are admitted like the case. Each role's caller is in scope
of IN by every scope kind (its site, region, agency, allocation, shared case, youth
justice). So, per role and RPC, the expected answer is:

- the role has no line for the RPC: PERMISSION_DENIED, for both cases;
- scope `any`: never PERMISSION_DENIED (both cases are in scope);
- any other scope: not PERMISSION_DENIED for IN, PERMISSION_DENIED for OUT (OUT_IN_SCOPE
  names the one cell where OUT is in scope too).

"Allowed" answers may still be FAILED_PRECONDITION and the like (the case is not in a
state for every action), never UNAUTHENTICATED, INVALID_ARGUMENT (every request is
valid), INTERNAL or UNKNOWN; an allowed OK answer carries only the fields the role's rule
lets it see.

Those expectations come from the table itself, so a wrong grant in it would pass them: the
answers are also checked against the grants Kahu must never make, written out below
(WORKER_ONLY, NATIONAL, SITE_BOUND, NO_PERSONAL_DATA, PERSONAL_DATA), not read from it.

The RPCs walked come from the protos and the table (tests/security/matrix_requests.py), so
a new RPC is walked, and refused to everyone, before anyone lists it anywhere.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
import grpc
import pytest
from google.protobuf import field_mask_pb2, json_format
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payloads

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2
from services.codec import app as codec_app
from services.common.access import PURPOSE_FIELDS, AccessTable, Scope, load_access
from services.common.identity import Principal
from tests.conftest import Platform, Stubs, free_port
from tests.security.matrix_cases import POLICE, Case, open_matrix_case
from tests.security.matrix_requests import REQUESTS, DerivedRequest, proto_rpcs, request_for, walked_rpcs
from tests.tokens import mint, workload

#: Cells whose OUT request is in the role's scope after all: every conference's trigger is
#: the Police's (services/conference/service.py), so no trigger is outside their agency.
OUT_IN_SCOPE = {("agency_reporter", "kahu.v1.ConferenceService/StartConference")}

#: Never the answer to a caller the table allows.
NOT_FOR_ALLOWED = {
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}

# -- the intended grants, written here (not read from policy/access.yaml) ---------------

#: The RPCs only Kahu's own processes call (the protos say "called by the worker"): the
#: workload identity and no one else, and the workload identity nothing else.
WORKER_ONLY = frozenset(
    {
        "kahu.v1.IntakeService/RecordCaseStage",
        "kahu.v1.IntakeService/RecordCaseEvents",
        # the other services' scope checks and supervision's cases due soon, from the record
        "kahu.v1.IntakeService/GetCaseScope",
        "kahu.v1.IntakeService/ListDueCases",
        "kahu.v1.ConferenceService/GetConferenceScope",
        "kahu.v1.AssessmentService/RecordAssessment",
        "kahu.v1.TriageService/ProposeTriage",
        "kahu.v1.TriageService/NotifyPolice",
        "kahu.v1.SupervisionService/RaiseEscalation",
        "kahu.v1.SupervisionService/ResolveEscalations",
        "kahu.v1.SupervisionService/RaiseAttention",
        "kahu.v1.ConferenceService/OpenConference",
        "kahu.v1.ConferenceService/HoldSlot",
        "kahu.v1.ConferenceService/ReleaseBooking",
        "kahu.v1.ConferenceService/SendInvitations",
        "kahu.v1.ConferenceService/RaiseConferenceEscalation",
        "kahu.v1.ConferenceService/ResolveConferenceEscalations",
        "kahu.v1.ConferenceService/ReferBack",
        "kahu.v1.ConferenceService/RecordConference",
        # a family group conference's agreed plan, made the child's plan
        "kahu.v1.ConferenceService/GetAgreedPlan",
        "kahu.v1.PlanService/MakeConferencePlan",
        "kahu.v1.PlacementService/SearchForCase",
        "kahu.v1.PlacementService/HoldPlaces",
        "kahu.v1.PlacementService/ConfirmHold",
        "kahu.v1.PlacementService/ReleaseHold",
        "kahu.v1.PlacementService/RecordPlacementSearch",
    }
)
#: What names no case: the national family network and caregivers, and workflow payloads.
NATIONAL = frozenset(
    {
        "kahu.v1.PlacementService/PutPerson",
        "kahu.v1.PlacementService/GetPerson",
        "kahu.v1.PlacementService/AddRelationship",
        "kahu.v1.PlacementService/RemoveRelationship",
        "kahu.v1.PlacementService/SetAffiliations",
        "kahu.v1.PlacementService/PutFamily",
        "kahu.v1.PlacementService/PutCaregiver",
        "kahu.v1.PlacementService/SetCaregiverApproval",
        "kahu.v1.PlacementService/GetCaregiver",
        "kahu.v1.PlacementService/SearchPlacements",
        "kahu.codec/Decode",
        "kahu.codec/Encode",
    }
)
#: Staff whose reach is their own sites, region or allocated cases (the matrix's callers
#: are at hutt, in greater-wellington): none of them reaches case OUT (canterbury,
#: allocated to someone else), its conference, its escalations or its site's calendars.
SITE_BOUND = frozenset(
    {
        "intake_social_worker",
        "social_worker",
        "supervisor",
        "site_manager",
        "regional_manager",
        "youth_justice_coordinator",
        "care_and_protection_coordinator",
    }
)
#: A partner agency reaches its one shared case, and only through these.
#: (A Children's Team's plan, as its agency may see it, for purpose childrens_team only.)
PARTNER_REACHES = frozenset(
    {
        "kahu.v1.IntakeService/GetCase",
        "kahu.v1.AssessmentService/GetAssessment",
        "kahu.v1.PlanService/GetSharedPlan",
        "kahu.v1.PlanService/RecordSharedActionStatus",
    }
)
#: Where the answers carry personal data (names, contacts, free text: who did what and why).
PERSONAL_DATA = {
    # possible duplicates name another case, and why staff linked or separated them
    "kahu.v1.IntakeService/GetCase": ("timeline", "decision", "reports", "possible_duplicates"),
    "kahu.v1.AssessmentService/GetAssessment": (
        "findings",
        "assessment.timeline",
        "assessment.awaiting_approval",
        "assessment.result",
    ),
    "kahu.v1.ConferenceService/GetConference": ("conference.participants", "conference.outcome"),
    "kahu.v1.PlacementService/GetPlacementSearch": ("search.candidates", "search.timeline"),
    # a plan's goals, actions and owners, and why it changed
    "kahu.v1.PlanService/GetPlan": ("plan.current.content", "plan.current.reason", "plan.history"),
}
#: Roles that never see personal data: a partner agency (its purpose's fields), ops (case
#: metadata) and an agency's system (the status of its reports).
NO_PERSONAL_DATA = frozenset({"partner_agency", "ops", "agency_reporter"})

#: The codec server's answers, as the gRPC codes the matrix checks.
HTTP_CODES = {
    200: grpc.StatusCode.OK,
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    500: grpc.StatusCode.INTERNAL,
}


@pytest.fixture(scope="module")
async def cases(platform: Platform) -> tuple[Case, Case]:
    youth_offending = [common_pb2.CONCERN_CATEGORY_YOUTH_OFFENDING, common_pb2.CONCERN_CATEGORY_NEGLECT]
    return await asyncio.gather(
        open_matrix_case(platform, "hutt", common_pb2.AGENCY_POLICE, youth_offending, "sw.matrix.in", POLICE),
        open_matrix_case(
            platform, "canterbury", common_pb2.AGENCY_EDUCATION, [common_pb2.CONCERN_CATEGORY_NEGLECT], "sw.out", None
        ),
    )


@dataclasses.dataclass(frozen=True)
class Codec:
    """The codec server (HTTP), started for this module."""

    url: str
    session: aiohttp.ClientSession

    async def call(self, name: str, token: str | None, request: Message) -> tuple[grpc.StatusCode, Message | None]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json_format.MessageToJson(request)
        async with self.session.post(f"{self.url}/{name.lower()}", data=body, headers=headers) as got:
            code = HTTP_CODES.get(got.status, grpc.StatusCode.UNKNOWN)
            return code, json_format.Parse(await got.text(), Payloads()) if code == grpc.StatusCode.OK else None


@pytest.fixture(scope="module")
async def codec(platform: Platform) -> AsyncIterator[Codec]:
    async with AsyncExitStack() as stack:
        port = await codec_app.start(platform.settings, stack, port=free_port())
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Codec(f"http://{platform.settings.host}:{port}", session)


@dataclasses.dataclass(frozen=True)
class Client:
    """One caller's way in: the services' stubs, and its token for the codec server."""

    stubs: Stubs
    token: str | None
    codec: Codec

    async def call(self, method: str, request: Message) -> tuple[grpc.StatusCode, Message | None]:
        service, name = method.split("/")
        if service == "kahu.codec":
            return await self.codec.call(name, self.token, request)
        stub = getattr(self.stubs, service.rpartition(".")[2].removesuffix("Service").lower())
        try:
            return grpc.StatusCode.OK, await getattr(stub, name)(request)
        except grpc.aio.AioRpcError as error:
            return error.code(), None


async def _client(platform: Platform, codec: Codec, caller: Principal | str | None) -> Client:
    token = mint(platform.settings, caller) if isinstance(caller, Principal) else caller
    return Client(await platform.as_(token), token, codec)


def callers(inside: Case) -> dict[str, Principal]:
    """A caller per role, in scope of `inside` by every scope kind its role has."""
    hutt, wellington = frozenset({"hutt"}), frozenset({"greater-wellington"})
    staff = {
        role: Principal(subject=f"{role.replace('_', '.')}.matrix", roles=frozenset({role}), sites=hutt)
        for role in (
            "intake_social_worker",
            "supervisor",
            "site_manager",
            "youth_justice_coordinator",
            "care_and_protection_coordinator",
        )
    }
    return {
        **staff,
        "agency_reporter": POLICE,
        "social_worker": Principal(subject=inside.social_worker, roles=frozenset({"social_worker"})),
        "regional_manager": Principal(subject="rm.matrix", roles=frozenset({"regional_manager"}), regions=wellington),
        "partner_agency": Principal(
            subject="partner.health",
            roles=frozenset({"partner_agency"}),
            agency="AGENCY_HEALTH_NZ",
            purpose="assessment_contribution",
            case_id=inside.case_id,
        ),
        "ops": Principal(subject="ops.matrix", roles=frozenset({"ops"})),
        "workload": workload("matrix"),
    }


def _allowed(table: AccessTable, method: str, role: str, caller: Principal, in_scope: bool) -> bool:
    entry = table.entries.get(method)
    rule = None if entry is None else entry.allow.get(role)
    if rule is None:
        return False
    if rule.fields == PURPOSE_FIELDS and table.purpose_fields(caller.purpose, method) is None:
        return False
    return rule.scope is Scope.ANY or in_scope


def _visible(table: AccessTable, method: str, role: str, caller: Principal) -> list[str] | None:
    rule = table.entries[method].allow[role]
    if rule.fields is None:
        return None
    if rule.fields == PURPOSE_FIELDS:
        return list(table.purpose_fields(caller.purpose, method) or ())
    return list(rule.fields)


@dataclasses.dataclass(frozen=True)
class Walk:
    """Every role's answer to every RPC about each case: (role, RPC, "IN" | "OUT") ->
    (status, the answer when OK)."""

    table: AccessTable
    people: dict[str, Principal]
    methods: list[str]
    answers: dict[tuple[str, str, str], tuple[grpc.StatusCode, Message | None]]


@pytest.fixture(scope="module")
async def walk(platform: Platform, cases: tuple[Case, Case], codec: Codec) -> Walk:
    """The matrix walked once, every role x every RPC x both cases, in the table's order."""
    table = load_access(platform.settings.access_file)
    methods = walked_rpcs(table.entries)
    stale = sorted(set(REQUESTS) - set(methods))
    assert not stale, f"tests/security/matrix_requests.py writes requests for RPCs that no longer exist: {stale}"
    builders = {method: request_for(method) for method in methods}
    inside, outside = cases
    people = callers(inside)
    assert set(people) == set(table.roles)
    clients = {role: await _client(platform, codec, caller) for role, caller in people.items()}
    answers = {}
    for method in methods:
        for role, caller in sorted(people.items()):
            actor = caller.subject if not caller.is_workload else "sw.matrix"
            for case, which in ((inside, "IN"), (outside, "OUT")):
                answers[(role, method, which)] = await clients[role].call(method, builders[method](case, actor))
    return Walk(table, people, methods, answers)


async def test_every_role_every_rpc_in_and_out_of_scope(walk: Walk) -> None:
    table = walk.table
    assert set(proto_rpcs()) <= set(walk.methods), "every RPC of the protos is walked"
    wrong: list[str] = []
    for method in walk.methods:
        for role, caller in sorted(walk.people.items()):
            for which in ("IN", "OUT"):
                code, answer = walk.answers[(role, method, which)]
                where = f"{role:26} {method:52} {which:3}: {code.name}"
                in_scope = which == "IN" or (role, method) in OUT_IN_SCOPE
                if _allowed(table, method, role, caller, in_scope):
                    if code in NOT_FOR_ALLOWED:
                        wrong.append(f"{where} (the table allows it){_hint(method, code)}")
                    paths = _visible(table, method, role, caller)
                    if answer is not None and paths is not None:
                        seen = type(answer)()
                        field_mask_pb2.FieldMask(paths=paths).MergeMessage(answer, seen)
                        if seen != answer:
                            wrong.append(f"{where}: fields beyond {paths}")
                elif code != grpc.StatusCode.PERMISSION_DENIED:
                    wrong.append(f"{where} (the table refuses it){_hint(method, code)}")
    assert len(walk.answers) == len(walk.methods) * len(walk.people) * 2
    assert not wrong, "answers that disagree with policy/access.yaml:\n" + "\n".join(wrong)


def _hint(method: str, code: grpc.StatusCode) -> str:
    """What to do when a request built from the descriptor is refused as invalid."""
    built = request_for(method)
    if isinstance(built, DerivedRequest) and code == grpc.StatusCode.INVALID_ARGUMENT:
        return f": {built!r} is not a valid request; write one in tests/security/matrix_requests.py (REQUESTS)"
    return ""


def _present(message: Message, path: str) -> bool:
    """Whether the field at dotted `path` is set (a repeated one: not empty)."""
    head, _, rest = path.partition(".")
    field = message.DESCRIPTOR.fields_by_name[head]
    if rest:
        return message.HasField(head) and _present(getattr(message, head), rest)
    if field.is_repeated:
        return len(getattr(message, head)) > 0
    return message.HasField(head) if field.message_type is not None else bool(getattr(message, head))


async def test_the_intended_grants_hold(walk: Walk) -> None:
    """The grants Kahu must never make, written above, against the answers the matrix got:
    independent of policy/access.yaml, so a wrong grant in it fails here."""
    denied = grpc.StatusCode.PERMISSION_DENIED
    assert set(walk.people) >= SITE_BOUND | NO_PERSONAL_DATA | {"workload"}
    assert WORKER_ONLY | NATIONAL | set(PERSONAL_DATA) <= set(walk.methods), "an RPC named above is not walked"
    wrong: list[str] = []
    for (role, method, which), (code, answer) in sorted(walk.answers.items(), key=lambda item: item[0]):
        where = f"{role} {method} {which}: {code.name}{_hint(method, code)}"
        if method in WORKER_ONLY and role != "workload" and code != denied:
            wrong.append(f"{where}: only the worker calls it")
        if method in WORKER_ONLY and role == "workload" and code == denied:
            wrong.append(f"{where}: the worker must reach it")
        if role == "workload" and method not in WORKER_ONLY and code != denied:
            wrong.append(f"{where}: the workload identity acts for no one")
        if role in SITE_BOUND and which == "OUT" and method not in NATIONAL and code != denied:
            wrong.append(f"{where}: another site's case (or one not allocated to them)")
        if role == "partner_agency" and (which == "OUT" or method not in PARTNER_REACHES) and code != denied:
            wrong.append(f"{where}: a partner agency reaches its shared case's status and assessment only")
        if role in NO_PERSONAL_DATA and answer is not None:
            shown = [path for path in PERSONAL_DATA.get(method, ()) if _present(answer, path)]
            if shown:
                wrong.append(f"{where}: personal data {shown}")
    assert not wrong, "answers that break the intended grants:\n" + "\n".join(wrong)

    # The personal-data check is not vacuous: people who may see it got it.
    for method in ("kahu.v1.IntakeService/GetCase", "kahu.v1.AssessmentService/GetAssessment"):
        _, full = walk.answers[("supervisor", method, "IN")]
        assert full is not None, method
        assert all(_present(full, path) for path in PERSONAL_DATA[method][:2]), (method, full)


async def test_existence_is_not_leaked_to_callers_out_of_scope(platform: Platform, cases: tuple[Case, Case]) -> None:
    inside, outside = cases
    supervisor = await platform.as_(callers(inside)["supervisor"])
    answers = []
    for case_id in (outside.case_id, str(uuid.uuid4())):  # another site's case; no case at all
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await supervisor.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
        answers.append((raised.value.code(), raised.value.details()))
    assert answers[0] == answers[1] == (grpc.StatusCode.PERMISSION_DENIED, "not permitted for this case")


async def test_a_partner_agency_sees_only_what_its_purpose_allows(platform: Platform, cases: tuple[Case, Case]) -> None:
    inside, _ = cases
    partner = dataclasses.replace(callers(inside)["partner_agency"], purpose="service_provision")
    stubs = await platform.as_(partner)
    shown = await stubs.intake.GetCase(intake_pb2.GetCaseRequest(case_id=inside.case_id))
    assert shown.case.case_id == inside.case_id
    assert not shown.timeline and not shown.case.site and not shown.case.concerns  # not for this purpose
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # the purpose gives no access to the assessment
        await stubs.assessment.GetAssessment(assessment_pb2.GetAssessmentRequest(case_id=inside.case_id))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_staff_act_only_as_themselves(platform: Platform, cases: tuple[Case, Case]) -> None:
    inside, _ = cases
    supervisor = await platform.as_(callers(inside)["supervisor"])
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await supervisor.supervision.ExtendDeadline(
            REQUESTS["kahu.v1.SupervisionService/ExtendDeadline"](inside, "sup.someone.else")
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "extended_by" in (raised.value.details() or "")


def _bad_tokens(platform: Platform) -> dict[str, str | None]:
    someone = Principal(subject="sup.x", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    settings = platform.settings
    return {
        "no token": None,
        "not a JWT": "garbage",
        "expired": mint(settings, someone, ttl=-300),
        "another audience": mint(settings, someone, aud="another-system"),
        "another issuer": mint(settings, someone, iss="someone-else"),
    }


async def test_every_rpc_needs_a_valid_token_and_says_nothing_else(
    platform: Platform, cases: tuple[Case, Case], codec: Codec
) -> None:
    inside, _ = cases
    methods = walked_rpcs(load_access(platform.settings.access_file).entries)
    wrong = []
    for label, token in _bad_tokens(platform).items():
        client = await _client(platform, codec, token)
        for method in methods:
            code, _ = await client.call(method, request_for(method)(inside, "sup.x"))
            if code != grpc.StatusCode.UNAUTHENTICATED:
                wrong.append(f"{label}: {method}: {code.name}")
    assert not wrong


async def test_health_alone_is_anonymous(platform: Platform) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from services.common.channels import aio_channel

    address = f"{platform.settings.host}:{platform.settings.port('intake')}"
    async with aio_channel(address, platform.settings, traced=False) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in stream:
                pass
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
