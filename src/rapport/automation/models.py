"""Automation rules (when → if → then) and each time one ran."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, BigId, SoftDeleteMixin, TimestampMixin, str_enum


class RunStatus(StrEnum):
    """How a rule's run ended."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class AutomationRule(TimestampMixin, SoftDeleteMixin, Base):
    """A trigger, conditions on the record, and actions to take."""

    __tablename__ = "automation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(60), index=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AutomationRun(Base):
    """One execution of a rule on one record."""

    __tablename__ = "automation_runs"
    __table_args__ = (Index("ix_automation_runs_rule_id_started_at", "rule_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rules.id", ondelete="CASCADE"))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus), default=RunStatus.PENDING)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
