"""Boundaries from a city's own GIS files: read (GDAL), check, report, write (`onegrid import
boundaries`)."""
