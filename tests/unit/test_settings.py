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


def test_production_refuses_the_cheap_test_hashing(tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 40, "STATE_DIR": str(tmp_path)}
    assert load_settings(env).argon2_profile == "rfc9106-low-memory"
    with pytest.raises(ConfigError):
        load_settings({**env, "ARGON2_PROFILE": "cheapest"})


def test_a_hash_made_cheaply_still_verifies_after_the_profile_changes() -> None:
    from app.adapters import hashing

    hashing.configure("cheapest")
    cheap = hashing.hash_secret("258369")
    assert "m=8," in cheap
    hashing.configure("rfc9106-low-memory")
    try:
        assert hashing.verify_secret(cheap, "258369")
        assert not hashing.verify_secret(cheap, "258360")
        assert "m=65536," in hashing.hash_secret("258369")
    finally:
        hashing.configure("cheapest")
