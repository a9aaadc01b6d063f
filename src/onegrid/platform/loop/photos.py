"""Photos of issues: only JPEG, PNG or WebP up to 5 MB, kept in the store with their SHA-256."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import IssuePhoto

MAX_BYTES = 5 * 1024 * 1024


def sniff(data: bytes) -> str:
    """The photo's media type from its first bytes (a declared type can lie)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInputError("a photo must be a JPEG, PNG or WebP image")


def store_photo(session: Session, issue_id: int, stage: str, data: bytes) -> IssuePhoto:
    """Check type and size, then keep the bytes with their checksum; the same bytes sent again
    for the same issue (a retried upload) return the photo already kept."""
    if not data:
        raise InvalidInputError("the photo is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInputError(f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB")
    checksum = hashlib.sha256(data).hexdigest()
    kept = session.scalars(select(IssuePhoto).where(IssuePhoto.issue_id == issue_id,
                                                    IssuePhoto.sha256 == checksum)).first()
    if kept is not None:
        return kept
    photo = IssuePhoto(issue_id=issue_id, stage=stage, content_type=sniff(data), size=len(data),
                       sha256=checksum, data=data)
    session.add(photo)
    session.flush()
    return photo
