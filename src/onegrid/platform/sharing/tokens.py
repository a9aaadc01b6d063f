"""Department API tokens: shown once at creation, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.store.models import ApiToken, Department

PREFIX = "og_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, department_code: str, label: str = "",
                 valid_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the department; the clear token is returned here and nowhere else."""
    department = get_department(session, department_code)
    clear = PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=valid_days) if valid_days else None
    token = ApiToken(department_id=department.id, token_hash=hash_token(clear), label=label,
                     expires_at=expires)
    session.add(token)
    session.flush()
    return token, clear


def department_for_token(session: Session, clear: str) -> Department | None:
    """The department a valid (known, unrevoked, unexpired) token belongs to, else None."""
    now = datetime.now(UTC)
    return session.scalars(
        select(Department)
        .join(ApiToken, ApiToken.department_id == Department.id)
        .where(ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None))
        .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
    ).first()


def revoke_token(session: Session, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
