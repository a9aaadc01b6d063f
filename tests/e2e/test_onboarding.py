"""A city onboards from its own files alone, in a database of its own without `onegrid demo`:
Fengze district of Quanzhou (350503), through the `onegrid` commands a city's staff run. The
district as a zipped Shapefile in EPSG:4326, its streets and communities as a GeoPackage in
EPSG:4549, its grids as GeoJSON (src/onegrid/demo/data/fengze/, tests/data/fengze/make.py);
its departments, users and lists as XLSX. Then a department's signed message goes through the
real broker and ingest worker into her grid, a grid worker signs in (replacing her one-time
password) and sees only her grid, and her reports are routed by the imported responsibility
list, or stay with her office when the matter has no owner (首问负责)."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from confluent_kafka.admin import AdminClient
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, text

from onegrid.api import create_app
from onegrid.cli import main
from onegrid.demo.factories import credit_code
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.store.roles import grant
from onegrid.platform.streams import topic_for
from tests.api.test_grid_pages import _post
from tests.conftest import _admin_engine, _template, environment, role_of
from tests.ingest.conftest import delete_topics, encode, envelope, running, wait_for
from tests.ingest.test_signing import send, signed
from tests.platform.governance.test_lists import write_xlsx

pytestmark = pytest.mark.slow
DEMO = files("onegrid.demo").joinpath("data")
FENGZE = Path(str(DEMO.joinpath("fengze")))
GRID = "350503001001001"  # her grid: the first of the first community of the first street
NEIGHBOUR = "350503001001002"
PASSWORD = "her-own-password-1"
RESPONSIBILITY = [["事项编码", "事项名称", "牵头部门", "配合部门", "层级", "依据"],
                  ["E0105", "道路不洁", "CGJ", "", "街道", "市容环境卫生"],
                  ["E0602", "困难群众求助", "MZJ", "", "社区", "社会救助"],
                  ["C0401", "古树名木", "", "", "", ""]]  # no owner yet


@dataclass(frozen=True)
class City:
    settings: Settings
    engine: Engine
    files: Path


@pytest.fixture(scope="module")
def fengze(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """A database of its own, migrated and granted as the session's is, with nothing in it."""
    admin = _admin_engine(settings.admin_database_url)
    name = f"onegrid_fengze_{uuid.uuid4().hex[:8]}"
    owner = make_url(settings.owner_database_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template(admin, settings)}" '
                          f'OWNER "{owner.username}"'))
    own = replace(settings, owner_database_url=_on(settings.owner_database_url, name),
                  database_url=_on(settings.database_url, name),
                  ingest_database_url=_on(settings.ingest_database_url, name))
    engine = create_engine(own.owner_database_url)
    with engine.begin() as conn:  # the session's web and ingest roles, granted here too
        grant(conn, role_of(own.database_url), role_of(own.ingest_database_url))
    try:
        yield City(own, engine, tmp_path_factory.mktemp("fengze"))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _on(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def onegrid(city: City, *args: str) -> Result:
    env = {**environment(city.settings), "ONEGRID_STATE_DIR": str(city.files / "state")}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"onegrid {' '.join(args)}:\n{result.output}"
    return result


def _rows(name: str) -> list[list[str]]:
    with DEMO.joinpath(name).open(encoding="utf-8") as file:
        return list(csv.reader(file))


def _xlsx(city: City, name: str, rows: list[list[Any]]) -> str:
    return str(write_xlsx(city.files / name, rows[0], rows[1:]))


def _scalar(city: City, sql: str, **params: Any) -> Any:
    with city.engine.connect() as conn:
        return conn.scalar(text(sql), params)


@pytest.fixture(scope="module")
def onboarded(fengze: City) -> City:
    """Fengze from its files, as its staff would load them."""
    for code, name, name_en in _rows("departments.csv")[1:]:
        onegrid(fengze, "department", "add", code, name, "--name-en", name_en)
    for file, *options in (("district.zip", "--level", "district", "--city-name", "泉州市"),
                           ("streets_communities.gpkg", "--layer", "streets", "--level",
                            "street"),
                           ("streets_communities.gpkg", "--layer", "communities", "--level",
                            "community"),
                           ("grids.geojson", "--level", "grid", "--parent-field", "community")):
        onegrid(fengze, "import", "boundaries", str(FENGZE / file), *options, "--apply")
    onegrid(fengze, "office", "set", "command_centre", "350503", "ZHZX")
    for kind, rows in (("categories", _rows("categories.csv")),
                       ("responsibility", RESPONSIBILITY),
                       ("admission", _rows("admission.csv"))):
        onegrid(fengze, "list", "import", kind, _xlsx(fengze, f"{kind}.xlsx", rows),
                "--effective", "2026-01-01")
    people = [["用户名", "姓名", "角色", "部门", "工作区域", "手机"],
              ["fz.huang", "黄秀英", "网格员", "WGZX", GRID, "138 5950 0001"],
              ["fz.cgj", "陈志强", "部门工作人员", "CGJ", "350503", ""],
              ["fz.op", "林海燕", "指挥中心值班员", "ZHZX", "350503", ""]]
    onegrid(fengze, "import", "users", _xlsx(fengze, "users.xlsx", people),
            "--passwords", str(fengze.files / "passwords.csv"))
    return fengze


def test_every_level_comes_from_its_file_in_the_store_s_datum(onboarded: City) -> None:
    counts = dict(_rows_of(onboarded, "SELECT level, count(*) FROM area GROUP BY level"))
    assert counts == {"city": 1, "district": 1, "street": 8, "community": 35, "grid": 131}
    assert _scalar(onboarded, "SELECT count(*) FROM area WHERE ST_SRID(geom) <> 4490") == 0
    assert _scalar(onboarded, "SELECT count(*) FROM grid_cell") > 0  # placement's cache built
    assert _scalar(onboarded, "SELECT count(*) FROM app_user") == 3  # no demo in this store


def _rows_of(city: City, sql: str) -> list[Any]:
    with city.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


@pytest.fixture(scope="module")
def dataset(onboarded: City, kafka_admin: AdminClient) -> Iterator[str]:
    """SCJG's register of businesses, registered by its YAML as a city registers one."""
    spec = yaml.safe_load(DEMO.joinpath("datasets", "market.business.yaml").read_text("utf-8"))
    spec["id"] = f"t{uuid.uuid4().hex[:10]}.business"
    path = onboarded.files / "business.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    onegrid(onboarded, "dataset", "register", str(path))
    yield spec["id"]
    delete_topics(kafka_admin, lambda name: name == topic_for(spec["id"]))


def _inside(city: City, code: str) -> tuple[float, float]:
    with city.engine.connect() as conn:
        lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom)"
                                     " p FROM area WHERE code = :c) s"), {"c": code}).one()
    return lon, lat


