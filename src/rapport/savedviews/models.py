"""Saved views: a list's search, filters and sort, kept under a name by a user."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, TimestampMixin


class SavedView(TimestampMixin, Base):
    """A named query string of a list page; its owner's, or shared with everyone."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(String(40))  # "customers"
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)  # the page's query string, without a cursor
    shared: Mapped[bool] = mapped_column(default=False)
