"""Read and strictly validate the policy file; a bad file raises `PolicyError` naming the place.

`load_policy()` reads `$KAHU_POLICY_FILE`, else `policy/kahu.yaml` in the repository.

Tests and demos shorten the policy with `shortened` and hand the result to the code under
test, in process, or write it for processes that load it themselves::

    policy = shortened(load_policy(), urgent=30, triage_deadline=5, tier2=10)
    monkeypatch.setenv(POLICY_ENV, str(write_policy(policy, tmp_path / "policy.yaml")))
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Hashable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

from kahu.v1 import common_pb2
from workflows.policy.model import (
    CARE_AND_PROTECTION_TRIGGERS,
    PLAN_ROLES,
    YOUTH_JUSTICE_TRIGGERS,
    CareAndProtectionPolicy,
    CareConferenceClocks,
    CasePolicy,
    ConferenceClock,
    ConferenceHours,
    EscalationTier,
    FurtherReportsPolicy,
    JoinRule,
    Pathway,
    PlacementPolicy,
    PlansPolicy,
    Policy,
    RuleCondition,
    Span,
    StatedDays,
    StatedSpan,
    Timeframe,
    TriageApprovalPolicy,
    TriageRule,
    YouthJusticePolicy,
)

POLICY_ENV = "KAHU_POLICY_FILE"
DEFAULT_POLICY = Path(__file__).resolve().parents[2] / "policy" / "kahu.yaml"
VERSION = 1
ROLES = ("site_supervisor", "site_manager", "regional_manager")
CONCERNS = tuple(v.name for v in common_pb2.ConcernCategory.DESCRIPTOR.values if v.number)
AGENCIES = tuple(v.name for v in common_pb2.Agency.DESCRIPTOR.values if v.number)

_SECONDS_PER = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_UNITS = "seconds/minutes/hours/days/working_days"
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_REASON_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
_V = TypeVar("_V")
_CASE_SPANS = ("child_safety_hub_assessment", "triage_deadline", "consent_deadline")
#: Shorter triage deadlines; a policy without them has none.
_URGENT_TRIAGE_SPANS = ("immediate_danger_triage_deadline", "child_safety_hub_triage_deadline")
_PLACEMENT_SPANS = ("selection_deadline", "hold_expiry", "release_abandoned_holds_after")
#: The widest kinship the placement search can count as whānau (cousins) and the most
#: candidates it returns (the service's own limits).
MAX_KINSHIP_DEGREE = 4
MAX_CANDIDATES = 100
_YJ_SPANS = ("minimum_notice", "warning_before", "conference_length", "slot_granularity", "rescan_every")
#: The longest a care and protection conference's clock may run (a year), and a source's
#: longest text.
MAX_CARE_DAYS = 366
MAX_SOURCE = 500
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DAY_SECONDS = 86400


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the place in it."""


class _Invalid(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


def policy_path() -> Path:
    """The policy file in force: `$KAHU_POLICY_FILE`, else the repository's `policy/kahu.yaml`."""
    return Path(os.environ.get(POLICY_ENV) or DEFAULT_POLICY)


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate the policy file at `path` (default: `policy_path()`)."""
    path = path or policy_path()
    data = read_yaml(path, PolicyError)
    try:
        return _policy(data)
    except _Invalid as exc:
        raise PolicyError(f"{path}: {exc}") from exc


def read_yaml(path: Path, error: Callable[[str], Exception]) -> object:
    """The YAML document at `path`, read strictly (safe tags only, no key twice in one
    mapping); an unreadable or malformed file raises `error` with a message naming the place.
    Kahu's one way to read a configuration file (the policy, the notifications routing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"line {mark.line + 1} column {mark.column + 1}" if mark else "YAML"
        raise error(f"{path}: {place}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc


def shortened(policy: Policy, **seconds: int) -> Policy:
    """`policy` with the named spans set to that many elapsed seconds.

    A name is a timeframe in lower case (`critical`, `very_urgent`, `urgent`), a deadline
    (`triage_deadline`, `consent_deadline`, `child_safety_hub_assessment`,
    `immediate_danger_triage_deadline`, `child_safety_hub_triage_deadline`: these two no
    longer than a shortened `triage_deadline`), `tier<n>` for
    escalation tier n's interval, or a placement span (`selection_deadline`, `hold_expiry`,
    `release_abandoned_holds_after`), `attention_after`, or `approval_deadline` (the
    supervisor's deadline to approve a triage decision, where the policy has one), or a
    plan's span (`plan_reminder_before`, `plan_review_interval`, `plan_tier<n>`).
    """
    case = policy.case
    timeframes = dict(case.timeframes)
    tiers = list(case.escalation)
    deadlines: dict[str, Any] = {}  # a field of CasePolicy each
    placement: dict[str, Any] = {}  # a field of PlacementPolicy each
    names = {tf.name.lower(): tf for tf in Timeframe}
    for name, value in seconds.items():
        span = Span(seconds=value)
        if name in names:
            timeframes[names[name]] = span
        elif (
            name in _CASE_SPANS or name in _URGENT_TRIAGE_SPANS or name in ("attention_after", "assessment_completion")
        ):
            deadlines[name] = span
        elif name in _PLACEMENT_SPANS and case.placement is not None:
            placement[name] = span
        elif name == "approval_deadline" and case.triage_approval is not None:
            case = replace(case, triage_approval=replace(case.triage_approval, deadline=span))
        elif name.startswith("plan_") and policy.plans is not None:
            policy = replace(policy, plans=_shortened_plans(policy.plans, name[5:], span))
        elif name.startswith("tier") and name[4:].isdigit() and 1 <= int(name[4:]) <= len(tiers):
            tiers[int(name[4:]) - 1] = replace(tiers[int(name[4:]) - 1], after=span)
        else:
            raise ValueError(f"no policy span named {name}")
    if placement and case.placement is not None:
        case = replace(case, placement=replace(case.placement, **placement))
    triage = deadlines.get("triage_deadline")
    if triage is not None:  # a shorter triage deadline stays no longer than the one it shortens
        for name in _URGENT_TRIAGE_SPANS:
            shorter = deadlines.get(name, getattr(case, name))
            if shorter is not None and name not in seconds and shorter.seconds > triage.seconds:
                deadlines[name] = triage
    return replace(policy, case=replace(case, timeframes=timeframes, escalation=tiers, **deadlines))


def _shortened_plans(plans: PlansPolicy, name: str, span: Span) -> PlansPolicy:
    """`plans` with `reminder_before`, `review_interval` or `tier<n>` (plan_ stripped) set to `span`."""
    if name == "reminder_before":
        return replace(plans, reminder_before=span)
    if name == "review_interval":
        return replace(plans, review_interval=span)
    tiers = list(plans.escalation)
    if name.startswith("tier") and name[4:].isdigit() and 1 <= int(name[4:]) <= len(tiers):
        tiers[int(name[4:]) - 1] = replace(tiers[int(name[4:]) - 1], after=span)
        return replace(plans, escalation=tiers)
    raise ValueError(f"no policy span named plan_{name}")


def write_policy(policy: Policy, path: Path) -> Path:
    """Write `policy` as a policy file that `load_policy` reads back unchanged; return `path`."""
    path.write_text(yaml.safe_dump(_policy_data(policy), sort_keys=False), encoding="utf-8")
    return path


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key repeated in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep)


def _at(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _mapping(value: object, where: str, required: Collection[str], optional: Collection[str] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(where, "must be a mapping")
    allowed = [*required, *optional]
    for key in value:
        if key not in allowed:
            raise _Invalid(_at(where, key), f"unknown key (expected one of {', '.join(allowed)})")
    for key in required:
        if key not in value:
            raise _Invalid(_at(where, key), "missing")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _Invalid(where, "must be a non-empty list")
    return value


def _int(value: object, where: str, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _Invalid(where, "must be a positive whole number" if minimum else "must be a whole number, 0 or more")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(where, "must be true or false")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(where, "must be non-empty text")
    return value


def _choice(value: object, where: str, allowed: Collection[str]) -> str:
    if value not in allowed:
        raise _Invalid(where, f"must be one of {', '.join(allowed)}")
    assert isinstance(value, str)
    return value


def _names(value: object, where: str, allowed: Collection[str]) -> list[str]:
    names = [_choice(item, f"{where}[{i}]", allowed) for i, item in enumerate(_list(value, where))]
    if len(set(names)) != len(names):
        raise _Invalid(where, "names the same value twice")
    return names


def _span(value: object, where: str, *, zero_ok: bool = False) -> Span:
    if not isinstance(value, dict) or len(value) != 1:
        raise _Invalid(where, f"must be one duration, {{UNIT: N}} with UNIT one of {_UNITS}")
    ((unit, amount),) = value.items()
    if unit != "working_days" and unit not in _SECONDS_PER:
        raise _Invalid(where, f"must be one of {_UNITS}")
    n = _int(amount, _at(where, unit), minimum=0 if zero_ok else 1)
    return Span(working_days=n) if unit == "working_days" else Span(seconds=n * _SECONDS_PER[unit])


def _policy(data: object) -> Policy:
    top = _mapping(
        data,
        "",
        ["version", "timeframes", *_CASE_SPANS, "escalation", "triage_rules", "youth_justice", "placement"],
        [
            "attention_after",
            "extension_reasons",
            *_URGENT_TRIAGE_SPANS,
            "assessment_completion",
            "seen_within_timeframe_target",
            "further_reports",
            "triage_approval",
            "plans",
            "care_and_protection",
        ],
    )
    if top["version"] != VERSION or isinstance(top["version"], bool):
        raise _Invalid("version", f"must be {VERSION} (the version this Kahu reads)")
    frames = _mapping(top["timeframes"], "timeframes", list(Timeframe.__members__))
    case = CasePolicy(
        timeframes={tf: _span(frames[tf.name], f"timeframes.{tf.name}") for tf in Timeframe},
        child_safety_hub_assessment=_span(top["child_safety_hub_assessment"], "child_safety_hub_assessment"),
        triage_deadline=_span(top["triage_deadline"], "triage_deadline"),
        consent_deadline=_span(top["consent_deadline"], "consent_deadline"),
        escalation=_tiers(_mapping(top["escalation"], "escalation", ["tiers"])["tiers"]),
        youth_justice=_youth_justice(top["youth_justice"], "youth_justice"),
        placement=_placement(top["placement"], "placement"),
        **_optional_case_fields(top),
    )
    for name in _URGENT_TRIAGE_SPANS:
        shorter = getattr(case, name)
        if (
            shorter is not None
            and not case.triage_deadline.working_days
            and shorter.seconds > case.triage_deadline.seconds
        ):
            raise _Invalid(name, "must not be longer than triage_deadline (it only ever shortens it)")
    rules = [_rule(item, f"triage_rules[{i}]") for i, item in enumerate(_list(top["triage_rules"], "triage_rules"))]
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.id in seen:
            raise _Invalid(f"triage_rules[{i}].id", f"{rule.id} is used by an earlier rule")
        seen.add(rule.id)
    further = _further_reports(top["further_reports"]) if "further_reports" in top else FurtherReportsPolicy()
    plans = _plans(top["plans"]) if "plans" in top else None
    return Policy(version=VERSION, case=case, triage_rules=rules, further_reports=further, plans=plans)


def _plans(value: object) -> PlansPolicy:
    """`plans: {reminder_before, review_interval, escalation: {tiers}}`: tiers to the lead
    professional, then the owner's manager (each at most once, in that order)."""
    where = "plans"
    entry = _mapping(value, where, ["reminder_before", "review_interval", "escalation"])
    tiers = _tiers(
        _mapping(entry["escalation"], f"{where}.escalation", ["tiers"])["tiers"],
        f"{where}.escalation.tiers",
        PLAN_ROLES,
    )
    roles = [tier.role for tier in tiers]
    if roles != [role for role in PLAN_ROLES if role in roles]:
        raise _Invalid(f"{where}.escalation.tiers", f"must go to {' then '.join(PLAN_ROLES)}, each once, in that order")
    return PlansPolicy(
        reminder_before=_elapsed(entry["reminder_before"], f"{where}.reminder_before"),
        escalation=tiers,
        review_interval=_span(entry["review_interval"], f"{where}.review_interval"),
    )


def _plans_data(plans: PlansPolicy) -> dict[str, Any]:
    return {
        "reminder_before": _span_data(plans.reminder_before),
        "review_interval": _span_data(plans.review_interval),
        "escalation": {
            "tiers": [{"tier": t.tier, "role": t.role, "after": _span_data(t.after)} for t in plans.escalation]
        },
    }


def _further_reports(value: object) -> FurtherReportsPolicy:
    """`further_reports: {join: always | same_kind_from_a_new_notifier}`."""
    entry = _mapping(value, "further_reports", ["join"])
    return FurtherReportsPolicy(join=JoinRule(_choice(entry["join"], "further_reports.join", list(JoinRule))))


def _optional_case_fields(top: dict[str, Any]) -> dict[str, Any]:
    """The case policy's optional fields the file sets (a policy without them has their defaults)."""
    found: dict[str, Any] = {name: _elapsed(top[name], name) for name in _URGENT_TRIAGE_SPANS if name in top}
    if "attention_after" in top:
        found["attention_after"] = _elapsed(top["attention_after"], "attention_after")
    if "extension_reasons" in top:
        found["extension_reasons"] = _reasons(top["extension_reasons"])
    if "assessment_completion" in top:
        found["assessment_completion"] = _span(top["assessment_completion"], "assessment_completion")
    if "seen_within_timeframe_target" in top:
        target = _int(top["seen_within_timeframe_target"], "seen_within_timeframe_target", minimum=1)
        if target > 100:
            raise _Invalid("seen_within_timeframe_target", "must be a percentage, 1 to 100")
        found["seen_within_timeframe_target"] = target
    if "triage_approval" in top:
        found["triage_approval"] = _triage_approval(top["triage_approval"])
    if "care_and_protection" in top:
        found["care_and_protection"] = _care_and_protection(top["care_and_protection"], "care_and_protection")
    return found


def _triage_approval(value: object) -> TriageApprovalPolicy:
    """`triage_approval: {deadline, departures, no_further_action, pathways}`."""
    where = "triage_approval"
    entry = _mapping(value, where, ["deadline"], ["departures", "no_further_action", "pathways"])
    pathways = entry.get("pathways", [])
    return TriageApprovalPolicy(
        deadline=_span(entry["deadline"], f"{where}.deadline"),
        departures=_bool(entry.get("departures", True), f"{where}.departures"),
        no_further_action=_bool(entry.get("no_further_action", True), f"{where}.no_further_action"),
        pathways=[Pathway(name) for name in _names(pathways, f"{where}.pathways", list(Pathway))] if pathways else [],
    )


def _reasons(value: object) -> dict[str, str]:
    where = "extension_reasons"
    if not isinstance(value, dict) or not value:
        raise _Invalid(where, "must be a non-empty mapping of CODE: description")
    for code, description in value.items():
        if not isinstance(code, str) or not _REASON_CODE.fullmatch(code):
            raise _Invalid(_at(where, code), "must be a code of A-Z, 0-9 and _ (up to 40)")
        if not isinstance(description, str) or not description.strip():
            raise _Invalid(_at(where, code), "must be a description")
    return dict(value)


def _placement(value: object, where: str) -> PlacementPolicy:
    entry = _mapping(value, where, [*_PLACEMENT_SPANS, "max_kinship_degree", "max_candidates"])
    degree = _int(entry["max_kinship_degree"], f"{where}.max_kinship_degree", minimum=1)
    if degree > MAX_KINSHIP_DEGREE:
        raise _Invalid(f"{where}.max_kinship_degree", f"must be at most {MAX_KINSHIP_DEGREE} (cousins)")
    candidates = _int(entry["max_candidates"], f"{where}.max_candidates", minimum=1)
    if candidates > MAX_CANDIDATES:
        raise _Invalid(f"{where}.max_candidates", f"must be at most {MAX_CANDIDATES}")
    abandoned = _span(entry["release_abandoned_holds_after"], f"{where}.release_abandoned_holds_after")
    if abandoned.working_days:
        raise _Invalid(f"{where}.release_abandoned_holds_after", "must be elapsed time (no site's calendar applies)")
    return PlacementPolicy(
        selection_deadline=_span(entry["selection_deadline"], f"{where}.selection_deadline"),
        hold_expiry=_span(entry["hold_expiry"], f"{where}.hold_expiry"),
        max_kinship_degree=degree,
        max_candidates=candidates,
        release_abandoned_holds_after=abandoned,
    )


def _placement_data(placement: PlacementPolicy) -> dict[str, Any]:
    return {
        **{name: _span_data(getattr(placement, name)) for name in _PLACEMENT_SPANS},
        "max_kinship_degree": placement.max_kinship_degree,
        "max_candidates": placement.max_candidates,
    }


def _tiers(value: object, at: str = "escalation.tiers", roles: Collection[str] = ROLES) -> list[EscalationTier]:
    tiers = []
    for i, item in enumerate(_list(value, at)):
        where = f"{at}[{i}]"
        entry = _mapping(item, where, ["tier", "role", "after"])
        if entry["tier"] != i + 1 or isinstance(entry["tier"], bool):
            raise _Invalid(f"{where}.tier", f"must be {i + 1} (tiers are numbered 1..n in order)")
        role = _choice(entry["role"], f"{where}.role", roles)
        after = _span(entry["after"], f"{where}.after", zero_ok=i == 0)
        tiers.append(EscalationTier(tier=i + 1, role=role, after=after))
    return tiers


def _elapsed(value: object, where: str) -> Span:
    span = _span(value, where)
    if span.working_days:
        raise _Invalid(where, "must be elapsed time (seconds/minutes/hours/days), not working days")
    return span


def _clock(value: object, where: str) -> ConferenceClock:
    entry = _mapping(value, where, ["convene_days"], ["convene_days_detained", "complete_days"])
    convene = _int(entry["convene_days"], f"{where}.convene_days", minimum=1)
    detained = entry.get("convene_days_detained")
    if detained is not None:
        detained = _int(detained, f"{where}.convene_days_detained", minimum=1)
        if detained > convene:
            raise _Invalid(f"{where}.convene_days_detained", "must not be longer than convene_days")
    complete = entry.get("complete_days")
    return ConferenceClock(
        convene_days=convene,
        convene_days_detained=detained,
        complete_days=None if complete is None else _int(complete, f"{where}.complete_days", minimum=1),
    )


def _minute_of_day(value: object, where: str, *, end: bool = False) -> int:
    if end and value == "24:00":
        return 24 * 60
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _Invalid(where, 'must be a local time "HH:MM" (quoted: YAML reads 17:00 as a number)')
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _hours(value: object, where: str) -> ConferenceHours:
    entry = _mapping(value, where, ["weekdays", "from", "to"], ["public_holidays"])
    days = _names(entry["weekdays"], f"{where}.weekdays", WEEKDAYS)
    start = _minute_of_day(entry["from"], f"{where}.from")
    end = _minute_of_day(entry["to"], f"{where}.to", end=True)
    if end <= start:
        raise _Invalid(f"{where}.to", "must be later than from")
    holidays = _bool(entry["public_holidays"], f"{where}.public_holidays") if "public_holidays" in entry else False
    return ConferenceHours(
        weekdays=sorted(WEEKDAYS.index(d) for d in days), start_minute=start, end_minute=end, public_holidays=holidays
    )


def _youth_justice(value: object, where: str) -> YouthJusticePolicy:
    entry = _mapping(value, where, ["clocks", "advocate_required_min_years", *_YJ_SPANS, "conference_hours"])
    clocks = _mapping(entry["clocks"], f"{where}.clocks", [kind.name for kind in YOUTH_JUSTICE_TRIGGERS])
    spans = {name: _elapsed(entry[name], f"{where}.{name}") for name in _YJ_SPANS}
    if _DAY_SECONDS % spans["slot_granularity"].seconds:
        raise _Invalid(f"{where}.slot_granularity", "must divide a day (5, 15, 30 or 60 minutes, ...)")
    hours = _hours(entry["conference_hours"], f"{where}.conference_hours")
    if spans["conference_length"].seconds > (hours.end_minute - hours.start_minute) * 60:
        raise _Invalid(f"{where}.conference_length", "must fit within conference_hours")
    return YouthJusticePolicy(
        clocks={kind: _clock(clocks[kind.name], f"{where}.clocks.{kind.name}") for kind in YOUTH_JUSTICE_TRIGGERS},
        advocate_required_min_years=_int(
            entry["advocate_required_min_years"], f"{where}.advocate_required_min_years", minimum=1
        ),
        conference_hours=hours,
        **spans,
    )


def _source(value: object, where: str) -> str:
    text = _text(value, where)
    if len(text) > MAX_SOURCE:
        raise _Invalid(where, f"must be at most {MAX_SOURCE} characters")
    return text.strip()


def _stated_days(value: object, where: str) -> StatedDays:
    """`{days: N, source: "..."}`: a clock of N days and where it comes from (the Act's
    section, or the practice guidance where the Act sets none)."""
    entry = _mapping(value, where, ["days", "source"])
    days = _int(entry["days"], f"{where}.days", minimum=1)
    if days > MAX_CARE_DAYS:
        raise _Invalid(f"{where}.days", f"must be at most {MAX_CARE_DAYS}")
    return StatedDays(days=days, source=_source(entry["source"], f"{where}.source"))


def _care_and_protection(value: object, where: str) -> CareAndProtectionPolicy:
    """`care_and_protection: {clocks: {TRIGGER: {convene, complete}}, no_agreement_decision:
    {span, source}, scheduling as youth_justice's}`: every clock states its source."""
    entry = _mapping(value, where, ["clocks", "no_agreement_decision", *_YJ_SPANS, "conference_hours"])
    clocks = _mapping(entry["clocks"], f"{where}.clocks", [kind.name for kind in CARE_AND_PROTECTION_TRIGGERS])
    found = {}
    for kind in CARE_AND_PROTECTION_TRIGGERS:
        at = f"{where}.clocks.{kind.name}"
        clock = _mapping(clocks[kind.name], at, ["convene", "complete"])
        found[kind] = CareConferenceClocks(
            convene=_stated_days(clock["convene"], f"{at}.convene"),
            complete=_stated_days(clock["complete"], f"{at}.complete"),
        )
    decision_at = f"{where}.no_agreement_decision"
    decision = _mapping(entry["no_agreement_decision"], decision_at, ["span", "source"])
    spans = {name: _elapsed(entry[name], f"{where}.{name}") for name in _YJ_SPANS}
    if _DAY_SECONDS % spans["slot_granularity"].seconds:
        raise _Invalid(f"{where}.slot_granularity", "must divide a day (5, 15, 30 or 60 minutes, ...)")
    hours = _hours(entry["conference_hours"], f"{where}.conference_hours")
    if spans["conference_length"].seconds > (hours.end_minute - hours.start_minute) * 60:
        raise _Invalid(f"{where}.conference_length", "must fit within conference_hours")
    return CareAndProtectionPolicy(
        clocks=found,
        no_agreement_decision=StatedSpan(
            span=_span(decision["span"], f"{decision_at}.span"),
            source=_source(decision["source"], f"{decision_at}.source"),
        ),
        conference_hours=hours,
        **spans,
    )


def _hours_data(hours: ConferenceHours) -> dict[str, Any]:
    return {
        "weekdays": [WEEKDAYS[d] for d in hours.weekdays],
        "from": f"{hours.start_minute // 60:02d}:{hours.start_minute % 60:02d}",
        "to": f"{hours.end_minute // 60:02d}:{hours.end_minute % 60:02d}",
        **({"public_holidays": True} if hours.public_holidays else {}),
    }


def _care_and_protection_data(care: CareAndProtectionPolicy) -> dict[str, Any]:
    def stated(clock: StatedDays) -> dict[str, Any]:
        return {"days": clock.days, "source": clock.source}

    return {
        "clocks": {
            kind.name: {"convene": stated(care.clocks[kind].convene), "complete": stated(care.clocks[kind].complete)}
            for kind in CARE_AND_PROTECTION_TRIGGERS
        },
        "no_agreement_decision": {
            "span": _span_data(care.no_agreement_decision.span),
            "source": care.no_agreement_decision.source,
        },
        **{name: _span_data(getattr(care, name)) for name in _YJ_SPANS},
        "conference_hours": _hours_data(care.conference_hours),
    }


def _rule(value: object, where: str) -> TriageRule:
    entry = _mapping(value, where, ["id", "description", "when"], ["timeframe", "pathway"])
    rule_id = _text(entry["id"], f"{where}.id")
    if not _RULE_ID.fullmatch(rule_id):
        raise _Invalid(f"{where}.id", "must be lower-case letters, digits and hyphens")
    if "timeframe" not in entry and "pathway" not in entry:
        raise _Invalid(where, "must propose a timeframe or a pathway")
    timeframe = entry.get("timeframe")
    pathway = entry.get("pathway")
    return TriageRule(
        id=rule_id,
        description=_text(entry["description"], f"{where}.description"),
        when=_condition(entry["when"], f"{where}.when"),
        timeframe=None if timeframe is None else Timeframe(_choice(timeframe, f"{where}.timeframe", list(Timeframe))),
        pathway=None if pathway is None else Pathway(_choice(pathway, f"{where}.pathway", list(Pathway))),
    )


def _condition(value: object, where: str) -> RuleCondition:
    keys = ["concerns_any", "immediate_danger", "agencies_any", "prior_involvement", "max_child_age"]
    entry = _mapping(value, where, [], keys)
    if not entry:
        raise _Invalid(where, "must state at least one condition")

    def check(key: str, parse: Callable[[object, str], _V]) -> _V | None:
        return parse(entry[key], f"{where}.{key}") if key in entry else None

    return RuleCondition(
        concerns_any=check("concerns_any", partial(_names, allowed=CONCERNS)) or [],
        immediate_danger=check("immediate_danger", _bool),
        agencies_any=check("agencies_any", partial(_names, allowed=AGENCIES)) or [],
        prior_involvement=check("prior_involvement", _bool),
        max_child_age=check("max_child_age", partial(_int, minimum=0)),
    )


def _span_data(span: Span) -> dict[str, int]:
    if span.seconds and span.working_days:
        raise ValueError(f"{span} mixes seconds and working days")
    return {"working_days": span.working_days} if span.working_days else {"seconds": span.seconds}


def _policy_data(policy: Policy) -> dict[str, Any]:
    case = policy.case
    return {
        "version": policy.version,
        "timeframes": {tf.name: _span_data(case.timeframes[tf]) for tf in Timeframe},
        **{name: _span_data(getattr(case, name)) for name in _CASE_SPANS},
        "attention_after": _span_data(case.attention_after),
        **{name: _span_data(getattr(case, name)) for name in _URGENT_TRIAGE_SPANS if getattr(case, name) is not None},
        **({"extension_reasons": dict(case.extension_reasons)} if case.extension_reasons else {}),
        **(
            {"assessment_completion": _span_data(case.assessment_completion)}
            if case.assessment_completion is not None
            else {}
        ),
        "seen_within_timeframe_target": case.seen_within_timeframe_target,
        **({"triage_approval": _triage_approval_data(case.triage_approval)} if case.triage_approval else {}),
        **(
            {"care_and_protection": _care_and_protection_data(case.care_and_protection)}
            if case.care_and_protection
            else {}
        ),
        "escalation": {
            "tiers": [{"tier": t.tier, "role": t.role, "after": _span_data(t.after)} for t in case.escalation]
        },
        "triage_rules": [_rule_data(rule) for rule in policy.triage_rules],
        **({"youth_justice": _youth_justice_data(case.youth_justice)} if case.youth_justice else {}),
        **({"placement": _placement_data(case.placement)} if case.placement else {}),
        "further_reports": {"join": policy.further_reports.join.value},
        **({"plans": _plans_data(policy.plans)} if policy.plans else {}),
    }


def _triage_approval_data(approval: TriageApprovalPolicy) -> dict[str, Any]:
    return {
        "deadline": _span_data(approval.deadline),
        "departures": approval.departures,
        "no_further_action": approval.no_further_action,
        **({"pathways": [p.value for p in approval.pathways]} if approval.pathways else {}),
    }


def _clock_data(clock: ConferenceClock) -> dict[str, int]:
    data = {"convene_days": clock.convene_days}
    if clock.convene_days_detained is not None:
        data["convene_days_detained"] = clock.convene_days_detained
    if clock.complete_days is not None:
        data["complete_days"] = clock.complete_days
    return data


def _youth_justice_data(yj: YouthJusticePolicy) -> dict[str, Any]:
    hours = yj.conference_hours
    return {
        "clocks": {kind.name: _clock_data(yj.clocks[kind]) for kind in YOUTH_JUSTICE_TRIGGERS},
        "advocate_required_min_years": yj.advocate_required_min_years,
        **{name: _span_data(getattr(yj, name)) for name in _YJ_SPANS},
        "conference_hours": {
            "weekdays": [WEEKDAYS[d] for d in hours.weekdays],
            "from": f"{hours.start_minute // 60:02d}:{hours.start_minute % 60:02d}",
            "to": f"{hours.end_minute // 60:02d}:{hours.end_minute % 60:02d}",
            **({"public_holidays": True} if hours.public_holidays else {}),
        },
    }


def _rule_data(rule: TriageRule) -> dict[str, Any]:
    when = {key: value for key, value in vars(rule.when).items() if value not in (None, [])}
    data: dict[str, Any] = {"id": rule.id, "description": rule.description, "when": when}
    if rule.timeframe is not None:
        data["timeframe"] = rule.timeframe.value
    if rule.pathway is not None:
        data["pathway"] = rule.pathway.value
    return data
