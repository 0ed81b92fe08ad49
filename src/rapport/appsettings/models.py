"""Settings changed in the pages: one row per setting, overriding the environment's value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, TimestampMixin


class AppSetting(TimestampMixin, Base):
    """The value an admin gave a setting (its name as in ``Settings``, lower case)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
