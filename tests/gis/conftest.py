"""The `onegrid` command's fixture, for the boundary import's command-line tests."""

from tests.test_cli import run  # noqa: F401
