"""Grant requests: a department asks for fields of a conditional dataset with a purpose and an
expiry; the owner department approves (a grant) or denies. Each step is in the trace."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onegrid.platform.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from onegrid.platform.sharing.views import LOCATORS, forget_views, schema_fields
from onegrid.platform.store.models import Dataset, Department, GrantRequest
from onegrid.platform.trace.chain import append


def _dataset(session: Session, dataset_id: str) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFoundError(f"no dataset {dataset_id!r}; GET /api/v1/datasets lists them")
    return dataset


def request_grant(session: Session, department: Department, actor: str, *, dataset_id: str,
                   purpose: str, fields: list[str], expires_at: datetime,
                   personal_information: bool = False) -> GrantRequest:
    """A pending request; InvalidInputError when nothing needs asking or the request is
    incomplete."""
    dataset = _dataset(session, dataset_id)
    if dataset.owner_department_id == department.id or dataset.sharing_class == "unconditional":
        raise InvalidInputError(f"your department already reads {dataset_id!r}: no request needed")
    if dataset.sharing_class == "not_shared":
        raise AccessDeniedError(f"dataset {dataset_id!r} is not shared (不予共享): it cannot be "
                                "requested")
    names = (*schema_fields(dataset), *LOCATORS)
    unknown = sorted(set(fields) - set(names))
    if not fields or unknown:
        raise InvalidInputError(f"fields must be a non-empty list of {dataset_id}'s fields "
                                f"({', '.join(names)}); unknown: {unknown}")
    if not purpose.strip():
        raise InvalidInputError("state the purpose of the request")
    if expires_at.tzinfo is None or expires_at <= datetime.now(UTC):
        raise InvalidInputError("expires_at must be a future date-time with a time zone")
    req = GrantRequest(dataset_id=dataset_id, department_id=department.id,
                        purpose=purpose.strip(), fields=sorted(set(fields)),
                        personal_information=personal_information, expires_at=expires_at,
                        status="pending", reason="")
    session.add(req)
    session.flush()
    append(session, actor, "grant.requested", f"grant-request:{req.id}",
           {"dataset": dataset_id, "department": department.code, "purpose": req.purpose,
            "fields": req.fields, "expires_at": expires_at,
            "personal_information": personal_information})
    return req


def decide(session: Session, department: Department, actor: str, request_id: int,
           approve: bool, reason: str = "") -> GrantRequest:
    """Approve or deny a pending request; only the dataset's owner department may."""
    req = session.get(GrantRequest, request_id, with_for_update=True)
    if req is None:
        raise NotFoundError(f"no grant request {request_id}")
    if _dataset(session, req.dataset_id).owner_department_id != department.id:
        raise AccessDeniedError(f"only the owner of {req.dataset_id!r} decides requests for it")
    if req.status != "pending":
        raise ConflictError(f"grant request {request_id} is already {req.status}")
    req.status = "approved" if approve else "denied"
    req.decided_by, req.decided_at, req.reason = actor, datetime.now(UTC), reason
    session.flush()
    forget_views()
    append(session, actor, f"grant.{req.status}", f"grant-request:{req.id}",
           {"dataset": req.dataset_id, "fields": req.fields, "reason": reason,
            "expires_at": req.expires_at})
    return req


def requests_for(session: Session, department: Department) -> list[GrantRequest]:
    """Requests the department made or must decide (as owner), newest first."""
    owned = select(Dataset.id).where(Dataset.owner_department_id == department.id)
    return list(session.scalars(select(GrantRequest).where(or_(
        GrantRequest.department_id == department.id, GrantRequest.dataset_id.in_(owned)))
        .order_by(GrantRequest.id.desc())))
