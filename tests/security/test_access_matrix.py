"""The whole access matrix, against the running platform: every role x every RPC x a case
in the role's scope and a case outside it, each answer checked against policy/access.yaml.

Case IN is at site hutt (region greater-wellington), reported by Education, about youth
offending, allocated to sw.matrix.in; case OUT is at canterbury (region canterbury),
reported by Police, allocated to someone else. Each role's caller is in scope of IN by
every scope kind (its site, region, agency, allocation, shared case). The table says, per
role and RPC, allowed or not and with what scope; so the expected answer is:

- the role has no line for the RPC: PERMISSION_DENIED, for both cases;
- scope `any`: never PERMISSION_DENIED (both cases are in scope);
- any other scope: not PERMISSION_DENIED for IN, PERMISSION_DENIED for OUT.

"Allowed" answers may still be FAILED_PRECONDITION and the like (the case is not in a
state for every action), never UNAUTHENTICATED, INTERNAL or UNKNOWN; an allowed OK answer
carries only the fields the role's rule lets it see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2, triage_pb2
from services.common.access import PURPOSE_FIELDS, AccessTable, Scope, load_access
from services.common.convert import timestamp
from services.common.identity import Principal
from tests import factories
from tests.conftest import Platform, Stubs
from tests.intake.reports import decide, open_case
from tests.polling import eventually
from tests.tokens import mint, workload
from workflows.case.model import assessment_workflow_id

SERVICES = ("IntakeService", "TriageService", "AssessmentService", "SupervisionService")


@dataclasses.dataclass(frozen=True)
class Case:
    case_id: str
    site: str
    region: str
    agency: int
    social_worker: str
    escalation_id: str


def _report(site: str, region: str, agency: int, concerns: list[int]) -> intake_pb2.SubmitReportRequest:
    request = factories.submit_request()
    report = request.report
    report.site = site
    report.children[0].region = region
    report.reporter.agency = agency  # type: ignore[assignment]
    report.ClearField("concerns")
    report.concerns.extend(concerns)  # type: ignore[arg-type]
    return request


async def _open(platform: Platform, site: str, region: str, agency: int, concerns: list[int], sw: str) -> Case:
    case_id = (await open_case(platform, _report(site, region, agency, concerns))).case.case_id
    await decide(platform, case_id)

    async def allocated() -> bool:
        try:
            await platform.assessment.Allocate(
                assessment_pb2.AllocateRequest(
                    idempotency_key=f"alloc-{uuid.uuid4()}",
                    case_id=case_id,
                    social_worker=sw,
                    site=site,
                    allocated_by="sup.matrix",
                )
            )
        except grpc.aio.AioRpcError:
            return False  # the assessment is still starting
        return True

    await eventually(allocated)
    raised = await platform.supervision.RaiseEscalation(_escalation(case_id, site, region))
    return Case(case_id, site, region, agency, sw, raised.escalation_id)


def _escalation(case_id: str, site: str, region: str) -> supervision_pb2.RaiseEscalationRequest:
    return supervision_pb2.RaiseEscalationRequest(
        case_id=case_id,
        workflow_id=assessment_workflow_id(case_id),
        kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
        cycle=1,
        tier=1,
        role="site_supervisor",
        site=site,
        region=region,
        due_at=timestamp(dt.datetime.now(dt.UTC)),
    )


@pytest.fixture(scope="module")
async def cases(platform: Platform) -> tuple[Case, Case]:
    inside = await _open(
        platform,
        "hutt",
        "greater-wellington",
        common_pb2.AGENCY_EDUCATION,
        [common_pb2.CONCERN_CATEGORY_YOUTH_OFFENDING, common_pb2.CONCERN_CATEGORY_NEGLECT],
        "sw.matrix.in",
    )
    outside = await _open(
        platform, "canterbury", "canterbury", common_pb2.AGENCY_POLICE, [common_pb2.CONCERN_CATEGORY_NEGLECT], "sw.out"
    )
    return inside, outside


def callers(inside: Case) -> dict[str, Principal]:
    """A caller per role, in scope of `inside` by every scope kind its role has."""
    hutt, wellington = frozenset({"hutt"}), frozenset({"greater-wellington"})
    staff = {
        role: Principal(subject=f"{role.replace('_', '.')}.matrix", roles=frozenset({role}), sites=hutt)
        for role in ("intake_social_worker", "supervisor", "site_manager", "youth_justice_coordinator")
    }
    return {
        **staff,
        "agency_reporter": Principal(
            subject="system.education", roles=frozenset({"agency_reporter"}), agency="AGENCY_EDUCATION"
        ),
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


def _key() -> str:
    return f"matrix-{uuid.uuid4()}"


Build = Callable[[Case, str], Message]

#: A valid request per RPC, about a case, acting as `actor`.
REQUESTS: dict[str, Build] = {
    "kahu.v1.IntakeService/SubmitReport": lambda c, a: _report(
        c.site, c.region, c.agency, [common_pb2.CONCERN_CATEGORY_NEGLECT]
    ),
    "kahu.v1.IntakeService/GetCase": lambda c, a: intake_pb2.GetCaseRequest(case_id=c.case_id),
    "kahu.v1.IntakeService/ListCases": lambda c, a: intake_pb2.ListCasesRequest(site=c.site, page_size=5),
    "kahu.v1.IntakeService/RecordCaseStage": lambda c, a: intake_pb2.RecordCaseStageRequest(
        case_id=c.case_id, stage=common_pb2.CASE_STAGE_ASSESSMENT
    ),
    "kahu.v1.TriageService/ProposeTriage": lambda c, a: triage_pb2.ProposeTriageRequest(
        case_id=c.case_id, facts=common_pb2.CaseFacts(concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT])
    ),
    "kahu.v1.TriageService/GetProposal": lambda c, a: triage_pb2.GetProposalRequest(case_id=c.case_id),
    "kahu.v1.TriageService/NotifyPolice": lambda c, a: triage_pb2.NotifyPoliceRequest(
        case_id=c.case_id, reason="matrix"
    ),
    "kahu.v1.TriageService/RecordDecision": lambda c, a: triage_pb2.RecordDecisionRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        decided_by=a,
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
        reason="matrix",
    ),
    "kahu.v1.TriageService/RecordConsent": lambda c, a: triage_pb2.RecordConsentRequest(
        idempotency_key=_key(), case_id=c.case_id, recorded_by=a, given=True
    ),
    "kahu.v1.AssessmentService/Allocate": lambda c, a: assessment_pb2.AllocateRequest(
        idempotency_key=_key(), case_id=c.case_id, social_worker=c.social_worker, site=c.site, allocated_by=a
    ),
    "kahu.v1.AssessmentService/RecordFindings": lambda c, a: assessment_pb2.RecordFindingsRequest(
        idempotency_key=_key(), case_id=c.case_id, recorded_by=a, summary="Matrix visit."
    ),
    "kahu.v1.AssessmentService/CompleteAssessment": lambda c, a: assessment_pb2.CompleteAssessmentRequest(
        idempotency_key=_key(), case_id=c.case_id, completed_by=a, outcome=common_pb2.OUTCOME_SEEK_CUSTODY, reason="m"
    ),
    "kahu.v1.AssessmentService/GetAssessment": lambda c, a: assessment_pb2.GetAssessmentRequest(case_id=c.case_id),
    "kahu.v1.SupervisionService/RaiseEscalation": lambda c, a: _escalation(c.case_id, c.site, c.region),
    "kahu.v1.SupervisionService/ResolveEscalations": lambda c, a: supervision_pb2.ResolveEscalationsRequest(
        case_id=c.case_id, kind=common_pb2.DEADLINE_KIND_TRIAGE
    ),
    "kahu.v1.SupervisionService/ListQueue": lambda c, a: supervision_pb2.ListQueueRequest(site=c.site, page_size=5),
    "kahu.v1.SupervisionService/Acknowledge": lambda c, a: supervision_pb2.AcknowledgeRequest(
        idempotency_key=_key(), escalation_id=c.escalation_id, acknowledged_by=a
    ),
    "kahu.v1.SupervisionService/Reassign": lambda c, a: supervision_pb2.ReassignRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        social_worker=c.social_worker,
        site=c.site,
        reassigned_by=a,
        reason="m",
    ),
    "kahu.v1.SupervisionService/ExtendDeadline": lambda c, a: supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
        due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=3)),
        extended_by=a,
        reason="m",
    ),
    "kahu.v1.SupervisionService/DecideApproval": lambda c, a: supervision_pb2.DecideApprovalRequest(
        idempotency_key=_key(), case_id=c.case_id, approved=False, decided_by=a, reason="m"
    ),
}


def _methods(table: AccessTable) -> list[str]:
    return [m for m in table.entries if m.split("/")[0].rpartition(".")[2] in SERVICES]


async def _call(stubs: Stubs, method: str, request: Message) -> tuple[grpc.StatusCode, Message | None]:
    service, name = method.split("/")
    stub = getattr(stubs, service.rpartition(".")[2].removesuffix("Service").lower())
    try:
        return grpc.StatusCode.OK, await getattr(stub, name)(request)
    except grpc.aio.AioRpcError as error:
        return error.code(), None


def _allowed(table: AccessTable, method: str, role: str, caller: Principal, in_scope: bool) -> bool:
    rule = table.entries[method].allow.get(role)
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


async def test_every_role_every_rpc_in_and_out_of_scope(platform: Platform, cases: tuple[Case, Case]) -> None:
    table = load_access(platform.settings.access_file)
    methods = _methods(table)
    assert set(methods) == set(REQUESTS), "give the matrix a request for every RPC the platform serves"
    inside, outside = cases
    people = callers(inside)
    assert set(people) == set(table.roles)
    stubs = {role: await platform.as_(caller) for role, caller in people.items()}
    wrong: list[str] = []
    checked = 0
    for method in methods:
        for role, caller in sorted(people.items()):
            actor = caller.subject if not caller.is_workload else "sw.matrix"
            for case, in_scope in ((inside, True), (outside, False)):
                code, answer = await _call(stubs[role], method, REQUESTS[method](case, actor))
                checked += 1
                where = f"{role:26} {method:45} {'IN ' if in_scope else 'OUT'}: {code.name}"
                if _allowed(table, method, role, caller, in_scope):
                    if code in (
                        grpc.StatusCode.PERMISSION_DENIED,
                        grpc.StatusCode.UNAUTHENTICATED,
                        grpc.StatusCode.INTERNAL,
                        grpc.StatusCode.UNKNOWN,
                    ):
                        wrong.append(f"{where} (the table allows it)")
                    paths = _visible(table, method, role, caller)
                    if answer is not None and paths is not None:
                        seen = type(answer)()
                        field_mask_pb2.FieldMask(paths=paths).MergeMessage(answer, seen)
                        if seen != answer:
                            wrong.append(f"{where}: fields beyond {paths}")
                elif code != grpc.StatusCode.PERMISSION_DENIED:
                    wrong.append(f"{where} (the table refuses it)")
    assert checked == len(methods) * len(people) * 2
    assert not wrong, "answers that disagree with policy/access.yaml:\n" + "\n".join(wrong)


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
    platform: Platform, cases: tuple[Case, Case]
) -> None:
    inside, _ = cases
    table = load_access(platform.settings.access_file)
    wrong = []
    for label, token in _bad_tokens(platform).items():
        stubs = await platform.as_(token)
        for method in _methods(table):
            code, _ = await _call(stubs, method, REQUESTS[method](inside, "sup.x"))
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
