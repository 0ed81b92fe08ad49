"""Queries and rules about users."""

from __future__ import annotations

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.db import utcnow
from rapport.errors import Conflict, Invalid
from rapport.i18n import N_
from rapport.users import sessions, tokens
from rapport.users.models import Role, Team, User
from rapport.users.schemas import ProfileUpdate, TeamCreate, TeamUpdate, UserCreate, UserUpdate

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
LOCALES = ("en", "zh_CN")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message names the field."""


def get_by_email(*, session: Session, email: str) -> User | None:
    """The user with this email (compared case-insensitively), if any."""
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return session.scalars(stmt).one_or_none()


def create(
    *, session: Session, email: str, name: str, role: Role, locale: str, password: str
) -> User:
    """A new, active user with an argon2 hash of ``password``."""
    try:
        normalised = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise UserError(f"email: {error}") from None
    if not name.strip():
        raise UserError("name: must not be empty")
    if locale not in LOCALES:
        raise UserError(f"locale: must be one of {', '.join(LOCALES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if get_by_email(session=session, email=normalised) is not None:
        raise UserError(f"email: a user with {normalised} already exists")
    user = User(
        email=normalised,
        name=name.strip(),
        role=role,
        locale=locale,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    """An argon2 hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's password."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except Exception:
        return False


# -- through the API --------------------------------------------------------------------

RECORD = records.RecordType(
    entity="user",
    model=User,
    rule=Rule(),
    filters={
        "role": lambda v: User.role == v,
        "team_id": lambda v: User.team_id == v,
        "is_active": lambda v: User.is_active == v,
    },
    sorts={"name": User.name, "email": User.email},
    soft_delete=False,
    hidden=frozenset({"password_hash"}),
)
TEAM_RECORD = records.RecordType(
    entity="team", model=Team, rule=Rule(), sorts={"name": Team.name}, soft_delete=False
)


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise Invalid.field(
            ("body", "team_id"), N_("no %(entity)s %(id)s"), entity="team", id=team_id
        )


def _check_email_free(session: Session, email: str, user_id: int | None) -> None:
    other = get_by_email(session=session, email=email)
    if other is not None and other.id != user_id:
        raise Conflict(N_("a user with %(email)s already exists"), email=email)


def create_user(*, session: Session, actor: Actor, data: UserCreate) -> User:
    """A new active user (admins only), with an argon2 hash of the password."""
    _check_team(session, data.team_id)
    _check_email_free(session, data.email, None)
    values = data.model_dump(exclude={"password"})
    values["password_hash"] = hash_password(data.password)
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def _end_sessions(session: Session, user: User) -> None:
    """Make every session and token of ``user`` stop working now."""
    sessions.end_all(session=session, user_id=user.id)
    tokens.revoke_all(session=session, user_id=user.id, at=utcnow())


def update_user(*, session: Session, actor: Actor, record_id: int, data: UserUpdate) -> User:
    """The user with the fields sent changed; deactivation ends their sessions and tokens."""
    user = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("email", "name", "role", "locale", "is_active", "password"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    if "team_id" in values:
        _check_team(session, values["team_id"])
    if "email" in values:
        _check_email_free(session, values["email"], user.id)
    if values.get("is_active") is False and user.id == actor.user_id:
        raise Conflict(N_("you cannot deactivate your own account"))
    if "password" in values:
        values["password_hash"] = hash_password(values.pop("password"))
    if (values.get("is_active") is False and user.is_active) or "password_hash" in values:
        _end_sessions(session, user)
    return records.update(session=session, actor=actor, kind=RECORD, record=user, values=values)


def update_profile(
    *,
    session: Session,
    actor: Actor,
    user: User,
    data: ProfileUpdate,
    keep_session: str | None = None,
) -> User:
    """One's own name, language or password (which needs the current one).

    A new password ends every other sign-in session of the user (``keep_session`` stays).
    """
    values = data.model_dump(exclude_unset=True, exclude={"current_password"})
    for required in ("name", "locale", "password"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    if "password" in values:
        if not verify_password(user, data.current_password or ""):
            raise Invalid.field(("body", "current_password"), N_("is not your current password"))
        values["password_hash"] = hash_password(values.pop("password"))
        sessions.end_all(session=session, user_id=user.id, keep=keep_session)
    return records.update(session=session, actor=actor, kind=RECORD, record=user, values=values)


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (whichever part is wrong)."""
    user = get_by_email(session=session, email=email)
    if user is None:
        _hasher.hash(password)  # as slow as a real check, so timing tells nothing
        return None
    right = verify_password(user, password)  # checked even for inactive users: same timing
    if not right or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def create_team(*, session: Session, actor: Actor, data: TeamCreate) -> Team:
    """A new team with a name no other team has."""
    _check_team_name(session, data.name, None)
    return records.create(session=session, actor=actor, kind=TEAM_RECORD, values=data.model_dump())


def update_team(*, session: Session, actor: Actor, record_id: int, data: TeamUpdate) -> Team:
    """The team, renamed."""
    team = records.get_for_change(
        session=session, actor=actor, kind=TEAM_RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    if "name" in values:
        if not values["name"]:
            raise Invalid.field(("body", "name"), N_("cannot be empty"))
        _check_team_name(session, values["name"], record_id)
    return records.update(
        session=session, actor=actor, kind=TEAM_RECORD, record=team, values=values
    )


def _check_team_name(session: Session, name: str, team_id: int | None) -> None:
    other = session.scalars(select(Team).where(Team.name == name)).first()
    if other is not None and other.id != team_id:
        raise Conflict(N_("team %(id)s is already called %(name)s"), id=other.id, name=name)
