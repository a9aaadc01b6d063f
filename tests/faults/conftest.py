"""The fault suite: `make faults` runs all of it; `make test` its short cases (those not marked
`long`). Ingest's fixtures serve it too: datasets and topic prefixes of a test's own."""

from tests.ingest.conftest import dataset, own_prefix  # noqa: F401  (fixtures)
