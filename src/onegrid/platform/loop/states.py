"""The loop's state machine: GB/T 30428.2's seven steps as explicit, role-guarded transitions."""

from __future__ import annotations

from dataclasses import dataclass

from onegrid.platform.errors import ConflictError, ForbiddenError

OPEN_STATES = ("reported", "routed", "dispatched", "in_progress")
CLOSED_FOR_CITIZENS = ("resolved", "verified", "evaluated", "closed")


class IllegalTransitionError(ConflictError, code="illegal-transition",
                             title="This step is not allowed now"):
    """The issue's state or the person's role does not allow this step."""


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    step: str  # the standard's step this transition belongs to


# The standard's steps: 信息采集 → 案卷建立 → 任务派遣 → 任务处理 → 处理反馈 → 核查结案 → 综合评价.
# "report" and "route" are made by intake itself (report_issue), never by a person's button.
TRANSITIONS: dict[str, Transition] = {
    "reassign": Transition(("routed", "dispatched"), "routed", ("operator",), "案卷建立"),
    # 首问负责: the first office hands on an issue the responsibility list gave no owner
    "hand_over": Transition(("routed",), "routed", ("department_staff",), "案卷建立"),
    "dispatch": Transition(("routed",), "dispatched", ("operator",), "任务派遣"),
    "accept": Transition(("dispatched",), "in_progress", ("department_staff",), "任务处理"),
    "resolve": Transition(("in_progress",), "resolved", ("department_staff",), "处理反馈"),
    "verify": Transition(("resolved",), "verified", ("grid_worker", "operator"), "核查结案"),
    "reject": Transition(("resolved",), "in_progress", ("grid_worker", "operator"), "核查结案"),
    "evaluate": Transition(("verified",), "evaluated", ("grid_worker", "operator"), "综合评价"),
    "close": Transition(("evaluated",), "closed", ("operator",), "综合评价"),
}


def next_status(action: str, status: str, role: str) -> str:
    """The status after ``action``; IllegalTransitionError (409) or ForbiddenError (403) says
    why not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransitionError(f"there is no step called {action!r}")
    if status not in transition.sources:
        raise IllegalTransitionError(
            f"cannot {action} an issue that is {status}; {action} needs "
            f"{' or '.join(transition.sources)}")
    if role not in transition.roles:
        raise ForbiddenError(f"{action} is for {' or '.join(transition.roles)}, not {role}")
    return transition.target


def actions_for(status: str, role: str) -> list[str]:
    """The steps a person with ``role`` may take on an issue in ``status``."""
    return [name for name, t in TRANSITIONS.items() if status in t.sources and role in t.roles]


def open311_status(status: str) -> str:
    """Open311 knows only open and closed: handled (resolved onwards) counts as closed."""
    return "closed" if status in CLOSED_FOR_CITIZENS else "open"
