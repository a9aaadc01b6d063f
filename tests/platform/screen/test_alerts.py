"""Early warnings: a grid's day against its 28-day baseline, and clusters of overdue issues."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onegrid.platform.screen.alerts import grid_spikes, overdue_clusters
from onegrid.platform.screen.rules import ScreenRules
from tests.places import spot
from tests.platform.screen.factory import make_issue, now

pytestmark = pytest.mark.usefixtures("city")


def _day_of_issues(db, rank: int, count: int, age: timedelta = timedelta(0)) -> None:
    for n in range(count):
        make_issue(db, rank, "E0502", metres=60 * n + 1, age=age)


def test_a_grid_far_above_its_baseline_is_a_warning_and_a_usual_day_is_not(db) -> None:
    busy, usual = spot(db, 150), spot(db, 151)
    for day in range(1, 29, 7):  # a quiet baseline: one issue a week
        _day_of_issues(db, 150, 1, age=timedelta(days=day, hours=2))
    _day_of_issues(db, 150, 5)
    for day in range(1, 29):  # a busy baseline: 2 or 6 a day (mean 4, sd 2)
        _day_of_issues(db, 151, 2 if day % 2 else 6, age=timedelta(days=day, hours=2))
    _day_of_issues(db, 151, 5)
    warned = {w["code"]: w for w in grid_spikes(db, now(), ScreenRules())}
    assert warned[busy.grid_code]["last_24h"] == 5
    assert float(warned[busy.grid_code]["baseline"]) == pytest.approx(4 / 28, abs=0.01)
    assert usual.grid_code not in warned


def test_the_threshold_is_a_setting(db) -> None:
    _day_of_issues(db, 152, 3)
    code = spot(db, 152).grid_code
    assert code in {w["code"] for w in grid_spikes(db, now(), ScreenRules())}
    strict = ScreenRules(warning_min_issues=4)
    assert code not in {w["code"] for w in grid_spikes(db, now(), strict)}


def test_overdue_issues_in_one_community_form_a_cluster(db) -> None:
    made = [make_issue(db, 153, "E0502", metres=60 * n + 1, age=timedelta(days=5))
            for n in range(3)]
    clusters = overdue_clusters(db, now(), ScreenRules())
    mine = [c for c in clusters if set(c["issue_ids"]) >= {i.id for i in made}]
    assert mine and mine[0]["count"] >= 3
