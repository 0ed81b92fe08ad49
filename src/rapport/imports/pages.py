"""The import wizard: upload a file, check the detected preset and column mapping, try it
(a dry run lists every row it would refuse), run it with a progress bar, and download
the refused rows.

An uploaded file waits as a draft (in the import folder, named with a random token and
its uploader) until it is imported for real; a dry run and the real run each copy it
into their own job, as the API's uploads do. A draft left for ``DRAFT_DAYS`` is removed
at the next upload.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.api.deps import SessionDep
from rapport.audit.models import ChangeSource
from rapport.errors import Invalid, NotFound
from rapport.i18n import gettext_for
from rapport.imports import service
from rapport.imports.api import job_of, run_job, stored_path
from rapport.imports.models import ImportJob, ImportRowError, ImportStatus
from rapport.imports.presets import CUSTOMER_FIELDS, PRESETS, detect, mapping_for
from rapport.imports.reader import UnreadableFile, open_table
from rapport.imports.record_columns import RECORD_COLUMNS
from rapport.templating import render
from rapport.users.models import Role
from rapport.web.deps import PageActor, check_csrf
from rapport.web.messages import Gettext, problem_message, translate

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

PREVIEW_ROWS: Final = 5
DRAFT_DAYS: Final = 7
SHOWN_ERRORS: Final = 100
_TOKEN: Final = re.compile(r"^[0-9a-f]{32}$")


def _folder(request: Request) -> Path:
    folder: Path = request.app.state.settings.import_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_old_drafts(folder: Path, days: float = DRAFT_DAYS) -> int:
    """Remove the drafts uploaded more than ``days`` ago and never imported; how many."""
    oldest = time.time() - days * 24 * 60 * 60
    removed = 0
    for path in folder.glob("draft-*"):
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile by another upload
            continue
    return removed


def _draft(request: Request, actor: Actor, token: str) -> Path:
    """The draft file with this token, if the user uploaded it; NotFound otherwise."""
    if not _TOKEN.match(token):
        raise NotFound("upload", token)
    found = sorted(_folder(request).glob(f"draft-{actor.user_id}-{token}-*"))
    if not found:
        raise NotFound("upload", token)
    return found[0]


def fields_of(entity: str) -> tuple[str, ...]:
    """The fields a file of ``entity`` can fill."""
    return CUSTOMER_FIELDS if entity == "customer" else tuple(RECORD_COLUMNS[entity].columns)


def detected(entity: str, header: list[str], preset: str | None) -> tuple[str, dict[str, str]]:
    """The preset and the header → field mapping Rapport reads the file with by default."""
    if entity != "customer":
        fields = RECORD_COLUMNS[entity].mapping_for(header)
        return "generic", {column: field for field, column in fields.items()}
    chosen, fields = (
        detect(header)
        if preset not in PRESETS
        else (PRESETS[str(preset)], mapping_for(PRESETS[str(preset)], header))
    )
    return chosen.name, {column: field for field, column in fields.items()}


def _jobs(session: Session, actor: Actor) -> list[ImportJob]:
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(30)
    if actor.role is not Role.ADMIN:
        stmt = stmt.where(ImportJob.created_by_id == actor.user_id)
    return list(session.scalars(stmt))


@router.get("/imports", response_class=HTMLResponse)
def imports_page(
    request: Request, session: SessionDep, actor: PageActor, error: str | None = None
) -> HTMLResponse:
    """The upload form and the user's recent imports."""
    context = {"jobs": _jobs(session, actor), "entities": service.ENTITIES, "error": error}
    return render(request, "imports/index.html", context, status_code=422 if error else 200)


@router.post("/imports", response_class=HTMLResponse)
def upload(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    file: Annotated[UploadFile, File()],
    entity: Annotated[str, Form()] = "customer",
) -> Response:
    """Keep the file as a draft and show how it would be read."""
    _ = gettext_for(request)
    if entity not in service.ENTITIES:
        return imports_page(request, session, actor, _("Choose what the file holds."))
    remove_old_drafts(_folder(request))
    name = re.sub(r"[^\w.\-]+", "_", Path(file.filename or "upload").name)[:120] or "upload"
    token = secrets.token_hex(16)
    path = _folder(request) / f"draft-{actor.user_id}-{token}-{entity}-{name}"
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
    try:
        open_table(path).close()
    except UnreadableFile as exc:
        path.unlink(missing_ok=True)
        return imports_page(request, session, actor, str(exc))
    return RedirectResponse(f"/imports/draft/{token}", status_code=303)


def _preview(path: Path) -> tuple[list[str], list[list[str]], str]:
    table = open_table(path)
    try:
        rows = [cells for _number, cells in zip(range(PREVIEW_ROWS), table.rows, strict=False)]
    finally:
        table.close()
    entity = path.name.split("-", 4)[3]
    return table.header, [r for _n, r in rows], entity


