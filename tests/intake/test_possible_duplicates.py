"""Matching through real gRPC, PostgreSQL and the case workflow: a certain match joins the
open case, a possible match opens a case flagged "possible duplicate of" the other, listed
for the triage inbox, where an intake worker links or separates them (once per key, on both
timelines); cases stored before the matching keys still match and are given their keys."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Sequence

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.errors import field_violations
from services.common.identity import Principal
from services.intake import duplicates
from services.intake.matching import DEV_MATCH_KEY, Strength, report_keys
from tests.conftest import Platform
from tests.intake.reports import actions, get_case, submit_request
from tests.polling import eventually

OPEN = intake_pb2.POSSIBLE_DUPLICATE_STATUS_OPEN
LINKED = intake_pb2.POSSIBLE_DUPLICATE_STATUS_LINKED
LINK = intake_pb2.DUPLICATE_DECISION_LINK
SEPARATE = intake_pb2.DUPLICATE_DECISION_SEPARATE
INTAKE_WORKER = "sw.aroha"


def _tag() -> str:
    """A word no other report uses (a name's own word: no other test's report matches)."""
    return "".join(random.choice("bcdfgkmnprt") + random.choice("aeiou") for _ in range(5))


#: Dates of birth, each drawn once in a session (so no two of these tests' children share
#: one by chance), none the factory's (tests/factories.py).
_DATES = iter(
    random.sample(
        [
            born
            for born in (dt.date(2010, 1, 1) + dt.timedelta(days=n) for n in range(12 * 365))
            if born != dt.date(2016, 3, 14)
        ],
        k=2000,
    )
)


def _dob() -> common_pb2.Date:
    born = next(_DATES)
    return common_pb2.Date(year=born.year, month=born.month, day=born.day)


def _report(*children: common_pb2.Child, site: str = "hutt") -> intake_pb2.SubmitReportRequest:
    """A report of the factory's kind of concern, each from a notifier of its own (so a
    certain match joins the open case: services/intake/further.py)."""
    request = submit_request()
    request.report.reporter.name = f"Kaiako {_tag()}"
    request.report.reporter.contact = ""
    request.report.site = site
    del request.report.children[:]
    request.report.children.extend(children)
    return request


def _child(name: str, dob: common_pb2.Date | None = None, age: int | None = None) -> common_pb2.Child:
    child = common_pb2.Child(name=name, region="greater-wellington")
    if dob is not None:
        child.date_of_birth.CopyFrom(dob)
    if age is not None:
        child.age_years = age
    return child


def _age(dob: common_pb2.Date) -> int:
    today = dt.date.today()
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


async def _rows(platform: Platform, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def _resolve(case_id: str, other: str, decision: int, reason: str = "Same whānau, same school.", **more: object):
    return intake_pb2.ResolvePossibleDuplicateRequest(
        idempotency_key=f"dup-{uuid.uuid4()}",
        case_id=case_id,
        other_case_id=other,
        decision=decision,  # type: ignore[arg-type]
        reason=reason,
        decided_by=str(more.pop("decided_by", INTAKE_WORKER)),
    )


async def _flagged_pair(platform: Platform) -> tuple[str, str, str, str]:
    """A case about Tāne, then a report about him by age with his names swapped and spelt
    without macrons: (the first case, the flagged case, the flagged report, the name's tag)."""
    tag, dob = _tag(), _dob()
    first = await platform.intake.SubmitReport(_report(_child(f"Tāne {tag} Pōmare", dob)))
    flagged = await platform.intake.SubmitReport(_report(_child(f"Pomare Taane {tag}", age=_age(dob))))
    return first.case_id, flagged.case_id, flagged.report_id, tag


# -- certain matches join the open case ---------------------------------------------------


async def test_the_same_child_spelt_otherwise_joins_the_open_case(platform: Platform) -> None:
    tag, dob = _tag(), _dob()
    first = await platform.intake.SubmitReport(_report(_child(f"Māka {tag} Tūhoe", dob)))
    for variant in (f"Maaka {tag} Tuuhoe", f"TUHOE, Maka {tag}", f"{tag}  maka  tūhoe"):
        again = await platform.intake.SubmitReport(_report(_child(variant, dob)))
        assert (again.case_id, again.additional_information) == (first.case_id, True), variant
    shown = await get_case(platform, first.case_id)
    assert not shown.possible_duplicates


async def test_a_report_naming_a_sibling_joins_the_case_that_named_them(platform: Platform) -> None:
    tag, older, younger = _tag(), _dob(), _dob()
    first = await platform.intake.SubmitReport(
        _report(_child(f"Aroha {tag} Walker", older), _child(f"Nikau {tag} Walker", younger))
    )
    about_nikau = await platform.intake.SubmitReport(
        _report(_child(f"Walker Nikau {tag}", younger), _child(f"Ripeka {tag} Walker", age=1))
    )
    assert (about_nikau.case_id, about_nikau.additional_information) == (first.case_id, True)
    # Ripeka is the case's child now too: a report about her alone joins it
    about_ripeka = await platform.intake.SubmitReport(_report(_child(f"Ripeka {tag} Walker", age=1)))
    assert about_ripeka.case_id != first.case_id  # an age alone is never certain ...
    shown = await get_case(platform, about_ripeka.case_id)
    assert [(d.case_id, d.other_case_id) for d in shown.possible_duplicates] == [
        (about_ripeka.case_id, first.case_id)
    ]  # ... but it is flagged


async def test_reports_about_one_child_spelt_differently_at_once_open_one_case(platform: Platform) -> None:
    tag, dob = _tag(), _dob()
    names = [f"Māka {tag} Pōmare", f"Maaka {tag} Poomare", f"Pomare Maka {tag}", f"MAKA {tag} POMARE"] * 2
    answers = await asyncio.gather(*(platform.intake.SubmitReport(_report(_child(n, dob))) for n in names))
    assert len({a.case_id for a in answers}) == 1
    assert sum(not a.additional_information for a in answers) == 1


# -- possible matches: a new case, flagged -------------------------------------------------


async def test_a_possible_match_opens_a_case_flagged_on_both_records(platform: Platform) -> None:
    first, flagged, report_id, _ = await _flagged_pair(platform)
    assert flagged != first

    on_flagged, on_first = await get_case(platform, flagged), await get_case(platform, first)
    (shown,) = on_flagged.possible_duplicates
    assert (shown.case_id, shown.other_case_id, shown.report_id, shown.status) == (flagged, first, report_id, OPEN)
    assert (shown.site, shown.region, shown.decided_by, shown.reason) == ("hutt", "greater-wellington", "", "")
    assert list(on_first.possible_duplicates) == [shown]
    assert actions(on_flagged.timeline).count("possible_duplicate.flagged") == 1
    assert actions(on_first.timeline).count("possible_duplicate.flagged") == 1
    assert [r.additional_information for r in on_flagged.reports] == [False]
    # the workflow of the flagged case runs as any new case's
    await eventually(lambda: _stage_is(platform, flagged, common_pb2.CASE_STAGE_TRIAGE))


async def _stage_is(platform: Platform, case_id: str, stage: int) -> bool:
    return (await get_case(platform, case_id)).case.stage == stage


async def test_different_children_are_neither_joined_nor_flagged(platform: Platform) -> None:
    tag, dob = _tag(), _dob()
    first = await platform.intake.SubmitReport(_report(_child(f"Aroha {tag} Walker", dob)))
    # a twin: the family name and date of birth, other given names (none starting alike)
    twin = await platform.intake.SubmitReport(_report(_child(f"Hine z{tag} Walker", dob)))
    namesake = await platform.intake.SubmitReport(_report(_child(f"Aroha {tag} Walker", _dob())))
    for other in (twin, namesake):
        assert other.case_id != first.case_id and not other.additional_information
        assert not (await get_case(platform, other.case_id)).possible_duplicates
    assert not (await get_case(platform, first.case_id)).possible_duplicates


async def _inbox(stub, site: str = "", status: int = 0, page_size: int = 3) -> list[intake_pb2.PossibleDuplicate]:
    """Every page of the listing."""
    found: list[intake_pb2.PossibleDuplicate] = []
    token = ""
    while True:
        page = await stub.ListPossibleDuplicates(
            intake_pb2.ListPossibleDuplicatesRequest(
                site=site,
                status=status,  # type: ignore[arg-type]
                page_size=page_size,
                page_token=token,
            )
        )
        found.extend(page.possible_duplicates)
        token = page.next_page_token
        if not token:
            return found


async def test_the_triage_inbox_lists_open_ones_within_the_callers_sites(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    elsewhere_tag, dob = _tag(), _dob()
    await platform.intake.SubmitReport(_report(_child(f"Hone {elsewhere_tag} Kingi", dob), site="canterbury"))
    far = await platform.intake.SubmitReport(
        _report(_child(f"Kingi Hone {elsewhere_tag}", age=_age(dob)), site="canterbury")
    )

    worker = Principal(subject="sw.hutt", roles=frozenset({"intake_social_worker"}), sites=frozenset({"hutt"}))
    hutt = await platform.as_(worker)
    listed = await _inbox(hutt.intake)
    assert flagged in [d.case_id for d in listed]
    assert far.case_id not in [d.case_id for d in listed], "another site's"
    assert {d.site for d in listed} == {"hutt"}
    assert all(d.status == OPEN for d in listed)
    assert [(d.flagged_at.ToDatetime(), d.duplicate_id) for d in listed] == sorted(
        (d.flagged_at.ToDatetime(), d.duplicate_id) for d in listed
    ), "oldest first"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await hutt.intake.ListPossibleDuplicates(intake_pb2.ListPossibleDuplicatesRequest(site="canterbury"))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    everywhere = await _inbox(platform.intake, site="canterbury")
    assert far.case_id in [d.case_id for d in everywhere]

    await platform.intake.ResolvePossibleDuplicate(_resolve(flagged, first, LINK))
    assert flagged not in [d.case_id for d in await _inbox(hutt.intake)]
    assert flagged in [d.case_id for d in await _inbox(hutt.intake, status=LINKED)]


# -- an intake worker decides --------------------------------------------------------------


async def test_linking_is_on_both_timelines_once_whatever_the_retries(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    request = _resolve(flagged, first, LINK, reason="Same child: the school confirmed it.")

    answer = await platform.intake.ResolvePossibleDuplicate(request)
    retried = await platform.intake.ResolvePossibleDuplicate(request)

    linked = answer.possible_duplicate
    assert (linked.case_id, linked.other_case_id, linked.status) == (flagged, first, LINKED)
    assert (linked.decided_by, linked.reason) == (INTAKE_WORKER, "Same child: the school confirmed it.")
    assert linked.HasField("decided_at") and not answer.replayed
    assert (retried.possible_duplicate, retried.replayed) == (linked, True)
    for case_id, other in ((flagged, first), (first, flagged)):
        shown = await get_case(platform, case_id)
        assert list(shown.possible_duplicates) == [linked]
        entries = [e for e in shown.timeline if e.action == "possible_duplicate.linked"]
        assert [(e.actor, e.detail) for e in entries] == [
            (INTAKE_WORKER, f"the same child as case {other}: Same child: the school confirmed it.")
        ]
    # the cases go on apart: neither workflow was touched
    assert (await get_case(platform, flagged)).case.workflow_id != (await get_case(platform, first)).case.workflow_id

    # the same decision again (another key, another worker) answers as it stands; the other is refused
    again = await platform.intake.ResolvePossibleDuplicate(
        _resolve(flagged, first, LINK, reason="Checked again.", decided_by="sup.mere")
    )
    assert again.possible_duplicate == linked
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.ResolvePossibleDuplicate(_resolve(flagged, first, SEPARATE, reason="Not him."))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"already linked by {INTAKE_WORKER}" in (raised.value.details() or "")
    shown = await get_case(platform, first)
    assert actions(shown.timeline).count("possible_duplicate.linked") == 1
    assert "possible_duplicate.separated" not in actions(shown.timeline)


async def test_separating_says_so_on_both_timelines(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    answer = await platform.intake.ResolvePossibleDuplicate(
        _resolve(flagged, first, SEPARATE, reason="Another Tāne: the dates of birth differ.")
    )
    assert answer.possible_duplicate.status == intake_pb2.POSSIBLE_DUPLICATE_STATUS_SEPARATED
    for case_id in (flagged, first):
        assert actions((await get_case(platform, case_id)).timeline).count("possible_duplicate.separated") == 1


async def test_a_decision_retried_concurrently_is_taken_once(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    request = _resolve(flagged, first, SEPARATE)
    answers = await asyncio.gather(*(platform.intake.ResolvePossibleDuplicate(request) for _ in range(4)))
    assert len({a.possible_duplicate.SerializeToString() for a in answers}) == 1
    events = await _rows(
        platform,
        "SELECT count(*) AS n FROM intake.case_events WHERE action = 'possible_duplicate.separated'"
        " AND case_id = ANY($1::uuid[])",
        [uuid.UUID(first), uuid.UUID(flagged)],
    )
    assert events[0]["n"] == 2


def _fields(error: grpc.aio.AioRpcError) -> list[str]:
    return sorted(v.field for v in field_violations(error))


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (lambda r: setattr(r, "reason", "  "), ["reason"]),
        (lambda r: setattr(r, "decision", 0), ["decision"]),
        (lambda r: setattr(r, "decision", 9), ["decision"]),
        (lambda r: setattr(r, "other_case_id", "not-a-case"), ["other_case_id"]),
        (lambda r: setattr(r, "other_case_id", r.case_id), ["other_case_id"]),
        (lambda r: setattr(r, "idempotency_key", "short"), ["idempotency_key"]),
        (lambda r: setattr(r, "reason", "a" * 2001), ["reason"]),
        (lambda r: r.ClearField("reason") or r.ClearField("decision"), ["decision", "reason"]),
    ],
)
async def test_bad_input_is_refused_naming_the_fields_and_nothing_is_written(
    platform: Platform, change, fields: Sequence[str]
) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    request = _resolve(flagged, first, LINK)
    change(request)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.ResolvePossibleDuplicate(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _fields(raised.value) == fields
    written = await _rows(
        platform, "SELECT count(*) AS n FROM intake.actions WHERE idempotency_key = $1", request.idempotency_key
    )
    assert written[0]["n"] == 0
    assert (await get_case(platform, flagged)).possible_duplicates[0].status == OPEN


async def test_only_staff_of_the_cases_site_decide_and_only_as_themselves(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    elsewhere = Principal(
        subject="sw.waitaha", roles=frozenset({"intake_social_worker"}), sites=frozenset({"canterbury"})
    )
    ops = Principal(subject="ops.rua", roles=frozenset({"ops"}))
    hutt = Principal(subject="sw.hutt", roles=frozenset({"intake_social_worker"}), sites=frozenset({"hutt"}))
    refused = [
        (elsewhere, _resolve(flagged, first, LINK, decided_by="sw.waitaha")),
        (ops, _resolve(flagged, first, LINK, decided_by="ops.rua")),
        (hutt, _resolve(flagged, first, LINK, decided_by="sw.someone.else")),
    ]
    for caller, request in refused:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await (await platform.as_(caller)).intake.ResolvePossibleDuplicate(request)
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED, caller.subject
    assert (await get_case(platform, flagged)).possible_duplicates[0].status == OPEN

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # in scope, but nothing flagged between them
        await (await platform.as_(hutt)).intake.ResolvePossibleDuplicate(
            _resolve(first, flagged, LINK, decided_by="sw.hutt")
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    answer = await (await platform.as_(hutt)).intake.ResolvePossibleDuplicate(
        _resolve(flagged, first, LINK, decided_by="sw.hutt")
    )
    assert answer.possible_duplicate.decided_by == "sw.hutt"


async def test_people_free_roles_do_not_see_possible_duplicates(platform: Platform) -> None:
    first, flagged, _, _ = await _flagged_pair(platform)
    cut = {
        "ops": Principal(subject="ops.rua", roles=frozenset({"ops"})),
        "agency_reporter": Principal(
            subject="system.education", roles=frozenset({"agency_reporter"}), agency="AGENCY_EDUCATION"
        ),
        "partner_agency": Principal(
            subject="health.partner",
            roles=frozenset({"partner_agency"}),
            agency="AGENCY_HEALTH_NZ",
            purpose="safety_and_wellbeing",
            case_id=flagged,
        ),
    }
    for role, caller in cut.items():
        seen = await (await platform.as_(caller)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=flagged))
        assert seen.case.case_id == flagged, role
        assert not seen.possible_duplicates, f"{role} sees another case named"
    supervisor = Principal(subject="sup.mere", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    seen = await (await platform.as_(supervisor)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=flagged))
    assert [d.other_case_id for d in seen.possible_duplicates] == [first]


async def test_nothing_about_the_child_is_stored_for_matching(platform: Platform) -> None:
    first, flagged, _, tag = await _flagged_pair(platform)
    keys = await _rows(
        platform,
        "SELECT digest FROM intake.match_keys WHERE case_id = ANY($1::uuid[])",
        [uuid.UUID(first), uuid.UUID(flagged)],
    )
    assert keys and all(len(k["digest"]) == 32 and tag.encode() not in k["digest"] for k in keys)
    (row,) = await _rows(platform, "SELECT * FROM intake.possible_duplicates WHERE case_id = $1", uuid.UUID(flagged))
    assert tag not in " ".join(str(v) for v in row.values())


# -- cases stored before the matching keys --------------------------------------------------


async def test_a_case_stored_before_still_matches_by_its_digest(platform: Platform) -> None:
    tag, dob = _tag(), _dob()
    name = f"Hēmi {tag} Tūhoe"
    old = await platform.intake.SubmitReport(_report(_child(name, dob)))
    on = dt.date.today()
    conn = await asyncpg.connect(platform.database_url)
    seen = conn.transaction()
    await seen.start()
    try:  # the case as it was stored before the keys: its legacy digest alone (rolled back after)
        await conn.execute("DELETE FROM intake.match_keys WHERE case_id = $1", uuid.UUID(old.case_id))
        same = await duplicates.candidates(conn, report_keys(DEV_MATCH_KEY, [_child(name, dob)], on))
        swapped = await duplicates.candidates(conn, report_keys(DEV_MATCH_KEY, [_child(f"Tuhoe Hemi {tag}", dob)], on))
    finally:
        await seen.rollback()
        await conn.close()
    assert [(c.case_id, c.strength) for c in same] == [(old.case_id, Strength.CERTAIN)]
    assert swapped == [], "no new key yet: the legacy digest is the spelling as written"


async def test_cases_stored_before_are_given_their_keys_from_their_reports(platform: Platform) -> None:
    tag, dob = _tag(), _dob()
    old = await platform.intake.SubmitReport(_report(_child(f"Rāwiri {tag} Whāanga", dob)))
    case = uuid.UUID(old.case_id)
    await _rows(
        platform,
        "WITH gone AS (DELETE FROM intake.match_keys WHERE case_id = $1)"
        " UPDATE intake.cases SET match_scheme = 1, received_at = received_at - interval '1 minute' WHERE case_id = $1",
        case,
    )

    async def rekeyed() -> bool:
        (row,) = await _rows(
            platform,
            "SELECT match_scheme, (SELECT count(*) FROM intake.match_keys WHERE case_id = $1) AS keys"
            " FROM intake.cases WHERE case_id = $1",
            case,
        )
        return bool(row["match_scheme"] == 2 and row["keys"] > 0)

    await eventually(rekeyed, timeout=30)
    again = await platform.intake.SubmitReport(_report(_child(f"Whaanga Raawiri {tag}", dob)))
    assert (again.case_id, again.additional_information) == (old.case_id, True)
