"""The benches' tests use ingest's committed dataset (with its topic) as the platform's."""

from tests.ingest.conftest import dataset  # noqa: F401 (a fixture, offered here)
