"""Settings: every one is documented, and the environment and ``.env`` set them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from rapport.config import Settings, get_settings
from rapport.customers.lifecycle import LifecycleThresholds

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def _env_name(field: str) -> str:
    return f"RAPPORT_{field.upper()}"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ``RAPPORT_`` variable and no ``.env`` from the machine running the tests."""
    for field in Settings.model_fields:
        monkeypatch.delenv(_env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert _env_name(field) in DOC.read_text(encoding="utf-8"), (
        f"{_env_name(field)} is missing from docs/configuration.md"
    )


def test_defaults_need_no_configuration() -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///./rapport.db"
    assert settings.port == 8000
    assert settings.static_dir is None


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", "postgresql+psycopg://u:p@db:5432/crm")
    monkeypatch.setenv("RAPPORT_PORT", "9001")
    monkeypatch.setenv("RAPPORT_DATABASE_ECHO", "true")
    monkeypatch.setenv("RAPPORT_DEFAULT_LOCALE", "zh_CN")
    monkeypatch.setenv("RAPPORT_STATIC_DIR", "/srv/static")

    settings = Settings()

    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/crm"
    assert settings.port == 9001
    assert settings.database_echo is True
    assert settings.default_locale == "zh_CN"
    assert settings.static_dir == Path("/srv/static")


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_PORT", "9002")
    assert get_settings().port == 9002
    monkeypatch.setenv("RAPPORT_PORT", "9003")
    assert get_settings().port == 9002  # cached until cache_clear()
    get_settings.cache_clear()
    assert get_settings().port == 9003


def test_dotenv_in_the_working_directory_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "RAPPORT_DATABASE_URL=sqlite:///./from-dotenv.db\n"
        "RAPPORT_DEFAULT_LOCALE=zh_CN\n"
        "RAPPORT_LOYAL_MIN_ORDERS=7\n"
        "RAPPORT_SOMETHING_UNKNOWN=ignored\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RAPPORT_LOYAL_MIN_ORDERS", "9")  # the environment wins

    settings = Settings()

    assert settings.database_url == "sqlite:///./from-dotenv.db"
    assert settings.default_locale == "zh_CN"
    assert settings.loyal_min_orders == 9


def test_a_value_of_the_wrong_kind_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_DEFAULT_LOCALE", "fr")
    with pytest.raises(ValidationError, match="default_locale"):
        Settings()


def test_lifecycle_thresholds_carry_the_three_settings() -> None:
    settings = Settings(at_risk_inactive_days=45, churn_inactive_days=120, loyal_min_orders=3)
    assert settings.lifecycle_thresholds() == LifecycleThresholds(
        at_risk_days=45, churned_days=120, loyal_orders=3
    )


def test_lifecycle_defaults_agree_with_the_thresholds_defaults() -> None:
    assert Settings().lifecycle_thresholds() == LifecycleThresholds()


def test_an_empty_analytics_store_keeps_nothing() -> None:
    assert Settings(analytics_store="").analytics_store is None
    assert Settings(analytics_store="kept").analytics_store == Path("kept")
