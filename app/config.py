"""Settings: one msgspec Struct read from the environment, with embedded defaults."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import msgspec

from app.domain.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


class ConfigError(RuntimeError):
    pass


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    portal_env: Literal["development", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{VAR / 'portal.db'}"
    redis_url: str | None = None
    # With REDIS_URL: whether this process also runs face-matching jobs (false: only
    # `python -m app.worker` processes do). Without Redis they always run in this process.
    jobs_in_process: bool = True
    jobs_queue: str = "essc-face-checks"  # the SAQ queue's name in Redis
    # Prefix of every Redis key (sessions, limits), so several portals can share one Redis.
    redis_namespace: str = "essc"
    secret_key: str = ""
    upload_dir: str = str(VAR / "uploads")
    state_dir: str = str(VAR)
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "e-SSC affinity services"
    webauthn_origin: str = "http://localhost:8000"
    # argon2id parameters for new password and PIN hashes; "cheapest" only makes tests fast.
    argon2_profile: Literal["rfc9106-low-memory", "cheapest"] = "rfc9106-low-memory"
    # Payments: the merchant id the portal has at its provider, the secret it shares with the
    # sandbox gateway ("" derives one from SECRET_KEY), and the portal's address as the
    # provider's server reaches it ("": the sandbox, part of this application, reaches it
    # in-process, through the same ASGI path an HTTP request takes).
    payment_merchant_id: str = "essc-portal"
    payment_sandbox_secret: str = ""
    payment_site_url: str = ""
    # The sandbox sends each notification this many times more after it was acknowledged.
    payment_sandbox_extra_notifications: int = 1
    # An IP-to-city database (MaxMind's format) for where a scan login is asked from; none
    # by default, and then no city is shown.
    geoip_city_db: str | None = None
    # Whether this application serves the sandbox gateway (/sandbox-pay): unset, in development
    # only. A production portal takes money through a real provider, never through a gateway
    # anyone could "pay" on, so there it is served only when explicitly enabled.
    payment_sandbox: bool | None = None
    policy: Policy = msgspec.field(default_factory=Policy)

    @property
    def portrait_dir(self) -> Path:
        """Where the shipped registry portrait source keeps its photos (app/adapters/portraits)."""
        return Path(self.state_dir) / "portraits"

    @property
    def is_production(self) -> bool:
        return self.portal_env == "production"

    @property
    def serves_sandbox_gateway(self) -> bool:
        if self.payment_sandbox is None:
            return not self.is_production
        return self.payment_sandbox

    @property
    def pays_online(self) -> bool:
        """Whether a payment provider answers: the sandbox gateway served here, or a gateway
        at PAYMENT_SITE_URL. Otherwise the pages say that online payment is unavailable."""
        return self.serves_sandbox_gateway or bool(self.payment_site_url)


def _policy_from_env(env: dict[str, str]) -> Policy:
    overrides: dict[str, Any] = {}
    for field in msgspec.structs.fields(Policy):
        value = env.get(f"POLICY_{field.name.upper()}")
        if value is not None:
            # A table (the premiums by year, say) is given as JSON: [[2027, 420], ...].
            table = value.lstrip().startswith(("[", "{"))
            overrides[field.name] = msgspec.json.decode(value) if table else value
    return msgspec.convert(overrides, Policy, strict=False)


def _development_secret(state_dir: Path) -> str:
    """Generate the key once and keep it, so sessions and encrypted data survive restarts."""
    path = state_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        if field.name != "policy" and field.name.upper() in env:
            raw[field.name] = env[field.name.upper()]
    raw["policy"] = msgspec.to_builtins(_policy_from_env(env))
    settings = msgspec.convert(raw, Settings, strict=False)
    if settings.is_production and settings.argon2_profile == "cheapest":
        raise ConfigError("ARGON2_PROFILE=cheapest is for tests, never production")
    if not settings.secret_key:
        if settings.is_production:
            raise ConfigError("SECRET_KEY must be set in production")
        settings = msgspec.structs.replace(
            settings, secret_key=_development_secret(Path(settings.state_dir))
        )
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
