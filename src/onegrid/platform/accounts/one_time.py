"""One-time passwords: made for a new user or a reset, handed over through a file that only its
owner (root, on a server) can read, never printed or logged, and replaced at first sign-in."""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from onegrid.platform.errors import InvalidInputError

_BYTES = 12  # 16 characters of URL-safe base64: 96 bits


def new_password() -> str:
    return secrets.token_urlsafe(_BYTES)


def default_path(state_dir: str, what: str) -> Path:
    """``<state dir>/one-time-passwords/<what>-<UTC time>.csv``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(state_dir) / "one-time-passwords" / f"{what}-{stamp}.csv"


@contextmanager
def handed_over(path: Path, passwords: Mapping[str, str]) -> Iterator[Path]:
    """Write ``username,one_time_password`` lines to a new file at ``path`` (mode 0600 from
    its creation, in a folder of mode 0700; an existing file is never overwritten), for the
    block that commits them; if the block fails, the file is removed: its passwords never took
    effect."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["username", "one_time_password"])
    writer.writerows(passwords.items())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInputError(f"{path} exists: name a new file for the passwords") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text.getvalue())
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise
