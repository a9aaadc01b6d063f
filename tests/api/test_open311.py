"""Open311 GeoReport v2: a POST then GETs through a standard client (georeport), both formats."""

from __future__ import annotations

import requests
import xmltodict
from georeport import GeoReport
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.platform.sharing.tokens import create_token
from onegrid.platform.store.models import TraceEntry
from tests.liveserver import live_servers, live_url  # noqa: F401  (fixtures)
from tests.places import spot


def _token(engine) -> str:
    with Session(engine) as session:
        _, clear = create_token(session, "RX12345", label="open311 test", scope="open311")
        session.commit()
    return clear


def test_post_then_get_round_trips_through_a_standard_client(live_url, engine) -> None:  # noqa: F811
    with Session(engine) as session:
        here = spot(session, 40)
    posted = requests.post(f"{live_url}/open311/v2/requests.json", data={
        "api_key": _token(engine), "service_code": "E0201", "lat": here.lat, "long": here.lon,
        "description": "电线杆上贴满小广告", "media_url": "https://example.org/p.jpg"}, timeout=10)
    assert posted.status_code == 200
    assert posted.headers["Content-Type"].startswith("application/json")
    request_id = posted.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_url}/open311/v2", output_format=fmt)
        got = client.get_service_request(request_id)
        assert got["service_request_id"] == request_id
        assert got["service_code"] == "E0201" and got["status"] == "open"
        assert abs(float(got["lat"]) - here.lat) < 1e-9
        assert got["agency_responsible"] == "综合行政执法局（城管）"
        listed = client.get_service_requests(service_code="E0201", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        assert request_id in [r["service_request_id"] for r in listed]
        assert "E0201" in [s["service_code"] for s in client.get_service_list()]
        assert client.get_service_definition("E0201")["service_code"] == "E0201"


def test_content_types_are_what_clients_expect(live_url) -> None:  # noqa: F811
    for path, media in (("discovery.json", "application/json"), ("discovery.xml", "text/xml"),
                        ("v2/services.xml", "text/xml"), ("v2/requests.xml", "text/xml")):
        response = requests.get(f"{live_url}/open311/{path}", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(media)
    discovery = xmltodict.parse(requests.get(f"{live_url}/open311/discovery.xml", timeout=10)
                                .content)["discovery"]
    assert discovery["endpoints"]["endpoint"]["url"].endswith("/open311/v2")


def test_a_post_without_a_valid_api_key_is_a_403_in_the_spec_error_format(live_url) -> None:  # noqa: F811
    for fmt in ("json", "xml"):
        response = requests.post(f"{live_url}/open311/v2/requests.{fmt}", timeout=10,
                                 data={"api_key": "nope", "service_code": "E0201", "lat": 28,
                                       "long": 120.6, "description": "x"})
        assert response.status_code == 403
    assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "403"


def test_address_string_alone_locates_the_request_by_area_name(client, db, city) -> None:
    _, clear = create_token(db, "RX12345", scope="open311")
    here = spot(db, 41)
    name = db.execute(text(
        "SELECT name FROM area WHERE code = :c"), {"c": here.grid_code}).scalar_one()
    response = client.post("/open311/v2/requests.json", data={
        "api_key": clear, "service_code": "E0105", "address_string": f"温州市鹿城区{name}门口",
        "description": "路面油污"})
    assert response.status_code == 200, response.get_data(as_text=True)
    request_id = response.get_json()[0]["service_request_id"]
    assert client.get(f"/open311/v2/requests/{request_id}.json").get_json()[0]["status"] == "open"


def test_xml_post_tokens_and_filters(client, db, city) -> None:
    _, clear = create_token(db, "CGJ", scope="open311")
    here = spot(db, 42)
    posted = client.post("/open311/v2/requests.xml", data={
        "api_key": clear, "service_code": "C0302", "lat": here.lat, "long": here.lon,
        "description": "垃圾箱破损"})
    assert posted.status_code == 200 and posted.mimetype == "text/xml"
    created = xmltodict.parse(posted.data)["service_requests"]["request"]
    request_id, token = created["service_request_id"], created["token"]
    by_token = client.get(f"/open311/v2/tokens/{token}.json").get_json()
    assert by_token == [{"service_request_id": request_id, "token": token}]
    listed = client.get(f"/open311/v2/requests.json?service_request_id={request_id},999999")
    assert [r["service_request_id"] for r in listed.get_json()] == [request_id]
    future = client.get("/open311/v2/requests.json?service_code=C0302"
                        "&start_date=2999-01-01T00:00:00Z").get_json()
    assert future == []
    closed = client.get("/open311/v2/requests.json?service_code=C0302&status=closed").get_json()
    assert request_id not in [r["service_request_id"] for r in closed]
    bad = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    one = client.get(f"/open311/v2/requests/{request_id}.xml")
    assert xmltodict.parse(one.data)["service_requests"]["request"]["status"] == "open"
    reporter = db.scalar(select(TraceEntry.actor).where(
        TraceEntry.target == f"issue:{request_id}", TraceEntry.action == "issue.reported"))
    assert reporter == "open311:CGJ"
