"""`onegrid import boundaries`, run as a GIS officer would: a report in text or JSON, exit 1 on
errors, nothing written without --apply or with errors."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from tests.data.fengze.make import Unit, write
from tests.gis.boundaries_files import DISTRICT, units


def _fengze_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM area WHERE path LIKE '350500%'")))


def test_without_apply_the_district_is_reported_and_not_written(run, engine: Engine) -> None:
    result = run("import", "boundaries", str(DISTRICT), "--level", "district")
    assert result.exit_code == 0, result.output
    assert "EPSG:4326 → EPSG:4490" in result.output and "#1 350503 丰泽区" not in result.output
    assert "新增 new 1" in result.output and "--apply" in result.output
    as_json = json.loads(run("import", "boundaries", str(DISTRICT), "--level", "district",
                             "--json").output)
    assert as_json["features"] == 1 and as_json["errors"] == 0 and not as_json["applied"]
    assert as_json["changes"]["new"] == 1
    assert _fengze_rows(engine) == 0


def test_apply_refuses_a_file_with_errors_and_exits_1(run, engine: Engine, tmp_path) -> None:
    fengze = units(DISTRICT)[0]
    path = tmp_path / "districts.geojson"
    write(path, [fengze, Unit("350503", "又一个丰泽区", "", fengze.geom.buffer(-0.01)),
                 Unit("35050", "短码区", "", fengze.geom.buffer(-0.02))],
          ("code", "name"), "EPSG:4326", "GeoJSON")
    result = run("import", "boundaries", str(path), "--level", "district", "--apply")
    assert result.exit_code == 1
    for named in ("编码重复 duplicate code: #1 350503 丰泽区; #2 350503 又一个丰泽区",
                  "编码格式错误", "#3 35050 短码区", "与同级重叠", "refused: "):
        assert named in result.output
    assert _fengze_rows(engine) == 0
