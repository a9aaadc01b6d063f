"""The batch writer against the real store: one subject once, provenance, versions, offsets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.ingest.decode import Report
from onegrid.ingest.writer import Delivery
from tests.ingest.conftest import (
    LUCHENG_POINT,
    accepted,
    batch_writer,
    contribution,
    encode,
    envelope,
)


def _record(db: Session, dataset: str, key: str):
    """The record, its provenance spelled out: {attribute: who said its current value}."""
    return db.execute(text(
        "SELECT r.attributes, r.version, r.reports, a.code AS grid, "
        "(SELECT jsonb_object_agg(k, r.sources -> coalesce(r.provenance ->> k, '1')) "
        " FROM jsonb_object_keys(r.attributes) k) AS provenance "
        "FROM record r LEFT JOIN area a ON a.id = r.grid_id "
        "WHERE r.dataset_id = :d AND r.subject_key = :k"), {"d": dataset, "k": key}).one()


def test_a_new_subject_becomes_one_record_in_its_grid(write, db: Session) -> None:
    outcome = write(envelope(phone="0577-88001234"))
    assert outcome.counts[("market.business", "SCJG")] == {"received": 1, "new": 1, "versions": 1}
    record = _record(db, "market.business", "91330302MA2AXXXXX8")
    assert record.version == 1 and record.grid.startswith("330302")
    assert record.provenance["phone"]["department"] == "SCJG"


def test_the_same_subject_from_two_departments_is_one_record_with_provenance(write, db) -> None:
    write(envelope(name="鹿城示例商贸", phone="0577-88001234"))
    outcome = write(contribution(department="SWJ", record_id="swj-9", phone="0577-88009999",
                                 occurred_at="2026-11-21T09:00:00+08:00"))
    assert outcome.counts[("market.business", "SWJ")] == {"received": 1, "merged": 1,
                                                          "versions": 1}
    record = _record(db, "market.business", "91330302MA2AXXXXX8")
    assert record.version == 2 and record.reports == 2
    assert record.attributes["phone"] == "0577-88009999"
    assert record.provenance["phone"]["department"] == "SWJ"
    assert record.provenance["name"]["department"] == "SCJG"
    assert db.scalar(text("SELECT count(*) FROM record WHERE dataset_id = 'market.business' "
                          "AND subject_key = '91330302MA2AXXXXX8'")) == 1


def test_an_identical_re_report_adds_no_version(write, db: Session) -> None:
    write(envelope())
    outcome = write(envelope(record_id="r-2"))
    assert outcome.counts[("market.business", "SCJG")] == {"received": 1, "merged": 1}
    assert _record(db, "market.business", "91330302MA2AXXXXX8").version == 1


def _history(db: Session, key: str) -> list[tuple]:
    """(version, attributes set, [lon, lat] set or None, department) of each version row."""
    return [tuple(row) for row in db.execute(text(
        "SELECT v.version, v.changes, ST_AsGeoJSON(v.geom)::jsonb -> 'coordinates', d.code "
        "FROM record_version v JOIN record r ON r.id = v.record_id "
        "JOIN department d ON d.id = v.department_id "
        "WHERE r.subject_key = :k AND r.dataset_id = 'market.business' ORDER BY v.version"),
        {"k": key})]


def test_a_change_of_location_alone_is_a_version_with_provenance(write, db: Session) -> None:
    key, moved = "91330302MA2AXXXXX8", {"type": "Point", "coordinates": [120.6615, 28.0198]}
    write(envelope())
    outcome = write(contribution(department="SWJ", record_id="swj-2", geometry=moved,
                                 occurred_at="2026-11-21T08:00:00+08:00"))
    assert outcome.counts[("market.business", "SWJ")] == {"received": 1, "merged": 1,
                                                          "versions": 1}
    stored = db.execute(text(
        "SELECT version, provenance, sources -> (provenance ->> 'geometry') AS said, "
        "ST_AsGeoJSON(geom)::jsonb -> 'coordinates' AS at, updated_at FROM record "
        "WHERE subject_key = :k AND dataset_id = 'market.business'"), {"k": key}).one()
    assert (stored.version, stored.provenance, stored.at) == (2, {"geometry": 2},
                                                               [120.6615, 28.0198])
    assert (stored.said["department"], stored.said["record_id"]) == ("SWJ", "swj-2")
    assert _history(db, key) == [
        (1, {"name": "温州市鹿城区示例商贸有限公司"}, list(LUCHENG_POINT), "SCJG"),
        (2, {}, [120.6615, 28.0198], "SWJ")]
    # the same coordinates re-sent, or an older report from elsewhere: no version, no move
    first = {"type": "Point", "coordinates": list(LUCHENG_POINT)}
    for record_id, day, where in (("r-3", 22, moved), ("r-4", 19, first)):
        again = write(envelope(record_id=record_id, occurred_at=f"2026-11-{day}T08:00:00+08:00",
                               geometry=where))
        assert again.counts[("market.business", "SCJG")] == {"received": 1, "merged": 1}
    assert len(_history(db, key)) == 2
    assert _record(db, "market.business", key).version == 2


def test_a_point_re_sent_in_gcj_02_is_the_same_location(write, db: Session) -> None:
    """The conversion to CGCS2000 gives the same coordinates each time: no version."""
    gcj = {"type": "Point", "coordinates": [120.6596, 28.0113]}
    write(envelope(crs="GCJ-02", geometry=gcj))
    outcome = write(envelope(record_id="r-2", crs="GCJ-02", geometry=gcj,
                             occurred_at="2026-11-21T08:00:00+08:00"))
    assert outcome.counts[("market.business", "SCJG")] == {"received": 1, "merged": 1}
    assert _record(db, "market.business", "91330302MA2AXXXXX8").version == 1


def test_a_late_report_does_not_overwrite_a_newer_value(write, db: Session) -> None:
    write(envelope(name="新名称有限公司", occurred_at="2026-11-21T08:00:00+08:00"))
    write(envelope(name="旧名称有限公司", occurred_at="2026-11-01T08:00:00+08:00"))
    record = _record(db, "market.business", "91330302MA2AXXXXX8")
    assert record.attributes["name"] == "新名称有限公司"


@pytest.mark.parametrize("ahead, stored", [(timedelta(minutes=4), True),
                                           (timedelta(minutes=6), False)])
def test_a_report_dated_over_5_minutes_after_its_receipt_is_refused(write, ahead,
                                                                   stored) -> None:
    """A producer's clock may run a little fast; more, and the report is a dead letter."""
    when = (datetime.now(UTC) + ahead).astimezone(timezone(timedelta(hours=8))).isoformat()
    outcome = write(envelope(occurred_at=when))
    reasons = [r.reason for _, r in outcome.dead_letters]
    if stored:
        assert reasons == [] and outcome.counts[("market.business", "SCJG")]["new"] == 1
    else:
        [reason] = reasons
        assert reason.startswith(f"occurred_at {when!r} is in the future: the platform "
                                 "received the report at "), reason
        assert reason.endswith("Z, and a clock may run at most 5 minutes fast"), reason


