"""Password hashes (scrypt from the standard library) and signing in by username."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.store.models import User

_N, _R, _P = 2**14, 8, 1


def hash_password(clear: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(clear.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "$".join(["scrypt", str(_N), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password(stored: str, clear: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(clear.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                               p=int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password matches; None for an unknown user or a wrong password."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.password_hash or not check_password(user.password_hash, password):
        return None
    return user
