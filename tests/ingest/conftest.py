"""Ingest fixtures: the demo datasets registered, and messages built the way producers do."""

from __future__ import annotations

import itertools
import json
from importlib.resources import files
from typing import Any

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.ingest.decode import Refusal, Report, decode
from onegrid.ingest.writer import BatchWriter, Delivery
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import DatasetRules, register, rules
from tests.conftest import acting, role_of

DATASETS = files("onegrid.demo").joinpath("data", "datasets")
LUCHENG_POINT = (120.6550, 28.0140)  # inside Lucheng district, Wenzhou


@pytest.fixture
def catalog(db: Session, city: None) -> dict[str, DatasetRules]:
    for spec in DATASETS.iterdir():
        if spec.name.endswith(".yaml"):
            register(db, yaml.safe_load(spec.read_text("utf-8")))
    db.flush()
    return rules(db)


@pytest.fixture
def write(db: Session, catalog: dict[str, DatasetRules], settings: Settings):
    """Decode messages as the worker does and write them as one batch, as ingest's role."""
    ingest = role_of(settings.ingest_database_url)
    with acting(db.connection(), ingest):
        writer = batch_writer(db, "test-group")
    offsets = itertools.count()

    def write_batch(*messages: dict, topic: str | None = None):
        reports: list[tuple[Delivery, Report]] = []
        refusals: list[tuple[Delivery, Refusal]] = []
        for message in messages:
            value = encode(message) if isinstance(message, dict) else message
            t = topic or f"onegrid.ingest.{message['dataset']}"
            d = Delivery(t, 0, next(offsets), None, value)
            result = decode(value, t, catalog, settings.pii_key)
            if isinstance(result, Report):
                reports.append((d, result))
            else:
                refusals.append((d, result))
        with acting(db.connection(), ingest):
            return writer.write(reports, refusals)
    return write_batch


def batch_writer(db: Session, group: str) -> BatchWriter:
    """A writer on the test's connection, for consumer group ``group``."""
    departments: dict[str, int] = dict(db.execute(text("SELECT code, id FROM department")).all())
    return BatchWriter(db.connection(), group, lambda: departments)


def envelope(dataset: str = "market.business", department: str = "SCJG",
             subject_key: str = "91330302MA2AXXXXX8", record_id: str = "r-1",
             occurred_at: str = "2026-11-20T08:00:00+08:00", crs: str | None = "EPSG:4490",
             geometry: Any = "default", **attributes: Any) -> dict[str, Any]:
    if geometry == "default":
        geometry = {"type": "Point", "coordinates": list(LUCHENG_POINT)}
    return {"dataset": dataset, "department": department, "record_id": record_id,
            "subject_key": subject_key, "occurred_at": occurred_at, "crs": crs,
            "geometry": geometry,
            "attributes": {"name": "温州市鹿城区示例商贸有限公司", **attributes}}


def accepted(value: bytes, topic: str, catalog: dict[str, DatasetRules], pii_key: str) -> Report:
    """decode() of a message the test means to be valid (a refusal fails with its reason)."""
    result = decode(value, topic, catalog, pii_key)
    assert isinstance(result, Report), result
    return result


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()
