"""What the workbench lists: the kinds of work item, their states, and a filter of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import (
    APPLICATION_STATES,
    COLLECTION_TASK_STATES,
    COMPLAINT_STATES,
    ISSUE_STATES,
)

KINDS = ("issue", "collection", "application", "complaint")
# A status filter names one kind's state, or every kind's waiting (open) or late (overdue) items.
STATUSES = tuple(dict.fromkeys(("open", "overdue", *ISSUE_STATES, *COLLECTION_TASK_STATES,
                                *APPLICATION_STATES, *COMPLAINT_STATES)))


@dataclass(frozen=True)
class WorkFilter:
    """What to list. ``department_id`` None lists every department's (an operator's view);
    ``area_path`` keeps items at or under that area (complaints have none, so it drops them);
    ``first``/``last`` bound the day each item arrived, in the city's calendar, inclusive."""

    department_id: int | None = None
    kind: str | None = None
    status: str | None = None
    category: str | None = None
    area_path: str | None = None
    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInputError(f"kind is one of {', '.join(KINDS)}")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInputError(f"status is one of {', '.join(STATUSES)}")
        if any(day and not 1900 <= day.year < 9999 for day in (self.first, self.last)):
            raise InvalidInputError("a day is between the years 1900 and 9998")
        if self.first and self.last and self.last < self.first:
            raise InvalidInputError("the last day is before the first")
