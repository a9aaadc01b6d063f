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
from onegrid.platform.store.recent import Recent, detached
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


# A token seen valid is believed BELIEVED_S (store/recent.py) in a process without asking the
# store again; revoking it here forgets it at once, in the other web processes within those
# seconds.
_seen: Recent[str, tuple[ApiToken, Department]] = Recent()


def issue_token(session: Session, department_code: str, label: str, valid_days: int,
                scope: str, actor: str) -> tuple[ApiToken, str]:
    """create_token, traced as ``actor``'s (never the token itself)."""
    row, clear = create_token(session, department_code, label, valid_days, scope)
    append(session, actor, "token.create", f"department:{department_code}",
           {"token_id": row.id, "scope": scope, "label": label, "expires_at": row.expires_at})
    return row, clear


def valid_token(session: Session, clear: str) -> tuple[ApiToken, Department] | None:
    """The token (known, unrevoked, unexpired) and its department, else None. A token found
    valid in the last BELIEVED_S seconds is taken from memory into ``session`` (no query)."""
    now, digest = datetime.now(UTC), hash_token(clear)
    seen = _seen.get(digest)
    if seen is None:
        row = session.execute(
            select(ApiToken, Department)
            .join(Department, ApiToken.department_id == Department.id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
            .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
        ).first()
        if row is None:
            return None
        seen = detached(row[0]), detached(row[1])
        _seen.put(digest, seen)
    token, department = seen
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return session.merge(token, load=False), session.merge(department, load=False)


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
    """Revoke the token (again is fine); NotFoundError for an unknown id. This process stops
    believing it at once."""
    row = revoke(session, ApiToken, token_id, actor, "token.revoke",
                 f"no token with id {token_id} (see `onegrid token list`)")
    _seen.forget(row.token_hash)
    return row
