"""The shared data API under /api/v1: catalog, records, grants and collection requests,
admission review and the lists, the burden-reduction office's registers."""

from onegrid.api.shared import admission, catalog, offices, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp, admission.bp, offices.bp)
