"""The audit log: every field change, when, by whom and from where."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, BigId, str_enum, utcnow


class AuditAction(StrEnum):
    """What happened to the record."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    MERGE = "merge"
    ERASE = "erase"


class ChangeSource(StrEnum):
    """Through which door the change came."""

    UI = "ui"
    API = "api"
    IMPORT = "import"
    AUTOMATION = "automation"
    SYSTEM = "system"


class AuditEntry(Base):
    """One changed field of one record (or the record as a whole when field is empty)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id_at", "entity", "entity_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction))
    field: Mapped[str | None] = mapped_column(String(80))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[ChangeSource] = mapped_column(str_enum(ChangeSource))
    request_id: Mapped[str | None] = mapped_column(String(64))
