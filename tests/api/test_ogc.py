"""OGC API – Features read by a standard client (OWSLib) over HTTP, and the protocol's details."""

from __future__ import annotations

from owslib.ogcapi.features import Features


def test_owslib_reads_collections_and_items_with_bbox(served, shared, token) -> None:
    api = Features(served + "/ogc/", headers=token("ZHZX"))
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    ids = {c["id"] for c in api.collections()["collections"]}
    assert {"market.business", "area.grid", "area.district"} <= ids
    assert "population.resident" not in ids  # conditional, not granted to ZHZX
    inside = api.collection_items("market.business", bbox=[120.6, 28.0, 120.7, 28.1], limit=5)
    assert inside["numberReturned"] == 1
    assert inside["features"][0]["properties"]["subject_key"] == "91330302MA2AXXXXX8"
    outside = api.collection_items("market.business", bbox=[120.3, 28.1, 120.35, 28.2])
    assert outside["features"] == []
    grids = api.collection_items("area.grid", bbox=[120.65, 28.01, 120.66, 28.02], limit=2)
    assert grids["features"][0]["properties"]["level"] == "grid"
    one = api.collection_item("market.business", str(inside["features"][0]["id"]))
    assert one["id"] == inside["features"][0]["id"]


def test_next_links_walk_every_page(client, token, city) -> None:
    headers, seen = token("ZHZX"), []
    url: str | None = "/ogc/collections/area.street/items?limit=4"
    while url:
        page = client.get(url, headers=headers).json
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"].removeprefix("http://localhost") for link in page["links"]
                    if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 15


def test_datetime_filters_on_when_it_happened(client, shared, token) -> None:
    headers = token("ZHZX")
    items = "/ogc/collections/market.business/items"
    assert len(client.get(f"{items}?datetime=2026-11-01T00:00:00Z/..",
                          headers=headers).json["features"]) == 1
    assert client.get(f"{items}?datetime=../2026-01-01T00:00:00Z",
                      headers=headers).json["features"] == []
    small = client.get(f"{items}?datetime=2026-11-20T01:00:00Z", headers=headers).json
    assert small["numberMatched"] == small["numberReturned"] == 0
    exact = client.get(f"{items}?datetime=2026-11-20T08:00:00%2B08:00", headers=headers).json
    assert exact["numberMatched"] == 1  # the instant it happened


def test_an_ungranted_collection_is_403_with_how_to_ask(client, shared, token) -> None:
    response = client.get("/ogc/collections/population.resident/items", headers=token("ZHZX"))
    assert response.status_code == 403 and "grant-requests" in response.json["detail"]
