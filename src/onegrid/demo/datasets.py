"""The demo departments' datasets, registered from the specs in data/datasets/."""

from __future__ import annotations

from importlib.resources import files

import yaml
from sqlalchemy.orm import Session

from onegrid.platform.sharing.catalog import register

SPECS = files("onegrid.demo").joinpath("data", "datasets")


def register_all(session: Session) -> list[str]:
    """Register (or update) every demo dataset; returns their ids."""
    specs = sorted((p for p in SPECS.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    return [register(session, yaml.safe_load(p.read_text("utf-8"))).id for p in specs]
