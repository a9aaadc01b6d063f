"""Early warnings: grids with an unusual day of issues, and communities with overdue clusters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from onegrid.platform.loop.sla import overdue_clause
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import Area, Issue
from onegrid.platform.store.sqlfiles import statements

LIMIT = 10  # rows per warning list: a wall shows the worst few


def grid_spikes(session: Session, now: datetime, rules: ScreenRules) -> list[dict[str, Any]]:
    """Grids whose last 24 h exceed their baseline: code, name, path, last_24h, baseline, sd."""
    (query,) = statements("onegrid.platform.screen", "grid_spikes")
    rows = session.execute(query, {"now": now, "days": rules.baseline_days,
                                   "sigma": rules.warning_sigma,
                                   "min_issues": rules.warning_min_issues, "limit": LIMIT})
    return [dict(row._mapping) for row in rows]


def overdue_clusters(session: Session, now: datetime, rules: ScreenRules) -> list[dict[str, Any]]:
    """Communities holding at least ``rules.overdue_cluster`` overdue open issues: code, name,
    path, count and the issue ids, most first."""
    grid, community = aliased(Area), aliased(Area)
    rows = session.execute(
        select(community.code, community.name, community.path, func.count().label("count"),
               func.array_agg(Issue.id).label("issue_ids"))
        .join(grid, grid.id == Issue.grid_id).join(community, community.id == grid.parent_id)
        .where(overdue_clause(now))
        .group_by(community.id)
        .having(func.count() >= rules.overdue_cluster)
        .order_by(func.count().desc(), community.code).limit(LIMIT))
    return [dict(row._mapping) | {"issue_ids": sorted(row.issue_ids)} for row in rows]
