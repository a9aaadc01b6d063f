"""The shared data API under /api/v1: catalog, records, grants and collection requests,
admission review and the lists."""

from onegrid.api.shared import admission, catalog, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp, admission.bp)
