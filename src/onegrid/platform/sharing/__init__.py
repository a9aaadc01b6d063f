"""Sharing: the catalog, grants and grant requests, records, the change feed, the collection
gate and department tokens."""
