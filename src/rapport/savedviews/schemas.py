"""The shape of a new saved view."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class SavedViewCreate(BaseModel):
    """A list's query string to keep under a name (shared: every user sees it)."""

    model_config = ConfigDict(extra="forbid")

    page: Literal["customers"] = "customers"
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    query: str = Field(default="", max_length=4000)
    shared: bool = False