def test_a_report_dated_2099_freezes_no_record(write, db: Session) -> None:
    """Merged, it would be newer than every true report until 2099, and each would lose."""
    write(envelope(name="甲公司", occurred_at="2026-11-20T08:00:00+08:00"))
    outcome = write(envelope(name="伪公司", occurred_at="2099-01-01T00:00:00+08:00"))
    [(_, refusal)] = outcome.dead_letters
    assert refusal.reason.startswith("occurred_at '2099-01-01T00:00:00+08:00' is in the future")
    write(envelope(name="乙公司", occurred_at="2026-11-22T08:00:00+08:00"))
    assert _record(db, "market.business", "91330302MA2AXXXXX8").attributes["name"] == "乙公司"


def test_several_reports_of_one_subject_in_one_batch_merge_in_time_order(write, db) -> None:
    outcome = write(envelope(name="甲公司", occurred_at="2026-11-20T08:00:00+08:00"),
                    envelope(name="乙公司", occurred_at="2026-11-22T08:00:00+08:00"),
                    envelope(name="甲公司", occurred_at="2026-11-20T08:00:00+08:00"))
    assert outcome.counts[("market.business", "SCJG")] == {"received": 3, "new": 1, "merged": 2,
                                                          "versions": 2}
    record = _record(db, "market.business", "91330302MA2AXXXXX8")
    assert (record.attributes["name"], record.version, record.reports) == ("乙公司", 2, 3)


def test_the_same_business_in_tax_data_is_the_same_subject(write, db: Session) -> None:
    write(envelope(), envelope(dataset="tax.taxpayer", department="SWJ", credit_grade="A",
                               name="温州市鹿城区示例商贸有限公司"))
    records = db.execute(text(
        "SELECT r.dataset_id, d.subject_key_kind FROM record r JOIN dataset d "
        "ON d.id = r.dataset_id WHERE r.subject_key = '91330302MA2AXXXXX8' "
        "AND r.dataset_id IN ('market.business', 'tax.taxpayer') ORDER BY 1")).all()
    assert [tuple(r) for r in records] == [("market.business", "credit_code"),
                                           ("tax.taxpayer", "credit_code")]


