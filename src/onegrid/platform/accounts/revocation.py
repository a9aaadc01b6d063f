"""Revoking a credential: a department's API token or ingest key. For good (a revoked one is
never made valid again), again is fine, and each revocation is traced by who asked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from onegrid.platform.errors import NotFoundError
from onegrid.platform.store.models import ApiToken, IngestKey
from onegrid.platform.trace.chain import append

Credential = TypeVar("Credential", ApiToken, IngestKey)


def revoke(session: Session, kind: type[Credential], ident: str | int, actor: str,
           action: str, missing: str) -> Credential:
    """Revoke the credential ``kind`` ``ident`` (NotFoundError saying ``missing`` when there
    is none), tracing ``action`` by ``actor`` with when it was revoked."""
    row = session.get(kind, ident)
    if row is None:
        raise NotFoundError(missing)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    append(session, actor, action, f"{kind.__tablename__}:{ident}",
           {"department_id": row.department_id, "revoked_at": row.revoked_at})
    return row
