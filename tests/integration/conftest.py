"""Fixtures of the tests that send requests at once (tests/at_once.py)."""

from tests.at_once import (  # noqa: F401
    at_once,
    at_once_on_the_database,
    limited_app,
    overlap,
)
