"""The state machine alone: legal steps, 409 for illegal ones, 403 for the wrong role."""

from __future__ import annotations

import pytest

from onegrid.platform.errors import ForbiddenError
from onegrid.platform.loop.states import (
    IllegalTransitionError,
    actions_for,
    next_status,
    open311_status,
)

HAPPY_PATH = [("dispatch", "operator", "dispatched"), ("accept", "department_staff", "in_progress"),
              ("resolve", "department_staff", "resolved"), ("verify", "grid_worker", "verified"),
              ("evaluate", "grid_worker", "evaluated"), ("close", "operator", "closed")]


def test_the_seven_steps_lead_from_routed_to_closed() -> None:
    status = "routed"
    for action, role, expected in HAPPY_PATH:
        status = next_status(action, status, role)
        assert status == expected


def test_a_rejected_result_goes_back_to_the_department() -> None:
    assert next_status("reject", "resolved", "grid_worker") == "in_progress"


def test_an_illegal_step_is_a_409_with_the_reason() -> None:
    with pytest.raises(IllegalTransitionError,
                       match="cannot verify an issue that is routed") as err:
        next_status("verify", "routed", "grid_worker")
    assert err.value.status == 409


def test_the_wrong_role_is_a_403() -> None:
    with pytest.raises(ForbiddenError) as err:
        next_status("resolve", "in_progress", "grid_worker")
    assert err.value.status == 403


def test_each_role_is_offered_only_its_own_steps() -> None:
    assert actions_for("resolved", "grid_worker") == ["verify", "reject"]
    assert actions_for("resolved", "department_staff") == []
    assert open311_status("in_progress") == "open" and open311_status("resolved") == "closed"
