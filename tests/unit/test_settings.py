from pathlib import Path

import pytest

from app.config import ConfigError, load_settings


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings({"PORTAL_ENV": "production", "STATE_DIR": str(tmp_path)})


def test_development_generates_the_key_once(tmp_path: Path) -> None:
    first = load_settings({"STATE_DIR": str(tmp_path)})
    second = load_settings({"STATE_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_policy_values_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings({"STATE_DIR": str(tmp_path), "POLICY_PIN_MAX_FAILURES": "3"})
    assert settings.policy.pin_max_failures == 3
    assert settings.policy.max_members_per_holder == 8
    assert settings.policy.max_holders_per_member == 5


def test_defaults_are_embedded(tmp_path: Path) -> None:
    settings = load_settings({"STATE_DIR": str(tmp_path)})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None
    assert settings.portal_env == "development"
