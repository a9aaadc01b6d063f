"""Rows a web request reads on every call and that rarely change (a department's token, an area
by code), kept a few seconds per process: a hit saves a round trip to the store and the ORM's
work of loading them. Whoever changes such a row forgets it here (tokens.revoke_token)."""

from __future__ import annotations

from threading import Lock
from typing import Generic, TypeVar, cast

from cachetools import TTLCache
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

BELIEVED_S = 5.0
"""How long a web process believes what it read (docs/api.md promises it): a revoked token, a
decided grant or a registered dataset takes effect in every web process within these seconds."""

K = TypeVar("K")
V = TypeVar("V")
Row = TypeVar("Row")


class Recent(Generic[K, V]):
    """A map whose entries live ``seconds`` (BELIEVED_S), shared by a process's request
    threads."""

    def __init__(self, seconds: float = BELIEVED_S, size: int = 4096) -> None:
        self._entries: TTLCache[K, V] = TTLCache(size, seconds)
        self._lock = Lock()  # TTLCache is not thread-safe; gunicorn's gthread workers share it

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value

    def forget(self, key: K | None = None) -> None:
        """Forget ``key``, or every entry."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)


def detached(row: Row) -> Row:
    """A copy of an ORM row that belongs to no session, to keep between requests; a request
    takes it into its own session with ``session.merge(copy, load=False)`` (no query)."""
    mapper = inspect(type(row))
    copy = mapper.class_(**{a.key: getattr(row, a.key) for a in mapper.column_attrs})
    make_transient_to_detached(copy)
    return cast(Row, copy)
