"""`kahu placement`: a case's placement search (PlacementService), for the social worker and
the supervisor: show it with its ranked candidates, select one, record the caregiver's
answer, search again; link the case's children; look up a person or a caregiver."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.common import By, Json, Key, state_of
from cli.params import idempotency_key, uuid_value
from kahu.v1 import placement_pb2

app = typer.Typer(
    help="A case's placement search: candidates, selection, the caregiver's answer.", no_args_is_help=True
)

UuidCaseId = Annotated[str, typer.Argument(metavar="CASE_ID", parser=uuid_value, help="The case's id.")]


@app.command("show")
def show(ctx: typer.Context, case_id: UuidCaseId, as_json: Json = False) -> None:
    """Show a case's placement search: stage, deadline, hold, and the candidates, best first,
    with the reasons each ranks where it does."""
    answer = state_of(ctx).call(
        "placement", "GetPlacementSearch", placement_pb2.GetPlacementSearchRequest(case_id=case_id)
    )
    state_of(ctx).show(answer, as_json, lambda c: render.placement_search(c, answer.search))


@app.command("select")
def select(
    ctx: typer.Context,
    case_id: UuidCaseId,
    caregiver: Annotated[
        str, typer.Option(parser=uuid_value, metavar="CAREGIVER_ID", help="A candidate from `kahu placement show`.")
    ],
    reason: Annotated[str, typer.Option(help="Why this candidate (recorded on the case).")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Select a candidate: the caregiver's places are held until the hold expires."""
    request = placement_pb2.SelectCandidateRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        caregiver_id=caregiver,
        selected_by=state_of(ctx).actor(by),
        reason=reason,
    )
    answer = state_of(ctx).call("placement", "SelectCandidate", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.placement_search(c, answer.search, answer.replayed))


@app.command("answer")
def answer(
    ctx: typer.Context,
    case_id: UuidCaseId,
    accepted: Annotated[
        bool, typer.Option("--accepted/--declined", help="The held caregiver's answer to the placement.")
    ],
    note: Annotated[str, typer.Option(help="A note on the answer.")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the held caregiver's answer: accepted makes the placement; declined releases the
    hold, and another candidate is selected."""
    request = placement_pb2.RecordCaregiverAnswerRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        accepted=accepted,
        recorded_by=state_of(ctx).actor(by),
        note=note,
    )
    response = state_of(ctx).call("placement", "RecordCaregiverAnswer", request, request.idempotency_key)
    state_of(ctx).show(response, as_json, lambda c: render.placement_search(c, response.search, response.replayed))


@app.command("rerun")
def rerun(
    ctx: typer.Context,
    case_id: UuidCaseId,
    reason: Annotated[str, typer.Option(help="Why (e.g. the network or an approval changed).")],
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Search again for the case's children (a new selection cycle)."""
    request = placement_pb2.RerunSearchRequest(
        idempotency_key=idempotency_key(key), case_id=case_id, requested_by=state_of(ctx).actor(by), reason=reason
    )
    response = state_of(ctx).call("placement", "RerunSearch", request, request.idempotency_key)
    state_of(ctx).show(response, as_json, lambda c: render.placement_search(c, response.search, response.replayed))


@app.command("link")
def link(
    ctx: typer.Context,
    case_id: UuidCaseId,
    child_ids: Annotated[
        list[str],
        typer.Argument(
            metavar="CHILD_ID...",
            parser=uuid_value,
            help="People in the network: the child, or the sibling group to keep together.",
        ),
    ],
    as_json: Json = False,
) -> None:
    """Name the case's children (people in the network) whom its placement search is for;
    replaces any named before."""
    request = placement_pb2.LinkCaseChildrenRequest(case_id=case_id, child_ids=child_ids)
    response = state_of(ctx).call("placement", "LinkCaseChildren", request)
    state_of(ctx).show(response, as_json, lambda c: render.linked(c, response, case_id))


@app.command("person")
def person(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="PERSON_ID", parser=uuid_value, help="The person's id.")],
    as_json: Json = False,
) -> None:
    """Show a person in the family network, with their iwi and hapū affiliations."""
    response = state_of(ctx).call("placement", "GetPerson", placement_pb2.GetPersonRequest(person_id=person_id))
    state_of(ctx).show(response, as_json, lambda c: render.person(c, response))


@app.command("caregiver")
def caregiver(
    ctx: typer.Context,
    caregiver_id: Annotated[str, typer.Argument(metavar="CAREGIVER_ID", parser=uuid_value, help="The caregiver's id.")],
    as_json: Json = False,
) -> None:
    """Show a caregiver: its approval, and its places (placed and held)."""
    response = state_of(ctx).call(
        "placement", "GetCaregiver", placement_pb2.GetCaregiverRequest(caregiver_id=caregiver_id)
    )
    state_of(ctx).show(response, as_json, lambda c: render.caregiver(c, response.caregiver))
