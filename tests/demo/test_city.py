"""The demo city comes from its files through the import services, and a second build changes
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from onegrid.demo.city import DEMO_PASSWORD, build, published_password_in_use
from onegrid.platform.accounts.passwords import check_password
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import TraceEntry, User

pytestmark = pytest.mark.usefixtures("city")


def test_every_level_came_through_the_boundary_import(db: Session) -> None:
    imports = db.execute(text("SELECT detail ->> 'file', (detail -> 'changes' ->> 'new')::int "
                              "FROM trace_entry WHERE action = 'boundaries.import' AND "
                              "actor = 'demo' ORDER BY seq")).all()
    assert imports == [("district.geojson", 1), ("streets.geojson", 15),
                       ("communities.geojson", 117), ("grids.geojson", 1586)]
    assert db.scalar(text("SELECT code FROM area WHERE level = 'street' ORDER BY code LIMIT 1")
                     ) == "330302001000"  # the statistical division code's form


def test_each_grid_has_its_worker_from_users_xlsx_with_the_published_password(
        db: Session) -> None:
    orphans = db.scalar(text("SELECT count(*) FROM area a WHERE a.level = 'grid' AND NOT EXISTS "
                             "(SELECT FROM user_grid ug JOIN app_user u ON u.id = ug.user_id "
                             "WHERE ug.area_id = a.id AND u.username = 'gw' || a.code)"))
    assert orphans == 0
    roles = dict(db.execute(select(User.role, func.count()).where(~User.username.contains("."))
                            .group_by(User.role)).all())
    assert roles == {"grid_worker": 1586, "department_staff": 24, "operator": 3}
    worker = db.scalars(select(User).where(User.username == "gw330302001001001")).one()
    assert not worker.must_change_password  # README's demo sign-in, no first-time change
    assert check_password(worker.password_hash or "", DEMO_PASSWORD)
    added = db.scalars(select(TraceEntry.detail).where(
        TraceEntry.target == "user:gw330302001001001", TraceEntry.action == "user.add")).one()
    assert added["source"] == "users.xlsx"
    assert published_password_in_use(db)  # what `onegrid demo guard` refuses to serve


def test_a_second_build_changes_nothing(db: Session, settings: Settings) -> None:
    before = db.scalar(select(func.max(TraceEntry.seq)))
    assert build(db, settings, lambda _: None)["new users"] == 0
    assert db.scalar(select(func.max(TraceEntry.seq))) == before
