"""Password hashes (scrypt from the standard library), signing in by username (never a disabled
user), changing one's password, and ending a user's sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import User
from onegrid.platform.trace.chain import append

_N, _R, _P = 2**14, 8, 1
MIN_LENGTH = 10  # a chosen password's least length


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


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password matches; None for an unknown user or a wrong password. Both
    take one scrypt: an unknown name checks a dummy hash, so timing tells no one which names
    exist."""
    user = session.scalars(select(User).where(User.username == username)).first()
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    if not check_password(stored, password) or user is None or not user.password_hash:
        return None
    return user if user.disabled_at is None else None


class WrongPasswordError(InvalidInputError, code="wrong-password",
                         title="The current password is wrong"):
    """Changing a password needs the current one."""


def change_own_password(session: Session, user: User, current: str, new: str,
                        repeat: str) -> None:
    """Set the user's new password, which ends the one-time one and every other session
    (traced). The errors' details are message keys of the UI (api/messages)."""
    if not user.password_hash or not check_password(user.password_hash, current):
        raise WrongPasswordError("bad_password")
    if new != repeat:
        raise InvalidInputError("passwords_differ")
    if len(new) < MIN_LENGTH or new == current or new.casefold() == user.username.casefold():
        raise InvalidInputError("password_rule")
    user.password_hash, user.must_change_password = hash_password(new), False
    sign_out_everywhere(session, user)
    append(session, user.username, "user.change_password", f"user:{user.username}",
           {"name": user.display_name})


def sign_out_everywhere(session: Session, user: User) -> None:
    """End every session of ``user``: a cookie issued before this (a copy, another device) no
    longer signs anyone in."""
    user.session_generation = User.session_generation + 1
    session.flush()
