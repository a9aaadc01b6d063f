from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.demo.datasets import register_all
from onegrid.demo.grants import agree_all
from onegrid.platform.accounts.departments import get_department
from onegrid.platform.sharing.views import readable


@pytest.mark.usefixtures("city")
def test_the_command_centre_reads_hazard_sites_through_an_approved_request(db: Session) -> None:
    register_all(db)
    assert agree_all(db) == 2 and agree_all(db) == 0
    view = readable(db, get_department(db, "ZHZX"))["emergency.hazard_site"]
    assert "risk_level" in view.fields
    elderly = readable(db, get_department(db, "WGZX"))["civil.elderly_alone"]
    assert elderly.sees("geometry") and not elderly.sees("subject_key")
    actions = db.scalars(text("SELECT action FROM trace_entry WHERE target LIKE "
                              "'grant-request:%' ORDER BY seq DESC LIMIT 2")).all()
    assert actions == ["grant.approved", "grant.requested"]
