"""OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogc."""

from onegrid.api.ogc import core, items

BLUEPRINTS = (core.bp, items.bp)
