"""Building the app warns about nothing of ours: what Litestar 2 only warns about
(inferred dependencies, path and query parameters, unmarked bodies), Litestar 3 refuses."""

from __future__ import annotations

import warnings
from pathlib import Path

from app.main import create_app
from tests.conftest import make_settings

# SQLAlchemy 2.1 deprecates a decorator advanced-alchemy still puts on its own mixins.
NOT_OURS = "declarative_mixin"


def test_creating_the_app_emits_no_warning(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}", tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # also those already shown once in this process
        create_app(settings)
    emitted = [str(w.message) for w in caught if NOT_OURS not in str(w.message)]
    assert emitted == []
