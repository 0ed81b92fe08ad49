"""One JSON shape for every error the API answers, documented in the OpenAPI schema.

``{"error": {"status": 422, "code": "validation_error", "message": "…",
"fields": [{"path": "body.email", "message": "…"}]}}`` — ``fields`` only for 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from rapport.errors import ServiceError, TooManyRequests


class FieldError(BaseModel):
    """What is wrong with one field of the request."""

    path: str
    message: str


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 415: "unsupported_media_type",
          422: "validation_error", 429: "rate_limited"}  # fmt: skip

# The error responses routes document: every route may answer these.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid session or API token."},
    403: {"model": ErrorBody, "description": "Not allowed for this user."},
    422: {"model": ErrorBody, "description": "A field is missing or wrong; `fields` says which."},
    429: {"model": ErrorBody, "description": "Rate limit reached; see `Retry-After`."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such record, or not visible to this user."}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The change clashes with stored data."}
}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error response in the one shape."""
    detail = ErrorDetail(
        status=status,
        code=code or _CODES.get(status, "error"),
        message=message,
        fields=fields or [],
    )
    return JSONResponse(
        ErrorBody(error=detail).model_dump(mode="json"), status_code=status, headers=headers
    )


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [FieldError(path=_path(e["loc"]), message=_message(e)) for e in exc.errors()]
    summary = "; ".join(f"{f.path}: {f.message}" for f in fields[:3])
    return error_response(422, f"the request is not valid: {summary}", fields=fields)


async def service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    fields = [
        FieldError(path=_path(p.path), message=p.message) for p in getattr(exc, "problems", ())
    ]
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return error_response(exc.status, exc.message, code=exc.code, fields=fields, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)  # the docs keep FastAPI's answer
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, str(exc.detail), headers=headers)


async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    # A number beyond what the database stores (an id over 2^63, say) gets here.
    return error_response(422, "a value is out of range or not allowed by the database")


def install(app: FastAPI) -> None:
    """Make ``app`` answer every error in the one shape."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
