"""The shapes of users, teams, sign-in and API tokens in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from rapport.normalize import Email
from rapport.users.models import Role

Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
Locale = Literal["en", "zh_CN"]
UserSort = Literal["id", "-id", "name", "-name", "email", "-email"]
TeamSort = Literal["id", "-id", "name", "-name"]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class UserCreate(BaseModel):
    """A new user (admins only)."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: PersonName
    role: Role = Role.REP
    team_id: int | None = None
    locale: Locale = "en"
    password: Password


class UserUpdate(BaseModel):
    """Changes to a user (admins only); deactivating ends their sessions and tokens."""

    model_config = ConfigDict(extra="forbid")

    email: Email | SkipJsonSchema[None] = Field(default=None)
    name: PersonName | SkipJsonSchema[None] = Field(default=None)
    role: Role | SkipJsonSchema[None] = Field(default=None)
    team_id: int | None = None
    locale: Locale | SkipJsonSchema[None] = Field(default=None)
    is_active: bool | SkipJsonSchema[None] = Field(default=None)
    password: Password | SkipJsonSchema[None] = Field(default=None)


class ProfileUpdate(BaseModel):
    """Changes to one's own profile; a new password needs the current one."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | SkipJsonSchema[None] = Field(default=None)
    locale: Locale | SkipJsonSchema[None] = Field(default=None)
    password: Password | SkipJsonSchema[None] = Field(default=None)
    current_password: str | None = Field(default=None, max_length=200)


class UserRead(BaseModel):
    """A user as colleagues see them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    team_id: int | None
    locale: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserFilters(BaseModel):
    """What the user list can be filtered by."""

    role: Role | None = None
    team_id: int | None = None
    is_active: bool | None = None


class TeamCreate(BaseModel):
    """A new team."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class TeamUpdate(BaseModel):
    """A team's new name."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | SkipJsonSchema[None] = Field(default=None)


class TeamRead(BaseModel):
    """A team."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime


class TeamFilters(BaseModel):
    """Teams have no filters."""


class Login(BaseModel):
    """Email and password to sign in with."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SignedIn(BaseModel):
    """Who signed in, and the token that signed-in changes must send as X-CSRF-Token."""

    user: UserRead
    csrf_token: str


class TokenCreate(BaseModel):
    """A new personal API token."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    days: int | None = Field(
        default=None, ge=1, le=3650, description="Valid for; null: until revoked."
    )


class TokenRead(BaseModel):
    """A personal API token, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenRead):
    """A new token with its secret, shown this once."""

    secret: str = Field(description="Send as 'Authorization: Bearer <secret>'. Shown only now.")
