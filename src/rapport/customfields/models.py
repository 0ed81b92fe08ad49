"""Admin-defined custom fields on customers and deals."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, TimestampMixin, str_enum


class FieldType(StrEnum):
    """The type a custom field's values are validated against."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"


class CustomFieldDefinition(TimestampMixin, Base):
    """A typed field; its values live in the record's ``custom_fields`` under ``key``."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (UniqueConstraint("entity", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # customer | deal
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    label_zh: Mapped[str | None] = mapped_column(String(120))
    field_type: Mapped[FieldType] = mapped_column(str_enum(FieldType))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
