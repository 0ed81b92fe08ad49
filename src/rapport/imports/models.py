"""Import jobs and the rows they could not take."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, BigId, TimestampMixin, str_enum


class ImportStatus(StrEnum):
    """Where an import job is."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ImportJob(TimestampMixin, Base):
    """One file being imported, with how far it got so a killed job can resume."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus), default=ImportStatus.PENDING
    )
    preset: Mapped[str | None] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dry_run: Mapped[bool] = mapped_column(default=False)
    total_rows: Mapped[int | None]
    # Rows up to and including this one are committed; a resumed job starts after it.
    last_committed_row: Mapped[int] = mapped_column(default=0)
    created_rows: Mapped[int] = mapped_column(default=0)
    updated_rows: Mapped[int] = mapped_column(default=0)
    skipped_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class ImportRowError(Base):
    """Why one row (and column) of an import was rejected.

    ``reason`` is in English; ``reason_template`` and ``reason_params``, when kept, are
    the gettext template and params it was made from, for the wizard to say it in the
    reader's language (``rapport.imports.reasons``). Without a template, ``reason`` is
    its own msgid.
    """

    __tablename__ = "import_row_errors"
    __table_args__ = (Index("ix_import_row_errors_job_id_row_number", "job_id", "row_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    column: Mapped[str | None] = mapped_column(String(120))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    reason_template: Mapped[str | None] = mapped_column(Text)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
