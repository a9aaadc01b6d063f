"""The shared data API under /api/v1: catalog, records, grants and collection requests, and the
forms inventory."""

from onegrid.api.shared import catalog, inventory, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp, inventory.bp)