@router.get("/imports/draft/{token}", response_class=HTMLResponse)
def draft_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    token: str,
    preset: str | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The detected preset and mapping, to adjust, with the file's first rows."""
    path = _draft(request, actor, token)
    header, rows, entity = _preview(path)
    chosen, mapping = detected(entity, header, preset)
    context = {
        "token": token,
        "filename": path.name.split("-", 4)[4],
        "entity": entity,
        "header": header,
        "rows": rows,
        "preset": chosen,
        "presets": list(PRESETS),
        "mapping": mapping,
        "fields": fields_of(entity),
        "errors": errors or {},
    }
    return render(request, "imports/draft.html", context, status_code=422 if errors else 200)


@router.post("/imports/draft/{token}")
async def start_import(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    background: BackgroundTasks,
    token: str,
) -> Response:
    """Start a dry run or the real import with the mapping chosen on the draft page."""
    path = _draft(request, actor, token)
    form = await request.form()
    header, _rows, entity = _preview(path)
    mapping = {column: str(form.get(f"map-{i}") or "") for i, column in enumerate(header)}
    preset = str(form.get("preset") or "") or None
    policy: Any = (
        form.get("policy") if form.get("policy") in ("skip", "overwrite", "fill") else "skip"
    )
    dry_run = form.get("action") != "run"
    try:
        job = _start(
            request,
            session,
            actor,
            background,
            path,
            entity=entity,
            preset=preset,
            mapping=mapping,
            options=service.Options(policy=policy, dry_run=dry_run),
        )
    except Invalid as exc:
        session.rollback()
        problems = {
            ".".join(map(str, p.path[1:])) or "mapping": problem_message(request, p)
            for p in exc.problems
        }
        return draft_page(request, session, actor, token, preset, problems)
    suffix = f"?draft={token}" if dry_run else ""
    return RedirectResponse(f"/imports/{job.id}{suffix}", status_code=303)


def _start(
    request: Request,
    session: Session,
    actor: Actor,
    background: BackgroundTasks,
    draft: Path,
    *,
    entity: str,
    preset: str | None,
    mapping: dict[str, str],
    options: service.Options,
) -> ImportJob:
    """A job on a copy of the draft, run in the background; a real run ends the draft."""
    importer = Actor(actor.user_id, actor.role, actor.team_id, ChangeSource.IMPORT)
    filename = draft.name.split("-", 4)[4]
    copy = draft.with_name(f"job-{secrets.token_hex(8)}-{filename}")
    shutil.copyfile(draft, copy)
    try:
        job = service.start(
            session=session,
            actor=importer,
            path=copy,
            entity=entity,
            preset=preset if entity == "customer" else None,
            mapping={c: f for c, f in mapping.items() if c},
            options=options,
        )
    except Exception:
        copy.unlink(missing_ok=True)
        raise
    job.filename = filename
    session.flush()
    target = stored_path(request, job)
    copy.replace(target)
    background.add_task(run_job, request, importer, job.id, target)
    if not options.dry_run:
        draft.unlink(missing_ok=True)  # imported for real: the draft is done with
    return job


@router.post("/imports/{job_id}/run")
async def run_for_real(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    background: BackgroundTasks,
    job_id: int,
) -> Response:
    """Import the draft for real, read exactly as its dry run read it."""
    tried = job_of(session, actor, job_id)
    token = str((await request.form()).get("draft") or "")
    draft = _draft(request, actor, token)
    header = open_table(draft)
    header.close()
    mapping = dict.fromkeys(header.header, "")
    mapping |= {column: field for field, column in tried.mapping.items()}
    options = service.Options(policy=tried.options.get("policy", "skip"), dry_run=False)
    job = _start(
        request,
        session,
        actor,
        background,
        draft,
        entity=tried.entity,
        preset=tried.preset,
        mapping=mapping,
        options=options,
    )
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


def reason_in(gettext: Gettext, error: ImportRowError) -> str:
    """Why the row was refused, in the language of ``gettext``."""
    template = error.reason_template or error.reason
    return translate(gettext, template, error.reason_params or {})


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    job_id: int,
    draft: str | None = None,
) -> HTMLResponse:
    """How far the job got, the rows it refused, and (after a dry run) the real import."""
    job = job_of(session, actor, job_id)
    stmt = (
        select(ImportRowError)
        .where(ImportRowError.job_id == job.id)
        .order_by(ImportRowError.row_number, ImportRowError.id)
        .limit(SHOWN_ERRORS)
    )
    has_draft = False
    if draft:
        try:
            _draft(request, actor, draft)
            has_draft = True
        except NotFound:
            has_draft = False
    _ = gettext_for(request)
    context = {
        "job": job,
        "errors": [(error, reason_in(_, error)) for error in session.scalars(stmt)],
        "draft": draft if has_draft else None,
        "running": job.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
        "shown": SHOWN_ERRORS,
    }
    partial = request.headers.get("HX-Target") == "job-status"
    return render(request, "imports/_job.html" if partial else "imports/job.html", context)
