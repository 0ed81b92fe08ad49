"""Imports through the API: upload a file, follow its job, download the rows it refused.

The upload answers at once with the job (202); the rows are read in the background,
batch by batch, and ``GET /imports/{id}`` tells how far it got. A job that stopped
(the server was restarted) is taken up again with ``POST /imports/{id}/resume``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.audit.models import ChangeSource
from rapport.errors import Invalid, NotFound
from rapport.imports import service
from rapport.imports.models import ImportJob, ImportStatus
from rapport.users.models import Role

PresetForm = Annotated[
    str | None,
    Form(description="zoho, hubspot, salesforce, fxiaoke or generic; detected when left out."),
]
MappingForm = Annotated[
    str | None,
    Form(description='JSON object, file header → customer field: {"手机号": "mobile"}.'),
]
PolicyForm = Annotated[service.Policy, Form(description="What to do with existing records.")]
Entity = Literal["customer", "order", "deal", "interaction", "ticket", "survey_response", "event"]
EntityForm = Annotated[Entity, Form(description="What the file holds.")]
DryRunForm = Annotated[bool, Form(description="Check everything, write nothing.")]
AtomicForm = Annotated[bool, Form(description="All or nothing: one bad row stops the file.")]

router = APIRouter(prefix="/imports", tags=["imports"], responses=COMMON_RESPONSES)


class ImportJobRead(BaseModel):
    """An import job and how far it got."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    filename: str
    status: ImportStatus
    preset: str | None
    mapping: dict[str, str]
    options: dict[str, Any]
    dry_run: bool
    total_rows: int | None
    last_committed_row: int
    created_rows: int
    updated_rows: int
    skipped_rows: int
    error_rows: int
    created_by_id: int | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    created_at: datetime


def stored_path(request: Request, job: ImportJob) -> Path:
    """Where the file of ``job`` is kept while it runs."""
    folder: Path = request.app.state.settings.import_dir
    return folder / f"{job.id}-{job.filename}"


def job_of(session: Session, actor: Actor, job_id: int) -> ImportJob:
    """The job if ``actor`` started it (admins: any job); NotFound otherwise."""
    job = session.get(ImportJob, job_id)
    if job is None or (actor.role is not Role.ADMIN and job.created_by_id != actor.user_id):
        raise NotFound("import job", job_id)
    return job


def run_job(request: Request, actor: Actor, job_id: int, path: Path) -> None:
    """Carry out the job (a background task); a failure is kept on the job."""
    factory = request.app.state.sessionmaker
    try:
        service.run(factory=factory, actor=actor, job_id=job_id, path=path)
        request.app.state.analytics.expire()  # the pages' figures are read again
    except Exception as error:  # recorded for the user, who reads it on the job
        with factory() as session, session.begin():
            job = session.get_one(ImportJob, job_id)
            job.status, job.error = ImportStatus.FAILED, f"{type(error).__name__}: {error}"


@router.post(
    "",
    status_code=202,
    response_model=ImportJobRead,
    summary="Upload a file of customers, orders, deals … (CSV or XLSX) and start importing it",
)
def upload(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="CSV (any common encoding) or XLSX.")],
    entity: EntityForm = "customer",
    preset: PresetForm = None,
    mapping: MappingForm = None,
    policy: PolicyForm = "skip",
    dry_run: DryRunForm = False,
    atomic: AtomicForm = False,
) -> ImportJob:
    """The new job; the file is imported in the background."""
    name = re.sub(r"[^\w.\-]+", "_", Path(file.filename or "upload").name)[:120] or "upload"
    try:
        columns = json.loads(mapping) if mapping else None
    except json.JSONDecodeError:
        raise Invalid.field(("body", "mapping"), "not a JSON object") from None
    if columns is not None and not (isinstance(columns, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items())):  # fmt: skip
        raise Invalid.field(("body", "mapping"), "give a JSON object of header → field")
    folder: Path = request.app.state.settings.import_dir
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f"upload-{id(file)}-{name}"
    with staging.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            out.write(chunk)
    importer = Actor(actor.user_id, actor.role, actor.team_id, ChangeSource.IMPORT)
    try:
        job = service.start(session=session, actor=importer, path=staging, entity=entity,
                            preset=preset,
                            mapping=columns, options=service.Options(
                                policy=policy, dry_run=dry_run, atomic=atomic))  # fmt: skip
    except Exception:
        staging.unlink(missing_ok=True)
        raise
    job.filename = name
    session.flush()
    path = stored_path(request, job)
    staging.replace(path)
    background.add_task(run_job, request, importer, job.id, path)
    return job


@router.get("", response_model=list[ImportJobRead], summary="Import jobs, newest first")
def list_jobs(session: SessionDep, actor: ActorDep) -> list[ImportJob]:
    """One's own jobs (admins: everyone's), the newest 100."""
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(100)
    if actor.role is not Role.ADMIN:
        stmt = stmt.where(ImportJob.created_by_id == actor.user_id)
    return list(session.scalars(stmt))


@router.get("/{job_id}", response_model=ImportJobRead, responses=NOT_FOUND,
            summary="An import job and how far it got")  # fmt: skip
def read_job(session: SessionDep, actor: ActorDep, job_id: int) -> ImportJob:
    """The job, with its counts of created, updated, skipped and refused rows."""
    return job_of(session, actor, job_id)


@router.post("/{job_id}/resume", status_code=202, response_model=ImportJobRead,
             responses=NOT_FOUND, summary="Take up a job that stopped")  # fmt: skip
def resume(
    request: Request, session: SessionDep, actor: ActorDep, background: BackgroundTasks,
    job_id: int,
) -> ImportJob:  # fmt: skip
    """Continue after the last batch that landed; nothing is imported twice."""
    job = job_of(session, actor, job_id)
    path = stored_path(request, job)
    if job.status is ImportStatus.DONE or not path.exists():
        raise Invalid.field(("path", "job_id"), "this job is finished or its file is gone")
    importer = Actor(actor.user_id, actor.role, actor.team_id, ChangeSource.IMPORT)
    background.add_task(run_job, request, importer, job.id, path)
    return job


def _csv(lines: Iterator[list[str]]) -> Iterator[str]:
    yield "\ufeff"
    for line in lines:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(line)
        yield out.getvalue()


@router.get(
    "/{job_id}/errors",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}, "description": "The refused rows."}},
    summary="The rows a job refused, as CSV: row, column, value, reason",
)
def errors(session: SessionDep, actor: ActorDep, job_id: int) -> StreamingResponse:
    """Every problem found, one line each, in row order."""
    job = job_of(session, actor, job_id)
    lines = list(service.error_lines(session=session, job_id=job.id))
    headers = {"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'}
    return StreamingResponse(_csv(iter(lines)), media_type="text/csv; charset=utf-8",
                             headers=headers)  # fmt: skip
