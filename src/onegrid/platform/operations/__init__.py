"""Operating the platform: health of the store and broker, ingest metrics."""
