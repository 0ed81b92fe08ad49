"""Users of Rapport, their teams and their personal API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, TimestampMixin, str_enum


class Role(StrEnum):
    """What a user may see and do; record-level rules build on it."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    AGENT = "agent"
    ANALYST = "analyst"


class Team(TimestampMixin, Base):
    """A sales or service team; its members with the manager role see its records."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class User(TimestampMixin, Base):
    """A person who signs in to Rapport."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.REP)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(10), default="en")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the account is deactivated or its password changes: older sessions die.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]


class ApiToken(TimestampMixin, Base):
    """A personal API token; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