def test_resident_ids_are_stored_only_hashed_and_masked(write, db: Session) -> None:
    clear = "330302198001011230"
    write(envelope(dataset="population.resident", department="GAJ", subject_key=clear,
                   name="张伟", gender="男"),
          envelope(legal_person="张伟", legal_person_id=clear))
    write(envelope(legal_person="张伟", legal_person_id=clear, employees=3))  # a version row
    dump = " ".join(db.scalar(text(f"SELECT string_agg(t::text, ' ') FROM {table} t"))
                    for table in ("record", "record_version"))
    assert clear not in dump
    assert "330302********1230" in dump


def test_a_point_on_a_shared_grid_edge_belongs_to_the_smallest_code(write, db: Session) -> None:
    lon, lat, codes = db.execute(text("""
        SELECT ST_X(p), ST_Y(p), codes FROM (
            SELECT ST_StartPoint(ST_GeometryN(ST_CollectionExtract(
                       ST_Intersection(a.geom, b.geom), 2), 1)) AS p,
                   ARRAY[a.code, b.code] AS codes
            FROM area a JOIN area b ON a.level = 'grid' AND b.level = 'grid' AND a.code < b.code
             AND ST_Touches(a.geom, b.geom)
            WHERE ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1 LIMIT 1) e""")).one()
    covering = db.scalars(text("SELECT code FROM area WHERE level = 'grid' AND "
                               "ST_Intersects(geom, ST_SetSRID(ST_Point(:x, :y), 4490)) "
                               "ORDER BY code"), {"x": lon, "y": lat}).all()
    assert len(covering) >= 2
    write(envelope(geometry={"type": "Point", "coordinates": [lon, lat]}))
    grid = _record(db, "market.business", "91330302MA2AXXXXX8").grid
    assert grid == covering[0] == min(codes + covering)


def test_every_point_is_placed_by_the_rule_whichever_shortcut_answers(write, db) -> None:
    """Random points of the city and the delicate ones (grid vertices, midpoints of grid
    edges), placed through grid_cell or, near an edge or where a refresh has not yet added
    their square back, the spatial search: each lands where onegrid_grid_of puts it."""
    points = db.execute(text("""
        WITH vertices AS (
            SELECT code, (ST_DumpPoints(geom)).* FROM area WHERE level = 'grid'
            ORDER BY code LIMIT 600
        ), random AS (
            SELECT (ST_Dump(ST_GeneratePoints(geom, 400, 7))).geom FROM area
            WHERE level = 'district'
        )
        SELECT ST_X(p), ST_Y(p) FROM (
            SELECT geom FROM vertices UNION ALL SELECT geom FROM random
            UNION ALL
            SELECT ST_LineInterpolatePoint(ST_MakeLine(geom, lead(geom) OVER (
                       PARTITION BY code ORDER BY path)), 0.5)
            FROM vertices) points(p)
        WHERE p IS NOT NULL""")).all()
    db.execute(text(  # squares forgotten until the next refresh (as after an edit of grids)
        "DELETE FROM grid_cell WHERE cell % 4 = 0"))
    rng = random.Random(3)
    write(*(envelope(subject_key=factories.credit_code(rng), record_id=f"p-{n}",
                     geometry={"type": "Point", "coordinates": [lon, lat]})
            for n, (lon, lat) in enumerate(points)))
    placed = db.execute(text("""
        SELECT count(*) AS records,
               count(*) FILTER (WHERE EXISTS (SELECT FROM grid_cell c
                                              WHERE c.cell = onegrid_cell(geom))) AS by_cell,
               count(*) FILTER (WHERE grid_id IS DISTINCT FROM onegrid_grid_of(geom)) AS wrong
        FROM record WHERE dataset_id = 'market.business'""")).one()
    assert placed.records > 1400
    assert placed.by_cell > 200 and placed.records - placed.by_cell > 500  # each way is taken,
    assert placed.wrong == 0  # and never places a point elsewhere


