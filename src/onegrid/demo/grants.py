"""The demo's standing data-sharing agreements, made through the real request-and-approve path
(so they are in the trace): the command centre reads the emergency bureau's hazard sites, and
grid workers (WGZX) see on their map where the lonely elderly they visit live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.sharing.grants import decide, request_grant
from onegrid.platform.store.models import GrantRequest

AGREEMENTS = (
    # (reader, its staff, dataset, fields, purpose, owner, its staff)
    ("ZHZX", "op1", "emergency.hazard_site", ["name", "hazard_type", "risk_level",
                                              "last_inspection"],
     "指挥中心一屏指挥：安全生产风险点图层与预警", "YJGLJ", "yjglj1"),
    ("WGZX", "wgzx1", "civil.elderly_alone", ["name", "age", "care_level", "last_visit",
                                             "geometry"],
     "网格员走访独居老人：巡查地图上的关爱对象", "MZJ", "mzj1"),
)


def agree_all(session: Session) -> int:
    """Request and approve each agreement that has no live approval yet; returns how many."""
    made = 0
    for reader, asker, dataset, fields, purpose, owner, approver in AGREEMENTS:
        department = get_department(session, reader)
        live = session.scalar(select(GrantRequest.id).where(
            GrantRequest.dataset_id == dataset, GrantRequest.department_id == department.id,
            GrantRequest.status == "approved", GrantRequest.expires_at > datetime.now(UTC)))
        if live is None:
            request = request_grant(session, department, asker, dataset_id=dataset,
                                     purpose=purpose, fields=fields,
                                     expires_at=datetime.now(UTC) + timedelta(days=365))
            decide(session, get_department(session, owner), approver, request.id, approve=True,
                   reason="同意：限申请用途使用")
            made += 1
    return made
