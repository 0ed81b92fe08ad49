"""The shapes of custom field definitions in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from rapport.customfields.models import FieldType
from rapport.schemas import Label

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,59}$"),
    Field(description="Lower-case letters, digits and _, starting with a letter."),
]
Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
CustomFieldSort = Literal["id", "-id", "position", "-position"]
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


class CustomFieldCreate(BaseModel):
    """A new typed field on customers or deals (admins only)."""

    model_config = ConfigDict(extra="forbid")

    entity: Literal["customer", "deal"]
    key: Key
    label: Label = Field(min_length=1)
    label_zh: Label | None = None
    field_type: FieldType
    choices: list[Choice] = Field(default=[], max_length=200)
    is_required: bool = False
    position: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _choices_fit_the_type(self) -> CustomFieldCreate:
        if self.field_type in CHOICE_TYPES and not self.choices:
            raise ValueError("a choice field needs its choices")
        if self.field_type not in CHOICE_TYPES and self.choices:
            raise ValueError("only choice fields have choices")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices must differ from each other")
        return self


class CustomFieldUpdate(BaseModel):
    """Changes to a field; its key, entity and type stay, so stored values keep their meaning."""

    model_config = ConfigDict(extra="forbid")

    label: Label | SkipJsonSchema[None] = Field(default=None, min_length=1)
    label_zh: Label | None = None
    choices: list[Choice] | SkipJsonSchema[None] = Field(default=None, max_length=200)
    is_required: bool | SkipJsonSchema[None] = Field(default=None)
    position: int | SkipJsonSchema[None] = Field(default=None, ge=0)


class CustomFieldRead(BaseModel):
    """A custom field definition."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    key: str
    label: str
    label_zh: str | None
    field_type: FieldType
    choices: list[str]
    is_required: bool
    position: int
    created_at: datetime


class CustomFieldFilters(BaseModel):
    """Fields of one record type."""

    entity: Literal["customer", "deal"] | None = None