def test_a_known_subject_reported_elsewhere_is_placed_again(write, db: Session) -> None:
    """A re-report at the stored location keeps the record's grid without a spatial lookup;
    one from anywhere else is looked up: another grid, or outside the city."""
    write(envelope())
    first = _record(db, "market.business", "91330302MA2AXXXXX8").grid
    lon, lat, other = db.execute(text(
        "SELECT ST_X(p), ST_Y(p), code FROM (SELECT ST_PointOnSurface(geom) AS p, code FROM area "
        "WHERE level = 'grid' AND code <> :c ORDER BY code LIMIT 1) g"), {"c": first}).one()
    write(envelope(record_id="r-2", occurred_at="2026-11-21T08:00:00+08:00",
                   geometry={"type": "Point", "coordinates": [lon, lat]}))
    assert _record(db, "market.business", "91330302MA2AXXXXX8").grid == other
    write(envelope(record_id="r-3", occurred_at="2026-11-22T08:00:00+08:00",
                   geometry={"type": "Point", "coordinates": [lon, lat]}))
    assert _record(db, "market.business", "91330302MA2AXXXXX8").reports == 3
    beijing = {"type": "Point", "coordinates": [116.3975, 39.9087]}
    outcome = write(envelope(record_id="r-4", occurred_at="2026-11-23T08:00:00+08:00",
                             geometry=beijing))
    assert [r.reason.split(":")[0] for _, r in outcome.dead_letters] == ["outside the city"]
    assert _record(db, "market.business", "91330302MA2AXXXXX8").grid == other


def test_a_subject_first_reported_outside_the_city_gets_its_record_from_the_next_report(
        write, db: Session) -> None:
    """In one batch: the first report is refused, so the second one (a later merge round)
    makes the record, and the third merges into it."""
    outside = {"type": "Point", "coordinates": [116.3975, 39.9087]}
    outcome = write(envelope(geometry=outside), envelope(record_id="r-2", name="乙公司"),
                    envelope(record_id="r-3", name="丙公司",
                             occurred_at="2026-11-21T08:00:00+08:00"))
    assert [r.reason.split(":")[0] for _, r in outcome.dead_letters] == ["outside the city"]
    assert outcome.counts[("market.business", "SCJG")] == {
        "received": 3, "new": 1, "merged": 1, "versions": 2, "dead_letters": 1}
    record = _record(db, "market.business", "91330302MA2AXXXXX8")
    assert (record.attributes["name"], record.version, record.reports) == ("丙公司", 2, 2)


def test_a_hotline_ticket_becomes_one_issue_in_the_loop(write, db: Session) -> None:
    ticket = envelope(dataset="hotline.ticket", department="RX12345",
                      subject_key="RX2026112300000042", record_id="rx-42", crs="BD-09",
                      geometry={"type": "Point", "coordinates": [120.6615, 28.0198]},
                      category="道路设施", issue_category="C0106",
                      description="鹿城路120号：路灯不亮，夜间出行不便")
    ticket["attributes"].pop("name")
    write(ticket)
    write({**ticket, "record_id": "rx-42-again"})  # the same ticket sent twice
    issues = db.execute(text(
        "SELECT i.category, i.source, d.code FROM issue i LEFT JOIN department d "
        "ON d.id = i.department_id WHERE i.description LIKE '鹿城路120号%'")).all()
    assert issues == [("C0106", "hotline", "CGJ")]


def test_what_records_use_cannot_be_deleted(write, db: Session) -> None:
    """A grid or a dataset (no foreign keys: triggers guard them,
    platform/store/sql/reference_guards.sql)."""
    write(envelope())
    grid = _record(db, "market.business", "91330302MA2AXXXXX8").grid
    for statement, params in (("DELETE FROM area WHERE code = :c", {"c": grid}),
                              ("DELETE FROM dataset WHERE id = 'market.business'", {})):
        with pytest.raises(IntegrityError,
                           match=r"record\.(dataset|grid)_id still refers to a deleted"):
            with db.begin_nested():
                db.execute(text(statement), params)


def test_versions_go_with_their_record_and_keep_their_department(write, db: Session) -> None:
    """record_version has no foreign keys: triggers do their work
    (platform/sharing/sql/record_versions.sql)."""
    write(envelope(phone="0577-88001234"))
    write(contribution(department="SWJ", record_id="swj-9", phone="0577-88009999",
                       occurred_at="2026-11-21T09:00:00+08:00"))
    record = db.scalar(text("SELECT id FROM record WHERE subject_key = '91330302MA2AXXXXX8' "
                            "AND dataset_id = 'market.business'"))
    versions = text("SELECT count(*) FROM record_version WHERE record_id = :r")
    assert db.scalar(versions, {"r": record}) == 2
    department = db.scalar(text("INSERT INTO department (code, name, name_en) "
                                "VALUES ('TEST', '测试', 'Test') "
                                "RETURNING id"))
    db.execute(text("UPDATE record_version SET department_id = :d WHERE record_id = :r"),
               {"d": department, "r": record})
    with pytest.raises(IntegrityError,
                       match=r"record_version\.department_id still refers to a deleted department"):
        with db.begin_nested():
            db.execute(text("DELETE FROM department WHERE id = :d"), {"d": department})
    db.execute(text("DELETE FROM record WHERE id = :r"), {"r": record})
    assert db.scalar(versions, {"r": record}) == 0
    db.execute(text("DELETE FROM department WHERE id = :d"), {"d": department})


