"""The shared data API under /api/v1: catalog, records, grants and collection requests, the
forms inventory, admission review and the lists."""

from onegrid.api.shared import admission, catalog, inventory, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp, inventory.bp, admission.bp)
