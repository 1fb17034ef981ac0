"""A further report about a child with an open case joins it as additional information when
its concerns are of the same kind and its notifier is new; otherwise it opens a case of its
own, needing its own decision, linked to the open case on both records (policy
`further_reports.join`; `always` joins every one). Through real gRPC, PostgreSQL and the
case workflow, and the rule's pure functions alone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc
from services.common.config import Settings
from services.intake import app as intake_app
from services.intake.further import decide, same_kind, same_notifier
from tests.conftest import Platform, _serve, free_port
from tests.intake.reports import actions, further_report, get_case, submit_request
from tests.polling import eventually
from workflows.policy.loader import POLICY_ENV, load_policy, write_policy
from workflows.policy.model import FurtherReportsPolicy, JoinRule

NEGLECT = common_pb2.CONCERN_CATEGORY_NEGLECT
EMOTIONAL_HARM = common_pb2.CONCERN_CATEGORY_EMOTIONAL_HARM
PHYSICAL_ABUSE = common_pb2.CONCERN_CATEGORY_PHYSICAL_ABUSE
LINKED = intake_pb2.POSSIBLE_DUPLICATE_STATUS_LINKED
RULE = JoinRule.SAME_KIND_FROM_A_NEW_NOTIFIER


def _reporter(name: str = "Mere Tūhoe-Ngātā", contact: str = "021 555 0101", **more: object) -> common_pb2.Reporter:
    fields: dict[str, object] = {
        "kind": common_pb2.REPORTER_KIND_AGENCY,
        "agency": common_pb2.AGENCY_EDUCATION,
        "name": name,
        "contact": contact,
    }
    fields.update(more)
    return common_pb2.Reporter(**fields)  # type: ignore[arg-type]


# -- the rule alone -------------------------------------------------------------------------


def test_concerns_are_of_the_same_kind_when_the_case_has_each_already() -> None:
    assert same_kind([NEGLECT], [NEGLECT, EMOTIONAL_HARM])
    assert same_kind([NEGLECT, EMOTIONAL_HARM], [EMOTIONAL_HARM, NEGLECT])
    assert same_kind([], [NEGLECT])
    assert not same_kind([NEGLECT, PHYSICAL_ABUSE], [NEGLECT])
    assert not same_kind([EMOTIONAL_HARM], [NEGLECT])


def test_the_same_notifier_is_the_same_kind_agency_and_person_however_written() -> None:
    mere = _reporter()
    assert same_notifier(mere, _reporter(name="MERE  tuhoe ngata", contact="+64 21 555 0101"))
    assert same_notifier(mere, _reporter(name="Mere Tūhoe-Ngātā", contact="other@school.nz"))  # a new contact
    assert same_notifier(_reporter(name="", contact="+64 21 555 0101"), _reporter(name="", contact="021-555-0101"))
    assert same_notifier(_reporter(name="", contact="Mere@School.NZ"), _reporter(name="", contact=" mere@school.nz"))
    assert not same_notifier(mere, _reporter(name="Hēmi Walker"))  # one switchboard, two people
    assert not same_notifier(mere, _reporter(agency=common_pb2.AGENCY_HEALTH_NZ))
    assert not same_notifier(mere, _reporter(kind=common_pb2.REPORTER_KIND_PROFESSIONAL))
    anonymous = common_pb2.Reporter(kind=common_pb2.REPORTER_KIND_AGENCY, agency=common_pb2.AGENCY_EDUCATION)
    anonymous.anonymous = True
    assert not same_notifier(anonymous, anonymous)  # an anonymous reporter is always new
    nobody = _reporter(name="", contact="")
    assert not same_notifier(nobody, nobody)


def _report(reporter: common_pb2.Reporter, *concerns: common_pb2.ConcernCategory) -> common_pb2.Report:
    return common_pb2.Report(reporter=reporter, concerns=list(concerns))


def test_the_verdict_joins_only_the_same_kind_from_a_new_notifier_unless_always() -> None:
    case = [_report(_reporter(), NEGLECT), _report(_reporter(name="Ana Kingi"), EMOTIONAL_HARM)]
    new_notifier = _reporter(name="Hēmi Walker")
    assert decide(RULE, _report(new_notifier, EMOTIONAL_HARM, NEGLECT), case).joins
    again = decide(RULE, _report(_reporter(name="ana kingi"), NEGLECT), case)
    assert (again.joins, again.reason) == (
        False,
        "a further report needing its own decision: the same notifier reported again",
    )
    other_kind = decide(RULE, _report(new_notifier, NEGLECT, PHYSICAL_ABUSE), case)
    assert (other_kind.joins, other_kind.reason) == (
        False,
        "a further report needing its own decision: another kind of concern (PHYSICAL_ABUSE)",
    )
    both = decide(RULE, _report(_reporter(), PHYSICAL_ABUSE), case)
    assert not both.joins and "the same notifier reported again and another kind of concern" in both.reason
    assert decide(JoinRule.ALWAYS, _report(_reporter(), PHYSICAL_ABUSE), case).joins
    assert "Mere" not in both.reason and "021" not in both.reason  # no personal data in the reason


# -- through the platform -------------------------------------------------------------------


async def _assert_linked(platform: Platform, opened: str, further: intake_pb2.SubmitReportResponse, why: str) -> None:
    """The further report opened a case of its own, linked to `opened` on both records."""
    assert further.case_id != opened and not further.additional_information
    on_new, on_open = await get_case(platform, further.case_id), await get_case(platform, opened)
    (link,) = on_new.possible_duplicates
    assert (link.case_id, link.other_case_id, link.report_id, link.status) == (
        further.case_id,
        opened,
        further.report_id,
        LINKED,
    )
    assert link.decided_by == "kahu" and why in link.reason
    assert list(on_open.possible_duplicates) == [link]
    for shown, other in ((on_new, opened), (on_open, further.case_id)):
        (event,) = [e for e in shown.timeline if e.action == "possible_duplicate.linked"]
        assert event.actor == "kahu" and other in event.detail and why in event.detail
    assert [r.report_id for r in on_new.reports] == [further.report_id]
    assert [r.additional_information for r in on_new.reports] == [False]

    # a case of its own: its own triage, its own decision; nothing was added to the open case
    async def in_triage() -> bool:
        return (await get_case(platform, further.case_id)).case.stage == common_pb2.CASE_STAGE_TRIAGE

    await eventually(in_triage)
    assert "report.added" not in actions((await get_case(platform, opened)).timeline)
    assert len((await get_case(platform, opened)).reports) == 1


async def test_the_same_notifier_again_opens_a_new_case_linked_to_the_open_one(platform: Platform) -> None:
    first = submit_request()
    opened = await platform.intake.SubmitReport(first)
    again = further_report(first, name="MERE TUHOE NGATA")  # the same teacher, written otherwise

    answer = await platform.intake.SubmitReport(again)
    retried = await platform.intake.SubmitReport(again)

    assert (retried.case_id, retried.report_id, retried.additional_information, retried.replayed) == (
        answer.case_id,
        answer.report_id,
        False,
        True,
    )
    await _assert_linked(platform, opened.case_id, answer, "the same notifier reported again")


async def test_another_kind_of_concern_opens_a_new_case_linked_to_the_open_one(platform: Platform) -> None:
    first = submit_request()
    opened = await platform.intake.SubmitReport(first)

    answer = await platform.intake.SubmitReport(further_report(first, NEGLECT, PHYSICAL_ABUSE))

    await _assert_linked(platform, opened.case_id, answer, "another kind of concern (PHYSICAL_ABUSE)")


async def test_a_person_may_separate_a_link_kahu_made_and_nothing_else_changes_it(platform: Platform) -> None:
    first = submit_request()
    opened = await platform.intake.SubmitReport(first)
    answer = await platform.intake.SubmitReport(further_report(first, NEGLECT, PHYSICAL_ABUSE))
    await _assert_linked(platform, opened.case_id, answer, "another kind of concern")

    def resolve(decision: int, reason: str) -> intake_pb2.ResolvePossibleDuplicateRequest:
        return intake_pb2.ResolvePossibleDuplicateRequest(
            idempotency_key=f"dup-{uuid.uuid4()}",
            case_id=answer.case_id,
            other_case_id=opened.case_id,
            decision=decision,  # type: ignore[arg-type]
            reason=reason,
            decided_by="sw.aroha",
        )

    kept = await platform.intake.ResolvePossibleDuplicate(resolve(intake_pb2.DUPLICATE_DECISION_LINK, "Yes."))
    assert (kept.possible_duplicate.status, kept.possible_duplicate.decided_by) == (LINKED, "kahu")  # unchanged
    separated = await platform.intake.ResolvePossibleDuplicate(
        resolve(intake_pb2.DUPLICATE_DECISION_SEPARATE, "Two children of one name: different schools.")
    )
    assert separated.possible_duplicate.status == intake_pb2.POSSIBLE_DUPLICATE_STATUS_SEPARATED
    assert separated.possible_duplicate.decided_by == "sw.aroha"
    for case_id in (answer.case_id, opened.case_id):
        shown = (await get_case(platform, case_id)).timeline
        (event,) = [e for e in shown if e.action == "possible_duplicate.separated"]
        assert event.actor == "sw.aroha" and "Kahu had linked them" in event.detail
        assert actions(shown).count("possible_duplicate.linked") == 1  # Kahu's link stays on the record
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await platform.intake.ResolvePossibleDuplicate(resolve(intake_pb2.DUPLICATE_DECISION_LINK, "After all."))
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already separated by sw.aroha" in (again.value.details() or "")


async def test_the_same_kind_from_a_new_notifier_joins_the_open_case(platform: Platform) -> None:
    first = submit_request()
    opened = await platform.intake.SubmitReport(first)
    anonymous = further_report(first)
    anonymous.report.reporter.Clear()
    anonymous.report.reporter.kind = common_pb2.REPORTER_KIND_PUBLIC
    anonymous.report.reporter.anonymous = True

    joined = [await platform.intake.SubmitReport(r) for r in (further_report(first), anonymous, anonymous)]

    assert [(j.case_id, j.additional_information) for j in joined] == [(opened.case_id, True)] * 3
    assert joined[2].replayed and joined[2].report_id == joined[1].report_id

    async def added_twice() -> bool:
        return actions((await get_case(platform, opened.case_id)).timeline).count("report.added") == 2

    await eventually(added_twice)
    assert not (await get_case(platform, opened.case_id)).possible_duplicates


@pytest.fixture(scope="session")
async def always_intake(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[intake_pb2_grpc.IntakeServiceStub]:
    """An intake whose policy lets every further report join (`further_reports.join: always`,
    as a policy from before the rule)."""
    policy = replace(load_policy(), further_reports=FurtherReportsPolicy(JoinRule.ALWAYS))
    path: Path = write_policy(policy, tmp_path_factory.mktemp("policy") / "always.yaml")
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            channel = await _serve(stack, settings, intake_app.build, free_port())
        yield intake_pb2_grpc.IntakeServiceStub(channel)


async def test_under_always_the_same_notifier_with_another_concern_joins(
    platform: Platform, always_intake: intake_pb2_grpc.IntakeServiceStub
) -> None:
    first = submit_request()
    opened = await always_intake.SubmitReport(first)

    again = await always_intake.SubmitReport(further_report(first, PHYSICAL_ABUSE, name=first.report.reporter.name))

    assert (again.case_id, again.additional_information) == (opened.case_id, True)

    async def added() -> bool:
        return "report.added" in actions((await get_case(platform, opened.case_id)).timeline)

    await eventually(added)
    assert not (await get_case(platform, opened.case_id)).possible_duplicates