def test_a_signed_message_is_ingested_into_her_grid(onboarded: City, dataset: str) -> None:
    kid, secret = onegrid(onboarded, "department", "key", "create", "SCJG").output.split()[-2:]
    business = credit_code(random.Random(350503), "350503")
    value = encode(envelope(dataset=dataset, subject_key=business, record_id="fz-1",
                            geometry={"type": "Point", "coordinates": list(_inside(onboarded,
                                                                                   GRID))},
                            name="泉州市丰泽区示例茶叶有限公司"))
    engine = create_engine(onboarded.settings.ingest_database_url)
    worker = Worker(onboarded.settings, engine, group=f"test-{uuid.uuid4().hex[:8]}",
                    datasets=[dataset])
    try:
        with running(worker):
            send(onboarded.settings, dataset, [(value, signed((kid, secret), value))])
            seen = wait_for(onboarded.engine, dataset, received=1)
    finally:
        engine.dispose()
    assert (seen["new"], seen["dead_letters"]) == (1, 0)
    assert _scalar(onboarded, "SELECT a.code FROM record r JOIN area a ON a.id = r.grid_id "
                              "WHERE r.dataset_id = :d", d=dataset) == GRID


@pytest.fixture(scope="module")
def signed_in(onboarded: City) -> FlaskClient:
    """The grid worker, signed in with her one-time password and then her own."""
    with (onboarded.files / "passwords.csv").open(encoding="utf-8") as file:
        once = {row["username"]: row["one_time_password"] for row in csv.DictReader(file)}
    client = create_app({"SETTINGS": onboarded.settings, "TESTING": True}).test_client()
    first = _post(client, "/login?next=/grid", {"username": "fz.huang",
                                                 "password": once["fz.huang"]})
    assert first.status_code == 302 and first.location.startswith("/password")
    changed = _post(client, "/password?next=/grid", {"current": once["fz.huang"],
                                                     "new": PASSWORD, "repeat": PASSWORD})
    assert changed.status_code == 302 and changed.location == "/grid"
    return client


def test_the_grid_worker_sees_only_her_grid(signed_in: FlaskClient) -> None:
    page = signed_in.get("/grid")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert GRID in shown and NEIGHBOUR not in shown and "350503001002001" not in shown


def _report(client: FlaskClient, city: City, category: str) -> dict[str, Any]:
    lon, lat = _inside(city, GRID)
    made = _post(client, "/grid/issues", {"client_id": str(uuid.uuid4()), "category": category,
                                          "description": "丰泽区上报", "lon": lon, "lat": lat})
    assert made.status_code == 201, made.get_data(as_text=True)
    issue: dict[str, Any] = json.loads(made.get_data(as_text=True))
    return issue


def _routed(city: City, issue_id: int) -> tuple[Any, ...]:
    """The issue's department, whether it awaits an owner, and the level that handles it."""
    with city.engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT d.code, i.awaiting_owner, a.level FROM issue i "
            "JOIN department d ON d.id = i.department_id "
            "LEFT JOIN area a ON a.id = i.handling_area_id WHERE i.id = :i"),
            {"i": issue_id}).one())


def test_her_report_goes_to_the_lead_the_imported_list_names(signed_in: FlaskClient,
                                                             onboarded: City) -> None:
    assert _routed(onboarded, _report(signed_in, onboarded, "E0105")["id"]) == (
        "CGJ", False, "street")
    assert _routed(onboarded, _report(signed_in, onboarded, "E0602")["id"]) == (
        "MZJ", False, "community")


def test_a_matter_without_an_owner_stays_with_her_office(signed_in: FlaskClient,
                                                         onboarded: City) -> None:
    issue = _report(signed_in, onboarded, "C0401")["id"]
    assert _routed(onboarded, issue) == ("WGZX", True, None)
    assert _scalar(onboarded, "SELECT detail ->> 'rule' FROM trace_entry WHERE target = :t AND "
                              "action = 'issue.routed'", t=f"issue:{issue}") == (
        "首问负责: the reporter's office")
