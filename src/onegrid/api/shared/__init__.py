"""The shared data API under /api/v1: catalog, records, grants and collection requests, the
forms inventory, admission review and the lists, the burden-reduction office's registers."""

from onegrid.api.shared import admission, catalog, inventory, offices, records, requests

BLUEPRINTS = (catalog.bp, records.bp, requests.bp, inventory.bp, admission.bp, offices.bp)
