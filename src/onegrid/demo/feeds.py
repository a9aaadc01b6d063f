"""The demo's departmental feeds: what each department already holds, with deliberate overlaps.

The same businesses reach the platform from market supervision (owner of market.business), tax
and emergency management (contributors to it, and owners of their own datasets); the same
rentals from housing and the police; the same elderly people from civil affairs and the
police's population register. Merged, each is one subject. A few broken records show the
dead letters. Some departments' apps record GCJ-02 or BD-09 coordinates, as real ones do."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prcoords import Coords, wgs_bd, wgs_gcj
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.demo import factories as f

Envelope = dict[str, Any]
DISTRICT = "330302"
SIZES = {"business": 3000, "resident": 5000, "rental": 1500, "elderly": 400, "complaint": 300,
         "sensor": 40, "ticket": 300, "facility": 2000}


class Feeds:
    """Deterministic demo records at real locations inside the district."""

    def __init__(self, session: Session, seed: int = 330302, now: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now or datetime.now(UTC)
        self.points = [tuple(p) for p in session.execute(text(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM area, "
            "ST_Dump(ST_GeneratePoints(geom, 20000, :seed)) p WHERE code = :code"),
            {"seed": seed, "code": DISTRICT})]
        self.serial = 0

    def base(self) -> Iterator[Envelope]:
        """Everything the departments hold today, as one initial load."""
        businesses = [self._business() for _ in range(SIZES["business"])]
        for code, attrs, point in businesses:
            yield self._envelope("market.business", "SCJG", code, attrs, point, crs="GCJ-02")
        for code, attrs, point in self.rng.sample(businesses, int(len(businesses) * 0.7)):
            yield self._envelope("tax.taxpayer", "SWJ", code, {
                "name": attrs["name"],
                "taxpayer_type": self.rng.choice(("一般纳税人", "小规模纳税人")),
                "credit_grade": self.rng.choice("ABBBMC"), "tax_status": "正常"}, point)
        for code, _attrs, point in self.rng.sample(businesses, int(len(businesses) * 0.2)):
            # Tax has a newer phone number for some: a new version, provenance SWJ.
            yield self._envelope("market.business", "SWJ", code, {
                "phone": f.phone(self.rng)}, point, days_ago=2)
        for code, attrs, point in self.rng.sample(businesses, int(len(businesses) * 0.08)):
            yield self._envelope("emergency.hazard_site", "YJGLJ", code, {
                "name": attrs["name"], "hazard_type": self.rng.choice(
                    ("危险化学品", "消防重点单位", "有限空间", "粉尘涉爆", "燃气使用")),
                "risk_level": self.rng.choice(("较大风险", "一般风险", "一般风险", "低风险")),
                "last_inspection": (self.now - timedelta(days=self.rng.randint(5, 200)))
                .date().isoformat()}, point)
            # …and reports what it may of the same business, unchanged: merged, no new version.
            yield self._envelope("market.business", "YJGLJ", code, {
                "address": attrs["address"], "employees": attrs["employees"]}, point,
                days_ago=30)
        yield from self._people()
        yield from self._things_and_events()
        yield from self._broken()

    def trickle(self) -> Iterator[Envelope]:
        """A few new events, as the departments' systems send them all day."""
        for _ in range(self.rng.randint(1, 4)):
            yield self._ticket()
        if self.rng.random() < 0.5:
            yield self._complaint()
        yield self._sensor(self.rng.randint(1, SIZES["sensor"]))

    def _business(self) -> tuple[str, dict[str, Any], tuple[float, float]]:
        name, industry = f.business_name(self.rng)
        attrs = {"name": name, "legal_person": f.person_name(self.rng),
                 "legal_person_id": f.resident_id(self.rng, born=(1955, 1998)),
                 "address": f.address(self.rng), "industry": industry,
                 "registered_capital_wan": self.rng.choice((10, 50, 100, 200, 500, 1000)),
                 "status": self.rng.choice(("存续", "存续", "在业", "吊销")),
                 "phone": f.phone(self.rng), "employees": self.rng.randint(1, 300)}
        return f.credit_code(self.rng), attrs, self._point()

    def _people(self) -> Iterator[Envelope]:
        residents = []
        for _ in range(SIZES["resident"]):
            person = (f.resident_id(self.rng), f.person_name(self.rng), self._point())
            residents.append(person)
            born = int(person[0][6:10])
            yield self._envelope("population.resident", "GAJ", person[0], {
                "name": person[1], "gender": "男" if int(person[0][16]) % 2 else "女",
                "birth_year": born, "address": f.address(self.rng),
                "residence_type": self.rng.choice(("户籍人口", "户籍人口", "流动人口")),
                "phone": f.phone(self.rng)}, person[2])
        elderly = [p for p in residents if int(p[0][6:10]) <= 1962][:SIZES["elderly"]]
        for rid, name, point in elderly:
            yield self._envelope("civil.elderly_alone", "MZJ", rid, {
                "name": name, "age": self.now.year - int(rid[6:10]),
                "care_level": self.rng.choice(("自理", "自理", "半失能", "失能")),
                "contact_phone": f.phone(self.rng)}, point)
        for _ in range(SIZES["rental"]):
            code, point = f.address_code(self.rng), self._point()
            attrs: dict[str, Any] = {  # JSON attributes, as the envelope carries them
                "address": f.address(self.rng), "landlord": f.person_name(self.rng),
                "landlord_id": f.resident_id(self.rng, born=(1950, 1990)),
                "landlord_phone": f.phone(self.rng), "tenants": self.rng.randint(1, 6),
                "area_m2": self.rng.randint(20, 150),
                "fire_safety": self.rng.choice(("合格", "合格", "整改中"))}
            yield self._envelope("housing.rental", "ZJJ", code, attrs, point)
            if self.rng.random() < 0.6:  # the police register the same rental with its tenants
                yield self._envelope("housing.rental", "GAJ", code, {
                    "tenants": attrs["tenants"] + self.rng.choice((0, 0, 1))}, point,
                    days_ago=1)

    def _things_and_events(self) -> Iterator[Envelope]:
        for n in range(1, SIZES["facility"] + 1):
            yield self._envelope("urban.facility", "CGJ", f"CGJ-{DISTRICT}-{n:06d}", {
                "kind": self.rng.choice(("路灯", "路灯", "井盖", "垃圾桶", "消防栓", "公交站亭",
                                         "监控摄像头")),
                "condition": self.rng.choice(("完好", "完好", "完好", "损坏", "维修中"))},
                self._point())
        for n in range(1, SIZES["sensor"] + 1):
            yield self._sensor(n)
        for _ in range(SIZES["complaint"]):
            yield self._complaint()
        for _ in range(SIZES["ticket"]):
            yield self._ticket()

    def _sensor(self, n: int) -> Envelope:
        rng = random.Random(n)  # a sensor stays where it is
        pm25 = round(self.rng.uniform(8, 90), 1)
        return self._envelope("ecology.sensor", "STHJ", f"STHJ-AQ-{n:04d}", {
            "kind": "空气质量", "pm25": pm25, "aqi": int(pm25 * 1.4),
            "reading_at": self.now.isoformat(timespec="seconds")},
            rng.choice(self.points), days_ago=0)

    def _complaint(self) -> Envelope:
        kind = self.rng.choice(("噪声", "油烟", "废气", "污水", "固体废物", "扬尘"))
        return self._envelope("ecology.complaint", "STHJ", self._event_id("HJ"), {
            "type": kind, "description": f"群众反映{f.address(self.rng)}附近{kind}扰民",
            "status": "受理"}, self._point(), days_ago=self.rng.randint(0, 20))

    def _ticket(self) -> Envelope:
        category, code, text_ = self.rng.choice((
            ("市容环境", "E0102", "人行道上垃圾堆积无人清理"),
            ("道路设施", "C0106", "路灯不亮，夜间出行不便"),
            ("道路设施", "C0102", "井盖缺失存在安全隐患"),
            ("噪声扰民", "E0301", "夜间施工噪声扰民"),
            ("占道经营", "E0502", "流动摊贩占道经营"),
            ("违章停车", "E0503", "机动车占用消防通道")))
        return self._envelope("hotline.ticket", "RX12345", self._event_id("RX"), {
            "category": category, "issue_category": code,
            "description": f"{f.address(self.rng)}：{text_}",
            "channel": self.rng.choice(("电话", "电话", "网站", "微信")),
            "caller_phone": f.phone(self.rng), "status": "已受理"},
            self._point(), crs="BD-09", days_ago=self.rng.randint(0, 3))

    def _broken(self) -> Iterator[Envelope]:
        """Records a real feed would contain: each ends as a dead letter with its reason."""
        code, attrs, point = self._business()
        yield self._envelope("market.business", "SCJG", f.corrupt(code), attrs, point)
        yield self._envelope("market.business", "GAJ", code, attrs, point)  # not a contributor
        yield self._envelope("market.business", "SWJ", code, {  # not SWJ's to set
            "legal_person": f.person_name(self.rng)}, point)
        yield self._envelope("market.business", "SCJG", code, attrs, (121.5, 31.2))  # Shanghai
        yield self._envelope("population.resident", "GAJ", f.corrupt(f.resident_id(self.rng)),
                             {"name": f.person_name(self.rng)}, self._point())
        broken_crs = self._envelope("urban.facility", "CGJ", "CGJ-X-1", {"kind": "路灯"},
                                    self._point())
        yield broken_crs | {"crs": "EPSG:3857"}

    def _envelope(self, dataset: str, department: str, key: str, attributes: dict[str, Any],
                  point: tuple[float, float], crs: str = "EPSG:4490",
                  days_ago: int | None = None) -> Envelope:
        self.serial += 1
        days = self.rng.randint(3, 400) if days_ago is None else days_ago
        at = self.now - timedelta(days=days, minutes=self.rng.randint(0, 600))
        lon, lat = point
        if crs in ("GCJ-02", "BD-09"):
            shifted = (wgs_gcj if crs == "GCJ-02" else wgs_bd)(Coords(lat, lon))
            lon, lat = shifted.lon, shifted.lat
        return {"dataset": dataset, "department": department,
                "record_id": f"{department}-{self.serial:07d}", "subject_key": key,
                "occurred_at": at.astimezone().isoformat(timespec="seconds"), "crs": crs,
                "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                "attributes": attributes}

    def _point(self) -> tuple[float, float]:
        return self.rng.choice(self.points)

    def _event_id(self, prefix: str) -> str:
        return f"{prefix}{self.now:%Y%m%d}{self.rng.randint(0, 99999999):08d}"
