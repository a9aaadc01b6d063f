"""Personal data stays masked against a caller who tries: guessing a masked resident ID, pulling
where people live with a grant for something else, and looking faster than a person would."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta

import mapbox_vector_tile
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.sharing.identity import is_resident_id
from onegrid.platform.store.models import TraceEntry
from tests.api.conftest import RESIDENT_ID
from tests.ingest.conftest import LUCHENG_POINT

LOOKUP = "/api/v1/subjects/lookup"
RESIDENTS = "/api/v1/datasets/population.resident/records"
PURPOSE = {"X-Purpose": "低保核查"}
MASKED = "330302********1230"


def _guesses() -> list[str]:
    """Every resident ID that the masked form and a granted birth year leave possible: the
    birth days of 1980 whose check character is the masked form's last one (about 33)."""
    days = (date(1980, 1, 1) + timedelta(n) for n in range(366))
    ids = (f"330302{day:%Y%m%d}123{check}" for day in days for check in "0123456789X")
    return [i for i in ids if i.endswith("0") and is_resident_id(i)]


def _pulls_of(db: Session, target: str) -> list[TraceEntry]:
    return list(db.scalars(select(TraceEntry).where(
        TraceEntry.action == "data.pull", TraceEntry.target == target)))


def test_guessing_a_masked_id_with_the_birth_year_granted_recovers_nothing(
        client, db: Session, shared, token, grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender", "birth_year"])
    guesses = _guesses()
    assert RESIDENT_ID in guesses and 25 <= len(guesses) <= 40
    headers = token("MZJ", **PURPOSE)
    answers = {(r.status_code, r.data) for r in
               (client.post(LOOKUP, json={"key": key}, headers=headers) for key in guesses)}
    assert len(answers) == 1 and next(iter(answers))[0] == 404  # the person's ID answers alike
    entries = _pulls_of(db, f"subject:{MASKED}")
    assert len(entries) == len(guesses)  # every miss and refusal is traced, masked
    assert len({e.detail["key_hash"] for e in entries}) == len(guesses)
    assert not any(key in str(e.detail) for e in entries for key in guesses)
    # the owner, and a grant naming the key, find the person by the same request
    assert client.post(LOOKUP, json={"key": RESIDENT_ID}, headers=token("GAJ")).status_code == 200
    grant("MZJ", "GAJ", "population.resident", ["subject_key"])
    found = client.post(LOOKUP, json={"key": RESIDENT_ID}, headers=headers)
    assert found.status_code == 200 and found.json["subject_key"] == MASKED


def test_a_resident_id_in_a_url_is_refused_without_echoing_it(client, shared, token) -> None:
    response = client.get(f"/api/v1/subjects/{RESIDENT_ID}", headers=token("GAJ"))
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "POST it to /api/v1/subjects/lookup" in response.json["detail"]
    assert RESIDENT_ID[6:14] not in response.data.decode()
    credit = client.get("/api/v1/subjects/91330302MA2AXXXXX8", headers=token("SWJ"))
    assert credit.status_code == 200  # keys that are not personal may still go in a URL


def test_the_61st_lookup_in_a_minute_is_429_with_retry_after(client, shared, token) -> None:
    headers = token("MZJ")
    statuses = [client.post(LOOKUP, json={"key": f"ADDR-{n:04d}"}, headers=headers).status_code
                for n in range(60)]
    assert statuses == [404] * 60
    refused = client.post(LOOKUP, json={"key": "ADDR-9999"}, headers=headers)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/subjects/ADDR-9999", headers=headers).status_code == 429
    assert client.post(LOOKUP, json={"key": "ADDR-9999"},
                       headers=token("SWJ")).status_code == 404  # counted per caller


def _tile(z: int = 14) -> str:
    lon, lat = LUCHENG_POINT
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return f"{z}/{int((lon + 180) / 360 * n)}/{int(y)}"


def test_a_grant_for_gender_gives_no_coordinates_anywhere(client, db: Session, shared, token,
                                                          grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender"])
    headers = token("MZJ", **PURPOSE)
    (feature,) = client.get(RESIDENTS, headers=headers).json["features"]
    assert feature["geometry"] is None and feature["properties"]["grid"] is None
    assert feature["properties"]["subject_key"] is None
    (row,) = csv.DictReader(io.StringIO(
        client.get(f"{RESIDENTS}?format=csv", headers=headers).data.decode("utf-8-sig")))
    assert (row["lon"], row["lat"], row["grid"], row["subject_key"]) == ("", "", "", "")
    items = client.get("/ogc/collections/population.resident/items", headers=headers).json
    assert [f["geometry"] for f in items["features"]] == [None]
    item = client.get(f"/ogc/collections/population.resident/items/{feature['id']}",
                      headers=headers).json
    assert item["geometry"] is None
    (change,) = client.get("/api/v1/datasets/population.resident/changes",
                           headers=headers).json["changes"]
    assert change["geometry"] is None and change["grid"] is None
    lon, lat = LUCHENG_POINT
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    for asked in (f"{RESIDENTS}?bbox={box}", f"{RESIDENTS}?grid=330302",
                  f"/ogc/collections/population.resident/items?bbox={box}"):
        assert client.get(asked, headers=headers).status_code == 400, asked
    tile = client.get(f"/tiles/record.population.resident/{_tile()}.mvt", headers=headers)
    assert tile.status_code == 403 and "geometry" in tile.json["detail"]
    assert "record.population.resident" not in client.get("/tiles", headers=headers).json["layers"]


def test_a_grant_naming_geometry_shows_where_but_not_who(client, shared, token, grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender", "geometry"])
    headers = token("MZJ", **PURPOSE)
    (feature,) = client.get(RESIDENTS, headers=headers).json["features"]
    assert feature["geometry"]["coordinates"] == list(LUCHENG_POINT)
    assert feature["properties"]["grid"] and feature["properties"]["subject_key"] is None
    tile = client.get(f"/tiles/record.population.resident/{_tile()}.mvt", headers=headers)
    (layer,) = mapbox_vector_tile.decode(tile.data).values()
    (properties,) = [f["properties"] for f in layer["features"]]
    assert "subject_key" not in properties and properties["grid"]


def test_a_grant_request_names_fields_or_record_parts(client, shared, token) -> None:
    def ask(fields: list[str]) -> int:
        return client.post("/api/v1/grant-requests", headers=token("MZJ"), json={
            "dataset": "population.resident", "purpose": "核查", "fields": fields,
            "expires_at": "2099-01-01T00:00:00+08:00"}).status_code
    assert ask(["geometry"]) == ask(["grid", "subject_key", "gender"]) == 201
    assert ask(["geometry", "wings"]) == 400
