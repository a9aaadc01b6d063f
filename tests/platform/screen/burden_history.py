"""Two years of the burden office's history for the year-on-year report's tests, written with
explicit dates as a simulated history would be, and the report's figures counted again in
Python, row by row, from the same tables: what the report's SQL must agree with."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.screen.burden import ALL, MEASURES, Period
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import (
    BurdenComplaint,
    BurdenEvent,
    BurdenForm,
    Department,
    IndicatorVersion,
    InspectionPlan,
    OfficeOutput,
    WorkChannel,
)

ZONE = ScreenRules().tz
THIS = Period(date(2031, 1, 1), date(2031, 6, 30), ZONE)
LAST = THIS.year_before()
LEDGER = {"requests_made": "collection_gate_answered",
          "requests_answered": "request_answered_from_shared_data",
          "forms_avoided": "form_avoided", "tasks_refused": "task_refused_admission",
          "zombies": "zombie_channel", "duplicates_merged": "duplicate_merged",
          "flags_raised": "flag_already_have"}
FIELDS = ["姓名", "电话", "住址"]


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZONE)


def seed(db: Session, codes: list[str]) -> None:
    """Rows for every measure in both years for each department (the i-th department gets
    more each year, so the changes differ), plus rows just outside both periods."""
    ids = dict(db.execute(select(Department.code, Department.id)).all())
    for i, code in enumerate(codes, start=1):
        dep = ids[code]
        for year, extra in ((2030, 0), (2031, i)):
            day = date(year, 1, 1 + i)  # the first from 2 January: a month's row records it
            for kind in LEDGER.values():
                db.add_all(BurdenEvent(kind=kind, department_id=dep, detail={}, at=at(day))
                           for _ in range(i + extra))
            # the day after the period (and the last day before it) count in no year
            db.add(BurdenEvent(kind="form_avoided", department_id=dep, detail={},
                               at=at(date(year, 7, 1), 0)))
            db.add(BurdenEvent(kind="form_avoided", department_id=dep, detail={},
                               at=at(date(year - 1, 12, 31), 23)))
            _registers(db, dep, code, year, day, count=i + extra)
    db.add(BurdenEvent(kind="duplicate_merged", department_id=None, detail={},
                       at=at(date(2031, 2, 2))))
    db.flush()


def _registers(db: Session, dep: int, code: str, year: int, day: date, count: int) -> None:
    for n in range(count):
        name = f"{code}-{year}-{n}"
        form = BurdenForm(department_id=dep, name=name, fields=FIELDS[: n % 3 + 1],
                          frequency="monthly", levels=["grid"], created_at=at(day))
        db.add(form)
        db.flush()
        if n == 0 and year == 2030:  # retired before this year's period: asked last year only
            db.add(BurdenEvent(kind="form_retired", department_id=dep, detail={"form": form.id},
                               at=at(date(2030, 11, 1))))
        for kind in ("app", "group"):
            db.add(WorkChannel(kind=kind, name=f"{kind}-{name}", department_id=dep,
                               levels=["grid"], members=5, created_at=at(day),
                               last_active_at=at(day + timedelta(days=30))))
        db.add_all(OfficeOutput(kind=kind, department_id=dep, reference=name, held_on=at(day),
                                measures={}, over=[]) for kind in ("document", "meeting"))
        db.add(BurdenComplaint(channel="web", department_id=dep, summary="…", status="received",
                               received_at=at(day)))
    db.add(InspectionPlan(department_id=dep, year=year, inspections=count + 2, detail="",
                          status="approved"))
    db.add(IndicatorVersion(department_id=dep, year=year,
                            indicators=[f"指标{k}" for k in range(count + 1)]))


def expected(db: Session, period: Period) -> Counter[tuple[str, str]]:
    """{(department code or ALL, measure): count}, counted row by row in Python."""
    start, end = period.bounds()
    code_of = dict(db.execute(select(Department.id, Department.code)).all())
    found: Counter[tuple[str, str]] = Counter()

    def put(department_id: int | None, measure: str, n: int = 1) -> None:
        found[(ALL, measure)] += n
        if department_id is not None:
            found[(code_of[department_id], measure)] += n

    events = db.scalars(select(BurdenEvent)).all()
    retired = {e.detail["form"]: e.at for e in events if e.kind == "form_retired"}
    for measure, kind in LEDGER.items():
        for e in events:
            if (e.kind == kind or (measure == "flags_raised" and e.kind == "flag_not_admitted")) \
                    and start <= e.at < end:
                put(e.department_id, measure)
    for f in db.scalars(select(BurdenForm)):
        if f.created_at < end and not (f.id in retired and retired[f.id] < start):
            put(f.department_id, "forms")
            put(f.department_id, "fields", len(f.fields))
    for c in db.scalars(select(WorkChannel)):
        if c.created_at < end and c.last_active_at >= start:
            put(c.department_id, f"{c.kind}s")
    for p in db.scalars(select(InspectionPlan)):
        if p.status == "approved" and period.first.year <= p.year <= period.last.year:
            put(p.department_id, "inspections", p.inspections)
    for v in db.scalars(select(IndicatorVersion)):
        if v.year == period.last.year:
            put(v.department_id, "indicators", len(v.indicators))
    for o in db.scalars(select(OfficeOutput)):
        if start <= o.held_on < end:
            put(o.department_id, f"{o.kind}s")
    for complaint in db.scalars(select(BurdenComplaint)):
        if start <= complaint.received_at < end:
            put(complaint.department_id, "complaints")
    assert {m for _, m in found} <= set(MEASURES)
    return found
