"""Health checks for load balancers and orchestrators: is the process alive, can it serve."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    """``{"status": "ok"}`` whenever the process answers; the database is not asked."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers",
    responses={503: {"description": "The database cannot be reached."}},
)
def readyz(request: Request) -> JSONResponse:
    """200 ``{"status": "ready"}`` when the database answers ``SELECT 1``, else 503."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # The full error can name hosts and users: it goes to the log, not to the caller.
        logger.warning("readiness check failed: %s", error)
        detail = f"database unreachable ({type(error).__name__})"
        return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
    return JSONResponse({"status": "ready"})
