"""The shared data API under /api/v1: catalog, records, grants and collection requests."""

from onegrid.api.shared import catalog, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp)
