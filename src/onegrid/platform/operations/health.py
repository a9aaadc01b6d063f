"""Is the platform's infrastructure answering? One check for /healthz and `onegrid health`."""

from __future__ import annotations

from collections.abc import Mapping

from confluent_kafka.admin import AdminClient
from sqlalchemy import Engine

from onegrid.platform.errors import StoreUnavailableError
from onegrid.platform.store.db import ping


def broker_state(kafka: Mapping[str, str], timeout_s: float = 3.0) -> dict[str, object]:
    """``{"ok": True, "brokers": n}`` when a Kafka-protocol broker answers within the timeout
    (``kafka``: the clients' librdkafka settings, Settings.kafka)."""
    admin = AdminClient({**kafka, "socket.timeout.ms": 2000, "log_level": 0}, logger=_quiet)
    try:
        metadata = admin.list_topics(timeout=timeout_s)
        return {"ok": True, "brokers": len(metadata.brokers)}
    except Exception as exc:  # KafkaException or a timeout: either way the broker is not there
        return {"ok": False, "error": f"the broker at {kafka['bootstrap.servers']} does not "
                                      f"answer: {exc}"}


def store_state(engine: Engine) -> dict[str, object]:
    try:
        return {"ok": True, "version": ping(engine)}
    except StoreUnavailableError as exc:
        return {"ok": False, "error": exc.detail}


def platform_state(engine: Engine, kafka: Mapping[str, str]) -> dict[str, object]:
    """Both checks; ``status`` is "ok" only when the store and the broker both answer."""
    store, broker = store_state(engine), broker_state(kafka)
    healthy = bool(store["ok"] and broker["ok"])
    return {"status": "ok" if healthy else "unavailable", "store": store, "broker": broker}


class _Quiet:
    def log(self, *args: object) -> None:  # librdkafka logs connection refusals loudly
        pass


_quiet = _Quiet()
