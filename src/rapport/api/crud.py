"""The routes every record type has, made once: list, create, read, update, delete, restore,
the recycle bin and the history.

A domain describes its schemas and service functions in ``Operations``; ``record_router``
turns them into routes with the domain's own types in the OpenAPI schema. Routes only
translate HTTP to service calls: the rules (access, audit, validation) live in services.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' parameter
# types at runtime, and they are set per record type by ``_typed`` below.
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.api import export
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, CONFLICT, NOT_FOUND
from rapport.audit import service as audit_service
from rapport.audit.models import AuditAction, ChangeSource
from rapport.config import get_settings
from rapport.db import utcnow
from rapport.errors import NotFound
from rapport.users.models import Role

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=200, description="Records per page (1–200).")]
Cursor = Annotated[
    str | None, Query(description="`next_cursor` of the previous page; leave out for the first.")
]


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next page (null on the last one)."""

    items: list[T]
    next_cursor: str | None


class AuditRead(BaseModel):
    """One change in a record's history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    action: AuditAction
    field: str | None
    old_value: str | None
    new_value: str | None
    at: datetime
    user_id: int | None
    source: ChangeSource


class HistoryPage(BaseModel):
    """Changes of one record, oldest first; ``next_cursor`` is the last change id seen."""

    items: list[AuditRead]
    next_cursor: int | None


@dataclass(frozen=True)
class Operations:
    """What a record type's routes call; the service functions take keyword arguments.

    ``create(session=, actor=, data=)``, ``update(session=, actor=, record_id=, data=)``;
    ``filters`` is the Pydantic model of the list's query parameters, ``sort`` the type
    of the ``sort`` parameter (a Literal of the sortable fields).
    """

    kind: records.RecordType[Any]
    read: type[BaseModel]
    create_schema: type[BaseModel] | None
    update_schema: type[BaseModel] | None
    filters: type[BaseModel]
    sort: Any
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., None] | None = None
    search: Callable[..., Any] | None = None  # list with a ``q`` text search
    deletable: bool = True


def _typed(function: Callable[..., Any], **types: Any) -> Callable[..., Any]:
    """``function`` with the parameter types that FastAPI should see replaced."""
    signature = inspect.signature(function)
    parameters = [
        p.replace(annotation=types[p.name]) if p.name in types else p
        for p in signature.parameters.values()
    ]
    function.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return function


def _a(entity: str) -> str:
    """``entity`` with its indefinite article, for route summaries ("an order")."""
    words = entity.replace("_", " ")
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _read_any(session: Session, actor: Actor, ops: Operations, record_id: int) -> None:
    """NotFound unless ``actor`` may see the record, live or in the recycle bin."""
    places = [False, True] if ops.kind.soft_delete else [False]
    for deleted in places:
        stmt = records.select_visible(ops.kind, actor, deleted=deleted)
        if session.scalars(stmt.where(ops.kind.key == record_id)).one_or_none() is not None:
            return
    removed = not ops.kind.soft_delete and session.get(ops.kind.model, record_id) is None
    if removed and actor.role is Role.ADMIN:
        return  # the trail of a record removed for good stays readable, by admins only
    raise NotFound(entity=ops.kind.entity, record_id=record_id)


def record_router(prefix: str, tag: str, ops: Operations) -> APIRouter:
    """The routes of one record type under ``prefix`` (``/customers``)."""
    router = APIRouter(prefix=prefix, tags=[tag], responses=COMMON_RESPONSES)
    entity = ops.kind.entity
    page_type = Page[ops.read]  # type: ignore[name-defined]

    def list_records(
        session: SessionDep, actor: ActorDep, filters: Any, sort: Any = "id",
        cursor: Cursor = None, limit: Limit = 50,
    ) -> Any:  # fmt: skip
        lister = ops.search or records.list_page
        page = lister(session=session, actor=actor, kind=ops.kind, filters=filters,
                      sort=sort, cursor=cursor, limit=limit)  # fmt: skip
        return page_type(items=list(page.items), next_cursor=page.next_cursor)

    router.add_api_route(
        "",
        _typed(list_records, filters=Annotated[ops.filters, Query()], sort=ops.sort),
        methods=["GET"],
        response_model=page_type,
        summary=f"List {entity.replace('_', ' ')} records",
        operation_id=f"list_{entity}",
    )

    def export_records(
        request: Request, session: SessionDep, actor: ActorDep, filters: Any, sort: Any = "id",
        file_format: export.FormatQuery = "csv",
    ) -> StreamingResponse:  # fmt: skip
        lister = ops.search or records.list_page
        # The first page is read here, so bad filters answer 422 before streaming starts.
        lister(session=session, actor=actor, kind=ops.kind, filters=filters, sort=sort, limit=1)
        listing = export.Listing(factory=request.app.state.sessionmaker, actor=actor,
                                 read=ops.read, lister=lister, kind=ops.kind,
                                 filters=filters, sort=sort)  # fmt: skip
        name = f"{prefix.strip('/')}-{utcnow():%Y%m%d-%H%M%S}.{file_format}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        media_type = export.MEDIA_TYPES[file_format]
        if file_format == "xlsx":
            file = export.xlsx_file(listing=listing, title=prefix.strip("/"))
            headers["Content-Length"] = str(export.size_of(file))
            return StreamingResponse(export.file_chunks(file), media_type=media_type,
                                     headers=headers)  # fmt: skip
        if file_format == "json":
            chunks = export.json_chunks(listing=listing)
            return StreamingResponse(chunks, media_type=media_type, headers=headers)
        lines = export.csv_lines(listing=listing)
        return StreamingResponse(lines, media_type=media_type, headers=headers)

    router.add_api_route(
        "/export",
        _typed(export_records, filters=Annotated[ops.filters, Query()], sort=ops.sort),
        methods=["GET"],
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "The whole list as `format` says: CSV (UTF-8 with a byte-order "
                "mark), XLSX (one sheet; times in UTC) or JSON (an array of records).",
                "model": list[ops.read],  # type: ignore[name-defined]
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    export.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
        summary=f"Export {entity.replace('_', ' ')} records as CSV, XLSX or JSON",
        operation_id=f"export_{entity}",
    )

    if ops.kind.soft_delete:

        def recycle_bin(
            session: SessionDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
        ) -> Any:
            page = records.list_page(session=session, actor=actor, kind=ops.kind, sort="id",
                                     cursor=cursor, limit=limit, deleted=True)  # fmt: skip
            return page_type(items=list(page.items), next_cursor=page.next_cursor)

        router.add_api_route(
            "/deleted",
            recycle_bin,
            methods=["GET"],
            response_model=page_type,
            summary=f"The {entity} records in the recycle bin",
            operation_id=f"list_deleted_{entity}",
        )

    if ops.create is not None and ops.create_schema is not None:
        create = ops.create

        def create_record(session: SessionDep, actor: ActorDep, data: Any) -> Any:
            return create(session=session, actor=actor, data=data)

        router.add_api_route(
            "",
            _typed(create_record, data=ops.create_schema),
            methods=["POST"],
            status_code=201,
            response_model=ops.read,
            responses={**NOT_FOUND, **CONFLICT},
            summary=f"Create {_a(entity)}",
            operation_id=f"create_{entity}",
        )

    def read_record(session: SessionDep, actor: ActorDep, record_id: int) -> Any:
        return records.get(session=session, actor=actor, kind=ops.kind, record_id=record_id)

    router.add_api_route(
        "/{record_id}",
        read_record,
        methods=["GET"],
        response_model=ops.read,
        responses=NOT_FOUND,
        summary=f"Read {_a(entity)}",
        operation_id=f"read_{entity}",
    )

    if ops.update is not None and ops.update_schema is not None:
        update = ops.update

        def update_record(session: SessionDep, actor: ActorDep, record_id: int, data: Any) -> Any:
            return update(session=session, actor=actor, record_id=record_id, data=data)

        router.add_api_route(
            "/{record_id}",
            _typed(update_record, data=ops.update_schema),
            methods=["PATCH"],
            response_model=ops.read,
            responses={**NOT_FOUND, **CONFLICT},
            summary=f"Change {_a(entity)}",
            operation_id=f"update_{entity}",
        )

    if ops.deletable:

        def delete_record(session: SessionDep, actor: ActorDep, record_id: int) -> Response:
            if ops.delete is not None:
                ops.delete(session=session, actor=actor, record_id=record_id)
            else:
                found = records.get_for_change(
                    session=session, actor=actor, kind=ops.kind, record_id=record_id
                )
                records.delete(session=session, actor=actor, kind=ops.kind, record=found)
            return Response(status_code=204)

        router.add_api_route(
            "/{record_id}",
            delete_record,
            methods=["DELETE"],
            status_code=204,
            response_class=Response,
            responses={**NOT_FOUND, **CONFLICT},
            summary=f"Delete {_a(entity)}"
            + (" (to the recycle bin)" if ops.kind.soft_delete else " for good"),
            operation_id=f"delete_{entity}",
        )

    if ops.kind.soft_delete:

        def restore_record(session: SessionDep, actor: ActorDep, record_id: int) -> Any:
            found = records.get_for_change(
                session=session, actor=actor, kind=ops.kind, record_id=record_id, deleted=True
            )
            days = get_settings().recycle_bin_days
            return records.restore(
                session=session, actor=actor, kind=ops.kind, record=found, keep_days=days
            )

        router.add_api_route(
            "/{record_id}/restore",
            restore_record,
            methods=["POST"],
            response_model=ops.read,
            responses={**NOT_FOUND, **CONFLICT},
            summary=f"Bring {_a(entity)} back from the recycle bin",
            operation_id=f"restore_{entity}",
        )

    def history(
        session: SessionDep, actor: ActorDep, record_id: int,
        cursor: Annotated[int | None, Query(ge=0, description="Last change id seen.")] = None,
        limit: Limit = 50,
    ) -> HistoryPage:  # fmt: skip
        _read_any(session, actor, ops, record_id)
        rows = audit_service.history(session=session, entity=entity, entity_id=record_id,
                                     after_id=cursor, limit=limit + 1)  # fmt: skip
        items = [AuditRead.model_validate(row) for row in rows[:limit]]
        more = len(rows) > limit
        return HistoryPage(items=items, next_cursor=items[-1].id if more else None)

    router.add_api_route(
        "/{record_id}/history",
        history,
        methods=["GET"],
        response_model=HistoryPage,
        responses=NOT_FOUND,
        summary=f"The change history of a {entity}",
        operation_id=f"history_{entity}",
    )
    return router