def test_messages_already_stored_by_another_worker_are_skipped(db: Session, catalog,
                                                               settings) -> None:
    """After a rebalance a worker may hold messages the partition's previous owner stored."""
    writer = batch_writer(db, "test-skip")
    topic = "onegrid.ingest.market.business"
    rng = random.Random(11)
    keys = [factories.credit_code(rng) for _ in range(4)]

    def batch(offsets: range) -> list[tuple[Delivery, Report]]:
        values = [encode(envelope(subject_key=keys[o], record_id=f"r-{o}")) for o in offsets]
        return [(Delivery(topic, 0, o, None, v), accepted(v, topic, catalog, settings.pii_key))
                for o, v in zip(offsets, values, strict=True)]

    writer.write(batch(range(0, 3)), [])
    outcome = writer.write(batch(range(1, 4)), [])
    assert outcome.counts == {("market.business", "SCJG"): {"received": 1, "new": 1,
                                                            "versions": 1}}
    assert db.scalar(text("SELECT next_offset FROM ingest_offset WHERE consumer_group = "
                          "'test-skip'")) == 4


def test_re_reports_find_their_records_by_key_not_by_reading_the_table(write, db) -> None:
    """A batch of re-reports costs what the batch is large, not what the dataset is: each record
    is found by its key. (At the default random_page_cost the planner hashed the whole record
    table in every batch once it outgrew a few thousand rows: checked, this test then fails.)"""
    lon, lat = LUCHENG_POINT
    point = f"ST_SetSRID(ST_Point({lon}, {lat}), 4490)"
    db.execute(text(
        "INSERT INTO record (dataset_id, subject_key, attributes, provenance, sources, "
        "pii_hashes, geom, grid_id, version, reports, occurred_at) "
        "SELECT 'market.business', 'FILL' || lpad(i::text, 14, '0'), '{\"name\": \"填充\"}', "
        "'{\"name\": 1}', "
        "'{\"1\": {\"department\": \"SCJG\", \"record_id\": \"f\", \"at\": \"2026-11-01\"}}', "
        f"'{{}}', {point}, onegrid_grid_of({point}), 1, 1, now() "
        "FROM generate_series(1, 60000) i"))
    db.execute(text("ANALYZE record"))
    rng = random.Random(5)
    keys = [factories.credit_code(rng) for _ in range(2000)]
    write(*(envelope(subject_key=k, record_id=f"a-{k}") for k in keys))
    scans = text("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'record'")
    before = db.scalar(scans)
    outcome = write(*(envelope(subject_key=k, record_id=f"b-{k}", employees=i,
                               occurred_at="2026-11-21T08:00:00+08:00")
                      for i, k in enumerate(keys)))
    assert outcome.counts[("market.business", "SCJG")] == {"received": 2000, "merged": 2000,
                                                          "versions": 2000}
    assert db.scalar(scans) == before


def test_the_merge_is_planned_again_for_a_larger_batch_not_for_every_batch(db, catalog) -> None:
    """Analysing staging (which plans the merge again) costs a batch of 5,000 ≈ 4 ms: the
    writer does it for a batch more than twice the size the statistics describe, and the merge
    keeps a prepared, generic plan between batches."""
    writer = batch_writer(db, "test-plans")
    analyses = []
    event.listen(db.connection(), "before_cursor_execute",
                 lambda _c, _cur, statement, *_: analyses.append("ANALYZE staging" in statement))
    rng, offsets = random.Random(11), iter(range(100))
    for size in (2, 3, 4, 5, 1, 2, 3):
        batch = [envelope(subject_key=factories.credit_code(rng), record_id=f"r-{n}")
                 for n in range(size)]
        writer.write([(Delivery("onegrid.ingest.market.business", 0, next(offsets), None,
                                encode(m)),
                       accepted(encode(m), "onegrid.ingest.market.business", catalog, "k"))
                      for m in batch], [])
    assert sum(analyses) == 2  # for the first batch (2) and the fourth (5 > 2 × 2)
    plans = db.execute(text("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                            "WHERE statement LIKE '%WITH located AS%'")).one()
    assert plans.generic_plans > 0 and plans.custom_plans == 0
