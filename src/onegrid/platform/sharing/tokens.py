"""Department API tokens: shown once at creation, kept only as a SHA-256 hash, each with a scope
(``data`` or ``open311``) that says which part of the API it opens (api/scopes.py)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.accounts.revocation import revoke
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import TOKEN_SCOPES, ApiToken, Department
from onegrid.platform.trace.chain import append

PREFIX = "og_"
DEFAULT_DAYS = 365


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, department_code: str, label: str = "",
                 valid_days: int = DEFAULT_DAYS, scope: str = "data") -> tuple[ApiToken, str]:
    """A new token for the department; the clear token is returned here and nowhere else."""
    if scope not in TOKEN_SCOPES:
        raise InvalidInputError(f"scope {scope!r}: use one of {', '.join(TOKEN_SCOPES)}")
    if valid_days < 1:
        raise InvalidInputError("a token is valid for at least 1 day")
    department = get_department(session, department_code)
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(department_id=department.id, token_hash=hash_token(clear), label=label,
                     scope=scope, expires_at=datetime.now(UTC) + timedelta(days=valid_days))
    session.add(token)
    session.flush()
    return token, clear


def issue_token(session: Session, department_code: str, label: str, valid_days: int,
                scope: str, actor: str) -> tuple[ApiToken, str]:
    """create_token, traced as ``actor``'s (never the token itself)."""
    row, clear = create_token(session, department_code, label, valid_days, scope)
    append(session, actor, "token.create", f"department:{department_code}",
           {"token_id": row.id, "scope": scope, "label": label, "expires_at": row.expires_at})
    return row, clear


def valid_token(session: Session, clear: str) -> tuple[ApiToken, Department] | None:
    """The token (known, unrevoked, unexpired) and its department, else None."""
    now = datetime.now(UTC)
    row = session.execute(
        select(ApiToken, Department)
        .join(Department, ApiToken.department_id == Department.id)
        .where(ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None))
        .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
    ).first()
    return (row[0], row[1]) if row else None


def list_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Every token with its department's code, newest first (hashes are never shown)."""
    rows = session.execute(select(ApiToken, Department.code)
                           .join(Department, ApiToken.department_id == Department.id)
                           .order_by(ApiToken.id.desc()))
    return [(token, code) for token, code in rows]


def listed_tokens(session: Session, actor: str) -> list[tuple[ApiToken, str]]:
    """list_tokens, the look traced as ``actor``'s."""
    tokens = list_tokens(session)
    append(session, actor, "token.list", "api_token", {"tokens": len(tokens)})
    return tokens


def revoke_token(session: Session, token_id: int, actor: str) -> ApiToken:
    """Revoke the token (again is fine); NotFoundError for an unknown id."""
    return revoke(session, ApiToken, token_id, actor, "token.revoke",
                  f"no token with id {token_id} (see `onegrid token list`)")
