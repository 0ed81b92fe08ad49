"""Settings, read from the environment (prefix ``RAPPORT_``) and from a ``.env`` file.

Every field here is documented in ``docs/configuration.md``; a test fails when one is not.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rapport.customers.lifecycle import LifecycleThresholds

Locale = Literal["en", "zh_CN"]


class Settings(BaseSettings):
    """Rapport's settings; each one can be set as ``RAPPORT_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="RAPPORT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///./rapport.db",
        description="SQLAlchemy URL of the CRM database (SQLite file or PostgreSQL).",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    secret_key: SecretStr = Field(
        default=SecretStr("change-me-in-production"),
        description="Key that signs session cookies; set a long random value in production.",
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set behind TLS)."
    )
    session_days: int = Field(default=14, ge=1, description="Days a sign-in session lasts.")
    login_attempts: int = Field(
        default=5, ge=1, description="Failed sign-ins allowed per account and address per window."
    )
    login_window_minutes: int = Field(
        default=15, ge=1, description="The window of `login_attempts`, in minutes."
    )
    api_rate_limit: str = Field(
        default="600/minute",
        description="Requests allowed per API token or session (`N/second|minute|hour|day`).",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for rate-limit counters shared between processes."
    )
    default_locale: Locale = Field(
        default="en", description="Language used when neither the user nor the browser says."
    )
    default_region: str = Field(
        default="CN",
        min_length=2,
        max_length=2,
        description="ISO 3166 region assumed for phone numbers written without +country.",
    )
    default_currency: str = Field(
        default="CNY", min_length=3, max_length=3, description="ISO 4217 currency of new records."
    )
    import_dir: Path = Field(
        default=Path("./imports"),
        description="Folder where uploaded import files are kept while their jobs run.",
    )
    recycle_bin_days: int = Field(
        default=30, ge=1, description="Days a deleted record can be restored before it is purged."
    )
    host: str = Field(default="127.0.0.1", description="Address `rapport serve` listens on.")
    port: int = Field(default=8000, description="Port `rapport serve` listens on.")
    churn_inactive_days: int = Field(
        default=180, description="A customer with no purchase for this many days has churned."
    )
    analytics_cache_seconds: float = Field(
        default=300,
        ge=0,
        description="Seconds the analytics pages keep a snapshot of the data before reading again.",
    )
    analytics_warm_up: bool = Field(
        default=True,
        description="Compute the dashboard and the analytics pages when the server starts.",
    )
    analytics_store: Path | None = Field(
        default=Path("./analytics-cache"),
        description="Folder where the analytics pages keep their figures across restarts, so "
        "a restarted server answers at once (empty: not kept).",
    )
    time_zone: str = Field(
        default="UTC",
        description="The clock the analyses count days, weeks and months by (an IANA name).",
    )
    churn_contract_field: str | None = Field(
        default=None,
        description="Key of a customer date field holding the contract end; when set, churn "
        "is the contract ending rather than days without a purchase.",
    )
    at_risk_inactive_days: int = Field(
        default=90, description="A customer with no purchase for this many days is at risk."
    )
    loyal_min_orders: int = Field(
        default=5, description="Paid orders that make a repeat buyer a loyal customer."
    )
    score_keep_runs: int = Field(
        default=3, ge=1, description="Scoring runs (and their customer scores) kept by `score`."
    )
    clv_horizon_days: int = Field(
        default=365, ge=1, description="Days ahead the customer lifetime value counts."
    )
    clv_discount_rate: float = Field(
        default=0.10, ge=0, lt=1, description="Yearly discount rate of the lifetime value."
    )
    churn_horizon_days: int = Field(
        default=90, ge=1, description="Days ahead the churn risk looks."
    )
    demo_batch_size: int = Field(
        default=5000, description="Customers generated and written per transaction by `demo`."
    )
    static_dir: Path | None = Field(
        default=None, description="Serve static files from this folder instead of the package's."
    )

    @field_validator("analytics_store", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone such as Asia/Shanghai") from None
        return value

    def lifecycle_thresholds(self) -> LifecycleThresholds:
        """The lifecycle thresholds these settings define."""
        return LifecycleThresholds(
            at_risk_days=self.at_risk_inactive_days,
            churned_days=self.churn_inactive_days,
            loyal_orders=self.loyal_min_orders,
        )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
