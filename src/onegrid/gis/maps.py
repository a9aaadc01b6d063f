"""The grid worker's map (their grids, issues and shared records) and the workbench's (a
department's work items): folium, with Leaflet loaded from our own static files and base tiles
only when a tile URL is configured."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import folium
from branca.element import Figure, MacroElement
from folium.template import Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.queries import GridRecord, IssuePoint
from onegrid.platform.store.models import Area
from onegrid.platform.workbench.kinds import WorkItem

STATUS_COLOURS = {"reported": "#d9480f", "routed": "#e67700", "dispatched": "#f08c00",
                  "in_progress": "#1971c2", "resolved": "#2f9e44", "verified": "#2b8a3e",
                  "evaluated": "#5c940d", "closed": "#868e96"}
KIND_COLOURS = {"issue": "#1c7ed6", "collection": "#7048e8", "application": "#0c8599",
                "complaint": "#c2255c"}


class HtmlPopup(MacroElement):
    """A popup with HTML we escaped ourselves; folium's own Popup needs jQuery to parse it."""

    _template = Template("""{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.content|tojson }}, {maxWidth: 260});
    {% endmacro %}""")

    def __init__(self, content: str) -> None:
        # MacroElement.__init__ has no annotations, and untyped_calls_exclude misses super() calls
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HtmlPopup"
        self.content = content


@dataclass(frozen=True)
class RenderedMap:
    """The pieces a page template places: <head> tags, the map's <div>, its script, and the
    name of the map's JavaScript variable (for the page's own tap-to-report code)."""

    header: str
    html: str
    script: str
    name: str


def grid_map(session: Session, grid_ids: list[int], issues: list[IssuePoint],
             records: list[GridRecord], *, leaflet_js: str, leaflet_css: str,
             tile_url: str = "") -> RenderedMap:
    """Render the map; ``issues`` and ``records`` carry lon/lat in the store datum."""
    fmap = _blank(leaflet_js, leaflet_css, tile_url)
    bounds = _add_grids(session, fmap, grid_ids)
    for record in records:
        folium.CircleMarker([record["lat"], record["lon"]], radius=4, color="#495057",
                            fill=True, tooltip=escape(record["dataset"])
                            ).add_child(HtmlPopup(_record_html(record))).add_to(fmap)
    for issue in issues:
        colour = STATUS_COLOURS.get(issue["status"], "#000")
        link = f'<a href="/issues/{int(issue["id"])}">#{int(issue["id"])}</a>'
        folium.CircleMarker([issue["lat"], issue["lon"]], radius=8, color=colour, fill=True,
                            fill_opacity=0.8, tooltip=f"#{issue['id']} {escape(issue['category'])}"
                            ).add_child(HtmlPopup(link)).add_to(fmap)
    return _rendered(fmap, bounds)


def work_map(items: Sequence[WorkItem], *, leaflet_js: str, leaflet_css: str,
             tile_url: str = "") -> RenderedMap:
    """A department's work items that have a place (issues at their point, collection tasks in
    their first target area), coloured by kind and status; overdue ones ringed in red."""
    fmap = _blank(leaflet_js, leaflet_css, tile_url)
    points: list[tuple[float, float]] = []
    for item in items:
        if item.lon is None or item.lat is None:
            continue
        points.append((item.lat, item.lon))
        label = f"{escape(item.kind)} #{item.id} {escape(item.category)}"
        link = f'<a href="/issues/{item.id}">#{item.id}</a>' if item.kind == "issue" else label
        folium.CircleMarker([item.lat, item.lon], radius=8, fill=True, fill_opacity=0.8,
                            fill_color=STATUS_COLOURS.get(item.status, KIND_COLOURS[item.kind]),
                            color="#e03131" if item.overdue else KIND_COLOURS[item.kind],
                            weight=4 if item.overdue else 2, tooltip=label
                            ).add_child(HtmlPopup(link)).add_to(fmap)
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return _rendered(fmap, [[min(lats), min(lons)], [max(lats), max(lons)]] if points else [])


def _blank(leaflet_js: str, leaflet_css: str, tile_url: str) -> folium.Map:
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    # Our own copies instead of folium's CDN defaults (jQuery and Bootstrap are not needed).
    fmap.default_js = [("leaflet", leaflet_js)]
    fmap.default_css = [("leaflet_css", leaflet_css)]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="OneGrid base map").add_to(fmap)
    return fmap


def _rendered(fmap: folium.Map, bounds: list[list[float]]) -> RenderedMap:
    if bounds:
        fmap.fit_bounds(bounds)
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium Map always sits in a Figure, made with the Map
    root.render()
    return RenderedMap(root.header.render(), root.html.render(), root.script.render(),
                       fmap.get_name())


def _add_grids(session: Session, fmap: folium.Map, grid_ids: list[int]) -> list[list[float]]:
    rows = session.execute(
        select(Area.code, Area.name, func.ST_AsGeoJSON(Area.geom).label("geojson"))
        .where(Area.id.in_(grid_ids))).all()
    if not rows:
        return []
    extent = session.execute(
        select(func.ST_XMin(func.ST_Extent(Area.geom)), func.ST_YMin(func.ST_Extent(Area.geom)),
               func.ST_XMax(func.ST_Extent(Area.geom)), func.ST_YMax(func.ST_Extent(Area.geom)))
        .where(Area.id.in_(grid_ids))).one()
    features = [{"type": "Feature", "geometry": json.loads(r.geojson),
                 "properties": {"code": r.code, "name": r.name}} for r in rows]
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="grid",
                   style_function=lambda _: {"color": "#1c7ed6", "weight": 2, "fillOpacity": 0.05},
                   tooltip=folium.GeoJsonTooltip(fields=["name", "code"], labels=False)
                   ).add_to(fmap)
    return [[extent[1], extent[0]], [extent[3], extent[2]]]


def _record_html(record: GridRecord) -> str:
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in record["attributes"].items())
    return f"<b>{escape(record['dataset'])}</b><table>{rows}</table>"
