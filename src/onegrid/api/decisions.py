"""Deciding a pending thing (a grant request, an admission application, an inspection plan):
two routes, ``…/<id>/approve`` and ``…/<id>/refuse`` (or ``deny``), the same optional reason
in the body, one unit of work and the decided thing as the answer, so each blueprint says only
what is decided, by whom, and how it looks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.caller import Caller, caller
from onegrid.api.features import json_response
from onegrid.api.params import BIGINT, json_body
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import Department

T = TypeVar("T")
# decide(db, who, id, approved, reason) -> the decided thing as JSON
Decide = Callable[[Session, Caller, int, bool, str], dict[str, Any]]


@dataclass(frozen=True)
class Decision:
    """What is decided: the route of one pending thing (``/plans/<int:plan_id>``), the two verbs
    (approving, refusing), the OpenAPI tag, a summary with ``{verb}``, the answer's schema, and
    who may decide (``authorize`` raises for anyone else)."""

    rule: str
    verbs: tuple[str, str]
    tag: str
    summary: str
    answer: str
    authorize: Callable[[], Caller] = caller

    def doc(self, verb: str) -> str:
        (name,) = re.findall(r"<int:(\w+)>", self.rule)
        return f"""{self.summary.format(verb=verb)}.
    ---
    post:
      tags: [{self.tag}]
      summary: {self.summary.format(verb=verb)}
      parameters:
      - {{in: path, name: {name}, required: true, schema: {{type: integer, minimum: 0,
          maximum: {BIGINT}}}}}
      requestBody: {{json: Decision}}
      responses:
        '200': {{description: 'the decided one', json: {self.answer}}}
      problems: [400, 401, 403, 404, 409, 413]
    """


def by_department(service: Callable[[Session, Department, str, int, bool, str], T],
                  shape: Callable[[T], dict[str, Any]]) -> Decide:
    """The decision of a service that takes the deciding department and actor."""
    def decide(db: Session, who: Caller, thing_id: int, approved: bool,
               reason: str) -> dict[str, Any]:
        return shape(service(db, who.department, who.actor, thing_id, approved, reason))
    return decide


def add_decision_routes(bp: Blueprint, decision: Decision, decide: Decide,
                        endpoint_suffix: str = "") -> None:
    """POST ``rule``/<verb> for the approving verb, then the refusing one; endpoints are the
    verb plus ``endpoint_suffix``."""
    for verb, approved in zip(decision.verbs, (True, False), strict=True):
        view = _view(decision, decide, approved)
        view.__name__ = f"{verb}{endpoint_suffix}"
        view.__doc__ = decision.doc(verb.capitalize())
        bp.add_url_rule(f"{decision.rule}/{verb}", view_func=view, methods=["POST"])


def _view(decision: Decision, decide: Decide, approved: bool) -> Callable[..., Response]:
    def view(**ids: int) -> Response:
        (thing_id,) = ids.values()
        who = decision.authorize()
        reason = _reason()
        with store.unit_of_work() as db:
            return json_response(decide(db, who, thing_id, approved, reason))
    return view


def _reason() -> str:
    reason = json_body(required=False).get("reason", "")
    if not isinstance(reason, str):
        raise InvalidInputError("reason is a string")
    return reason
