"""Spatial side of the store: the grid hierarchy, coordinate systems, spatial queries."""
