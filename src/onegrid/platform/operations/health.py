"""Is the platform's infrastructure answering, and is ingest reading every dataset? One check
for /healthz and `onegrid health`."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from onegrid.platform.errors import StoreUnavailableError
from onegrid.platform.operations.broker_view import BrokerSnapshot
from onegrid.platform.operations.ingest_state import degraded, registered_topics, stored_offsets
from onegrid.platform.store.db import ping, session_factory
from onegrid.platform.streams import INGEST_GROUP


def store_state(engine: Engine) -> dict[str, object]:
    try:
        return {"ok": True, "version": ping(engine)}
    except StoreUnavailableError as exc:
        return {"ok": False, "error": exc.detail}


def ingest_state(session: Session, broker: BrokerSnapshot, prefix: str,
                 group: str = INGEST_GROUP) -> dict[str, object]:
    """``{"status": "ok"}``, or "degraded" with each dataset ingest is not reading and why
    (ingest_state.py); "unknown" while the store cannot say (not migrated yet, say)."""
    try:
        found = degraded(broker, registered_topics(session, prefix),
                         stored_offsets(session, group))
    except SQLAlchemyError as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    if not found:
        return {"status": "ok"}
    return {"status": "degraded", "datasets": {d: f.state() for d, f in found.items()}}


def platform_state(engine: Engine, broker: BrokerSnapshot, prefix: str,
                   session: Session | None = None) -> dict[str, object]:
    """``status`` is "ok" when the store and the broker both answer and ingest reads every
    registered dataset, "degraded" when they answer but ingest does not read some (the site
    serves: answer 200), "unavailable" when either does not answer. ``session``: the one to
    read ingest's state with (default: one of its own on ``engine``)."""
    store = store_state(engine)
    if not (store["ok"] and broker.ok):
        return {"status": "unavailable", "store": store, "broker": broker.state()}
    if session is None:
        with session_factory(engine)() as own:
            ingest = ingest_state(own, broker, prefix)
    else:
        ingest = ingest_state(session, broker, prefix)
    status = "degraded" if ingest["status"] == "degraded" else "ok"
    return {"status": status, "store": store, "broker": broker.state(), "ingest": ingest}
