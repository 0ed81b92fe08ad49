"""Sign-in, one's own profile and API tokens, and the user and team records."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from rapport.access import Actor
from rapport.api.crud import Operations, record_router
from rapport.api.deps import CurrentUser, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND, ErrorBody
from rapport.audit.models import ChangeSource
from rapport.users import service, signin, tokens
from rapport.users.models import ApiToken, User
from rapport.users.schemas import (
    Login,
    ProfileUpdate,
    SignedIn,
    TeamCreate,
    TeamFilters,
    TeamRead,
    TeamSort,
    TeamUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserFilters,
    UserRead,
    UserSort,
    UserUpdate,
)

users_router = record_router(
    "/users",
    "users",
    Operations(
        kind=service.RECORD,
        read=UserRead,
        create_schema=UserCreate,
        update_schema=UserUpdate,
        filters=UserFilters,
        sort=UserSort,
        create=service.create_user,
        update=service.update_user,
        deletable=False,  # people leave: deactivate them, their records keep their names
    ),
)
teams_router = record_router(
    "/teams",
    "teams",
    Operations(
        kind=service.TEAM_RECORD,
        read=TeamRead,
        create_schema=TeamCreate,
        update_schema=TeamUpdate,
        filters=TeamFilters,
        sort=TeamSort,
        create=service.create_team,
        update=service.update_team,
    ),
)

auth_router = APIRouter(tags=["sign-in"])
me_router = APIRouter(prefix="/me", tags=["sign-in"], responses=COMMON_RESPONSES)


@auth_router.post(
    "/auth/login",
    response_model=SignedIn,
    responses={
        401: {"model": ErrorBody, "description": "Wrong email or password."},
        422: {"model": ErrorBody, "description": "A field is missing."},
        429: {"model": ErrorBody, "description": "Too many failed sign-ins; see Retry-After."},
    },
    summary="Sign in with email and password (sets the session cookie)",
)
def login(request: Request, session: SessionDep, data: Login) -> SignedIn:
    """Start a session; refused for a while after too many failed attempts."""
    user = signin.sign_in(
        request=request, session=session, email=data.email, password=data.password
    )
    return SignedIn(user=UserRead.model_validate(user), csrf_token=request.session["csrf"])


@auth_router.post(
    "/auth/logout", status_code=204, response_class=Response, summary="Sign out (this session)"
)
def logout(request: Request, session: SessionDep) -> Response:
    """End the session of this browser, on the server too (a copied cookie stops working)."""
    signin.sign_out(request=request, session=session)
    return Response(status_code=204)


@me_router.get("", response_model=UserRead, summary="Who is signed in")
def me(user: CurrentUser) -> User:
    """The signed-in user."""
    return user


@me_router.patch("", response_model=UserRead, summary="Change one's own profile")
def update_me(
    request: Request, session: SessionDep, user: CurrentUser, data: ProfileUpdate
) -> User:
    """Name, language or password; a new password signs out every other session."""
    actor = Actor.of(user, ChangeSource.API)
    sid = request.session.get("sid")
    keep = sid if isinstance(sid, str) else None
    return service.update_profile(
        session=session, actor=actor, user=user, data=data, keep_session=keep
    )


@me_router.get("/tokens", response_model=list[TokenRead], summary="One's live API tokens")
def list_tokens(session: SessionDep, user: CurrentUser) -> list[ApiToken]:
    """The tokens that still work, newest first."""
    return list(tokens.list_of(session=session, user=user))


@me_router.post(
    "/tokens", status_code=201, response_model=TokenCreated, summary="Make a personal API token"
)
def create_token(session: SessionDep, user: CurrentUser, data: TokenCreate) -> TokenCreated:
    """A new token; its secret is in this answer only."""
    token, secret = tokens.create(session=session, user=user, name=data.name, days=data.days)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), secret=secret)


@me_router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses=NOT_FOUND,
    summary="Revoke a personal API token",
)
def revoke_token(session: SessionDep, user: CurrentUser, token_id: int) -> Response:
    """The token stops working at once."""
    tokens.revoke(session=session, user=user, token_id=token_id)
    return Response(status_code=204)
