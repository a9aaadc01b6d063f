"""Departments' ingest keys: the shared secrets their producers sign messages with.

Verifying an HMAC needs the secret itself, so the store keeps it, encrypted with AES-GCM under
a key derived from ONEGRID_SECRET_KEY and bound to the key's id and department: a copy of the
database (a backup, a read-only role) yields no secret, and a row moved to another department
no longer decrypts. The threat model is in docs/ingest.md §2."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.accounts.revocation import revoke
from onegrid.platform.store.models import Department, IngestKey
from onegrid.platform.trace.chain import append

SECRET_PREFIX = "ogk_"
_NONCE_BYTES = 12


@dataclass(frozen=True, slots=True)
class KeyState:
    """What ingest knows of one kid: whose it is, and its secret or why there is none."""

    department: str
    secret: bytes | None  # the secret's ASCII bytes, the HMAC key
    unusable: str = ""  # "revoked", or why the secret cannot be read


def create_key(session: Session, department_code: str, secret_key: str,
               label: str = "") -> tuple[IngestKey, str]:
    """A new active key for the department; the clear secret is returned here and nowhere else."""
    department = get_department(session, department_code)
    clear = SECRET_PREFIX + secrets.token_urlsafe(32)  # printable ASCII, as producers need
    kid = secrets.token_hex(8)
    key = IngestKey(kid=kid, department_id=department.id, label=label,
                    secret=_seal(secret_key, kid, department.id, clear))
    session.add(key)
    session.flush()
    return key, clear


def issue_key(session: Session, department_code: str, secret_key: str, label: str,
              actor: str) -> tuple[IngestKey, str]:
    """create_key, traced as ``actor``'s."""
    key, clear = create_key(session, department_code, secret_key, label)
    append(session, actor, "ingest_key.create", f"department:{department_code}",
           {"kid": key.kid, "label": label})
    return key, clear


def list_keys(session: Session, department_code: str) -> list[IngestKey]:
    department = get_department(session, department_code)
    return list(session.scalars(select(IngestKey).where(IngestKey.department_id == department.id)
                                .order_by(IngestKey.created_at, IngestKey.kid)))


def revoke_key(session: Session, kid: str, actor: str) -> IngestKey:
    """Revoke the key for good: its secret is erased, and ingest refuses what it signs."""
    key = revoke(session, IngestKey, kid, actor, "ingest_key.revoke",
                 f"no ingest key {kid!r} (see `onegrid department key list CODE`)")
    key.secret = None
    session.flush()
    return key


def publishing_key(session: Session, department_code: str, secret_key: str,
                   label: str) -> tuple[str, str]:
    """(kid, secret) of the department's newest active key labelled ``label``, created (and
    traced, with ``label`` as the actor) if it has none: the platform's own producers
    (`onegrid feed`, the demo, the benches) publish with it."""
    department = get_department(session, department_code)
    key = session.scalars(select(IngestKey).where(
        IngestKey.department_id == department.id, IngestKey.label == label,
        IngestKey.revoked_at.is_(None)).order_by(IngestKey.created_at.desc()).limit(1)).first()
    if key is not None and key.secret is not None:
        try:
            return key.kid, _open(secret_key, key.kid, department.id, key.secret)
        except InvalidTag:  # sealed under another ONEGRID_SECRET_KEY: make a readable one
            pass
    created, clear = issue_key(session, department_code, secret_key, label, label)
    return created.kid, clear


def ingest_keys(session: Session, secret_key: str) -> dict[str, KeyState]:
    """Every key ingest may meet, revoked ones included (so a refusal can say so), by kid."""
    rows = session.execute(select(IngestKey, Department.code).join(
        Department, Department.id == IngestKey.department_id))
    return {key.kid: _state(key, code, secret_key) for key, code in rows}


def keys_changed(session: Session) -> tuple[int, int]:
    """How many keys exist and how many are revoked: both only grow, so a worker reloads its
    keys when this moves (a timestamp would miss a key whose transaction committed late)."""
    created, revoked = session.execute(select(func.count(), func.count(IngestKey.revoked_at))
                                       ).one()
    return int(created), int(revoked)


def _state(key: IngestKey, department: str, secret_key: str) -> KeyState:
    if key.revoked_at is not None or key.secret is None:
        return KeyState(department, None, "revoked")
    try:
        return KeyState(department, _open(secret_key, key.kid, key.department_id,
                                          key.secret).encode("ascii"))
    except InvalidTag:
        return KeyState(department, None, "sealed under another ONEGRID_SECRET_KEY or altered; "
                                          "create a new key")


def _cipher(secret_key: str) -> AESGCM:
    """AES-256-GCM under a key derived from the platform's secret key for this use only."""
    derived = HKDF(algorithm=SHA256(), length=32, salt=None,
                   info=b"onegrid ingest keys").derive(secret_key.encode())
    return AESGCM(derived)


def _bound_to(kid: str, department_id: int) -> bytes:
    return f"{kid}:{department_id}".encode()


def _seal(secret_key: str, kid: str, department_id: int, clear: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + _cipher(secret_key).encrypt(nonce, clear.encode(),
                                               _bound_to(kid, department_id))


def _open(secret_key: str, kid: str, department_id: int, sealed: bytes) -> str:
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return _cipher(secret_key).decrypt(nonce, ciphertext,
                                       _bound_to(kid, department_id)).decode()
