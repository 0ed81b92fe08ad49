"""Import jobs: a file of customers read in batches, matched, written, and accounted for.

Each batch is its own transaction and moves the job's ``last_committed_row`` in the
same transaction, so a job killed midway resumes after the last batch that landed:
nothing twice, nothing lost. Rows that cannot be taken are recorded (row, column,
value, reason) and every good row lands — unless the job is all-or-nothing, where one
bad row stops the whole file. A dry run does all the work inside a transaction that is
rolled back, so it reports exactly what a real run would do.

Existing customers are matched by external id, then normalised email, then E.164
phone (live customers only, and rows earlier in the same file), and treated by the
job's policy: ``skip`` them, ``overwrite`` their fields with the file's, or ``fill``
only the fields they lack.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final, Literal, cast

from sqlalchemy import Table, func, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from rapport import migrate, records
from rapport.access import Action, Actor
from rapport.audit.models import AuditAction, AuditEntry
from rapport.bulk import insert_rows, insert_values, row_converter
from rapport.customers import names
from rapport.customers.models import Customer, CustomerKind
from rapport.customers.service import RECORD as CUSTOMER
from rapport.db import session_scope, utcnow
from rapport.errors import Invalid, NotFound
from rapport.i18n import N_
from rapport.imports.customer_rows import (
    NEW_COLUMNS,
    Converted,
    check_rows,
    new_customer,
    row_values,
)
from rapport.imports.models import ImportJob, ImportRowError, ImportStatus
from rapport.imports.presets import CUSTOMER_FIELDS, PRESETS, detect, mapping_for
from rapport.imports.reader import open_table
from rapport.imports.reasons import Reason
from rapport.imports.record_batch import HANDLERS, RecordBatch, order_key
from rapport.imports.record_columns import RECORD_COLUMNS
from rapport.users.models import User

Policy = Literal["skip", "overwrite", "fill"]
BATCH: Final = 2000
MATCH_KEYS: Final = ("external_id", "email", "phone")
# Customer files from this size on have their rows checked in a second process.
PARALLEL_FROM_BYTES = 4 << 20
AHEAD: Final = 1  # batches checked ahead of the one being written
IMPORT_CACHE_KIB: Final = 32 * 1024
# The indexes a customer import reads while it writes (matching; companies by name).
_KEPT_INDEXES: Final = frozenset(f"ix_customers_{k}" for k in (*MATCH_KEYS, "name"))
ENTITIES: Final = ("customer", *RECORD_COLUMNS)


@dataclass(frozen=True)
class Options:
    """How a job treats what it finds."""

    policy: Policy = "skip"
    atomic: bool = False
    dry_run: bool = False
    batch_size: int = BATCH


class _Abort(Exception):
    """An all-or-nothing job met a bad row: everything is rolled back."""


def file_digest(path: Path) -> str:
    """The SHA-256 of the file, so a resumed job can be sure it reads the same one."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def start(
    *,
    session: Session,
    actor: Actor,
    path: Path,
    entity: str = "customer",
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    options: Options = Options(),
) -> ImportJob:
    """A new job for the records of ``entity`` in ``path``, with its column mapping.

    For customers the preset is detected from the header unless named; other record
    types have one table of header names each (``record_columns``). ``mapping``
    (header → field) overrides single columns. Invalid when the entity, a named preset
    or a mapped field is unknown, or a field the records need has no column.
    """
    if entity not in ENTITIES:
        raise Invalid.field(
            ("entity",),
            N_("cannot import %(entity)r; use one of %(known)s"),
            entity=entity,
            known=", ".join(ENTITIES),
        )
    table = open_table(path)
    table.close()
    if entity != "customer":
        if preset not in (None, "generic"):
            raise Invalid.field(("preset",), N_("presets are for customer files; leave it out"))
        return _start_records(session, actor, path, table.header, entity, mapping or {}, options)
    records.may_create(actor=actor, kind=CUSTOMER)
    if preset is not None and preset not in PRESETS:
        known = ", ".join(PRESETS)
        raise Invalid.field(
            ("preset",),
            N_("no preset %(preset)r; use one of %(known)s"),
            preset=preset,
            known=known,
        )
    chosen, fields = detect(table.header) if preset is None else (
        PRESETS[preset], mapping_for(PRESETS[preset], table.header))  # fmt: skip
    fields = remap(fields, mapping or {}, table.header, CUSTOMER_FIELDS, "customer")
    if "name" not in fields and "first_name" not in fields and "last_name" not in fields:
        raise Invalid.field(("mapping",), N_("no column gives the customer's name"))
    return _new_job(session, actor, path, "customer", chosen.name, fields, options)


def remap(
    fields: dict[str, str],
    mapping: dict[str, str],
    header: list[str],
    known: tuple[str, ...],
    entity: str,
) -> dict[str, str]:
    """``fields`` (field → header) with ``mapping`` (header → field) laid over it; a
    header mapped to "" is left out. Invalid names the header that cannot be mapped."""
    fields = dict(fields)
    for column, target in mapping.items():
        if target and target not in known:
            raise Invalid.field(
                ("mapping", column),
                N_("no %(entity)s field %(field)r"),
                entity=entity,
                field=target,
            )
        if column not in header:
            raise Invalid.field(("mapping", column), N_("the file has no such column"))
        fields = {f: h for f, h in fields.items() if h != column and f != target}
        if target:
            fields[target] = column
    return fields


def _new_job(
    session: Session,
    actor: Actor,
    path: Path,
    entity: str,
    preset: str,
    fields: dict[str, str],
    options: Options,
) -> ImportJob:
    job = ImportJob(
        entity=entity,
        filename=path.name,
        file_sha256=file_digest(path),
        preset=preset,
        mapping=fields,
        options={
            "policy": options.policy,
            "atomic": options.atomic,
            "batch_size": options.batch_size,
        },
        dry_run=options.dry_run,
        created_by_id=actor.user_id,
    )
    session.add(job)
    session.flush()
    return job


def _start_records(
    session: Session,
    actor: Actor,
    path: Path,
    header: list[str],
    entity: str,
    mapping: dict[str, str],
    options: Options,
) -> ImportJob:
    """A new job for orders, deals, interactions, tickets, answers or events."""
    records.may_create(actor=actor, kind=HANDLERS[entity].kind)
    spec = RECORD_COLUMNS[entity]
    fields = spec.mapping_for(header)
    fields = remap(fields, mapping, header, tuple(spec.columns), entity)
    for needed in spec.required:
        if not any(name in fields for name in needed):
            raise Invalid.field(
                ("mapping",),
                N_("no column gives the %(entity)s's %(fields)s"),
                entity=entity,
                fields=" or ".join(needed),
            )
    return _new_job(session, actor, path, entity, "generic", fields, options)


def _batches(
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    after: int,
    size: int,
    together: Callable[[dict[str, str]], str | None] | None = None,
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The rows after row ``after`` in batches of ``size``; rows for which ``together``
    gives the same key as the row before stay in one batch (the lines of an order)."""
    batch: list[tuple[int, dict[str, str]]] = []
    for number, cells in rows:
        if number <= after:
            continue
        row = dict(zip(header, cells, strict=False))
        if len(batch) >= size and not (
            together and (key := together(row)) is not None and key == together(batch[-1][1])
        ):
            yield batch
            batch = []
        batch.append((number, row))
    if batch:
        yield batch


def _together(job: ImportJob) -> Callable[[dict[str, str]], str | None] | None:
    """For orders: the key that keeps an order's lines in one batch."""
    if job.entity != "order":
        return None
    columns = {f: h for f, h in job.mapping.items() if f in ("number", "external_id")}
    return lambda cells: order_key({f: cells.get(h, "").strip() for f, h in columns.items()
                                    if cells.get(h, "").strip()})  # fmt: skip


def _checked(
    batches: Iterator[list[tuple[int, dict[str, str]]]], job: ImportJob, path: Path, dialect: str
) -> Iterator[tuple[list[tuple[int, dict[str, str]]], list[tuple[int, Converted]] | None]]:
    """Each batch with its rows checked, for customer files big enough to be worth it in a
    second process (so the rows of the next batches are checked while one is written);
    otherwise with None, and the batch checks its own rows."""
    if job.entity != "customer" or path.stat().st_size < PARALLEL_FROM_BYTES:
        for batch in batches:
            yield batch, None
        return
    # spawn, not fork: the importing process may be a server with threads and connections
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        pending: deque[tuple[list[tuple[int, dict[str, str]]], Future[Any]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(check_rows, batch, job.mapping, dialect)))
            if len(pending) > AHEAD:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _worker(session: Session, actor: Actor, job: ImportJob) -> _Batch | RecordBatch:
    return (
        _Batch(session, actor, job)
        if job.entity == "customer"
        else RecordBatch(session, actor, job)
    )


class _Batch:
    """The work on one batch: lookups shared by its rows, then the writes."""

    def __init__(self, session: Session, actor: Actor, job: ImportJob) -> None:
        self.session, self.actor, self.job = session, actor, job
        self.policy: Policy = job.options.get("policy", "skip")
        self.errors: list[dict[str, Any]] = []
        self.created = self.updated = self.skipped = 0

    def fail(self, number: int, column: str | None, value: str | None, reason: Reason) -> None:
        self.errors.append({"job_id": self.job.id, "row_number": number, "column": column,
                            "value": value, **reason.columns()})  # fmt: skip

    def owners(self, wanted: set[str]) -> dict[str, int]:
        if not wanted:
            return {}
        stmt = select(User.id, func.lower(User.email), User.name).where(
            User.is_active.is_(True),
            or_(func.lower(User.email).in_({w.lower() for w in wanted}), User.name.in_(wanted)),
        )
        found: dict[str, int] = {}
        for user_id, email, name in self.session.execute(stmt):
            found[email] = found[name] = user_id
        return {w: found[k] for w in wanted if (k := w.lower() if "@" in w else w) in found}

    def companies(self, wanted: set[str], owner: int | None) -> dict[str, int]:
        if not wanted:
            return {}
        stmt = select(Customer.name, func.min(Customer.id)).where(
            Customer.kind == CustomerKind.COMPANY, Customer.deleted_at.is_(None),
            Customer.name.in_(wanted)).group_by(Customer.name)  # fmt: skip
        found: dict[str, int] = {row[0]: row[1] for row in self.session.execute(stmt)}
        missing = sorted(wanted - set(found))
        if missing:
            now, convert = utcnow(), row_values(self.session.get_bind().dialect.name)
            rows = [convert(new_customer({"name": n, "kind": CustomerKind.COMPANY,
                                          "owner_id": owner}, None, None, now))
                    for n in missing]  # fmt: skip
            ids = self._insert(rows, [f"company named in {self.job.filename}"] * len(rows))
            found.update(zip(missing, ids, strict=True))
        return found

    def existing(self, rows: list[Converted]) -> list[Customer]:
        keys = {k: {r.values[k] for r in rows if r.values.get(k)} for k in MATCH_KEYS}
        conditions = [getattr(Customer, k).in_(v) for k, v in keys.items() if v]
        if not conditions:
            return []
        stmt = select(Customer).where(Customer.deleted_at.is_(None), or_(*conditions))
        return list(self.session.scalars(stmt))

    def _insert(self, rows: list[list[Any]], notes: list[str]) -> list[int]:
        """Write new customers (NEW_COLUMNS values, see ``customer_rows.row_values``) at
        the driver's speed, each with its audit row; their ids, in the order of ``rows``."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            ids = list(connection.execute(_NEXT_IDS, {"n": len(rows)}).scalars())
            with_ids = [[new_id, *row] for new_id, row in zip(ids, rows, strict=True)]
            insert_values(connection, _CUSTOMERS, ("id", *NEW_COLUMNS), with_ids)
        else:
            # This transaction holds SQLite's write lock from its first insert on, so
            # the rows get consecutive rowids ending at the last one inserted.
            insert_values(connection, _CUSTOMERS, NEW_COLUMNS, rows)
            last = int(connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
            ids = list(range(last - len(rows) + 1, last + 1))
        convert = row_converter(_AUDIT, _AUDIT_COLUMNS, connection.dialect.name)
        first = convert({"entity": "customer", "entity_id": 0, "action": AuditAction.CREATE.value,
                         "field": None, "old_value": None, "new_value": "", "at": utcnow(),
                         "user_id": self.actor.user_id, "source": self.actor.source.value,
                         "request_id": None})  # fmt: skip
        audit = []
        for new_id, note in zip(ids, notes, strict=True):
            values = first.copy()
            values[1], values[5] = new_id, note
            audit.append(values)
        insert_values(connection, _AUDIT, _AUDIT_COLUMNS, audit)
        return ids

    def process(
        self,
        batch: list[tuple[int, dict[str, str]]],
        checked: list[tuple[int, Converted]] | None = None,
    ) -> None:
        """Validate, match and write one batch of rows (inside the caller's transaction);
        ``checked`` is the batch already through ``check_rows``, if it was done elsewhere."""
        fields = self.job.mapping
        good: list[tuple[int, Converted]] = []
        if checked is None:
            checked = check_rows(batch, fields, self.session.get_bind().dialect.name)
        for number, converted in checked:
            for column, value, reason in converted.problems:
                self.fail(number, column, value, reason)
            if not converted.problems:
                good.append((number, converted))
        owners = self.owners({c.owner for _, c in good if c.owner})
        default_owner = self.actor.user_id
        kept: list[tuple[int, Converted]] = []
        for number, converted in good:
            if converted.owner and converted.owner not in owners:
                self.fail(number, fields.get("owner_email"), converted.owner,
                          Reason.of(N_("no active user with this email or name")))  # fmt: skip
                continue
            converted.values["owner_id"] = owners.get(converted.owner or "", default_owner)
            kept.append((number, converted))
        companies = self.companies({c.company_name for _, c in kept if c.company_name},
                                   default_owner)  # fmt: skip
        for _, converted in kept:
            if converted.company_name:
                converted.values["company_id"] = companies[converted.company_name]
        self._write(kept)

    def _write(self, rows: list[tuple[int, Converted]]) -> None:
        matches: dict[tuple[str, Any], Customer] = {}
        for customer in self.existing([c for _, c in rows]):
            for key in MATCH_KEYS:
                if getattr(customer, key):
                    matches.setdefault((key, getattr(customer, key)), customer)
        changeable = self._changeable({c.id for c in matches.values()})
        new: dict[tuple[str, Any], int] = {}  # match key → index in ``fresh``
        fresh: list[tuple[int, Converted]] = []
        for number, converted in rows:
            keys = [(k, converted.values[k]) for k in MATCH_KEYS if converted.values.get(k)]
            found = next((matches[k] for k in keys if k in matches), None)
            if found is None and any(k in new for k in keys):
                self.skipped += 1  # the same customer twice in this file: the first counts
                continue
            if found is None:
                new.update({k: len(fresh) for k in keys})
                fresh.append((number, converted))
            elif self.policy == "skip":
                self.skipped += 1
            elif found.id not in changeable:
                mine = N_("customer %(id)s exists and is not yours to change")
                self.fail(number, None, None, Reason.of(mine, id=found.id))
            else:
                self._update(found, converted)
        if fresh:
            values = []
            for _, converted in fresh:
                row = converted.row
                assert row is not None  # check_rows made it for every good row
                row[_OWNER_AT] = converted.values.get("owner_id")
                row[_COMPANY_AT] = converted.values.get("company_id")
                values.append(row)
            notes = [f"imported from {self.job.filename}, row {n}" for n, _ in fresh]
            self._insert(values, notes)
            self.created += len(fresh)

    def _changeable(self, ids: set[int]) -> set[int]:
        if not ids:
            return set()
        stmt = records.select_visible(CUSTOMER, self.actor, Action.CHANGE)
        return set(self.session.scalars(stmt.with_only_columns(Customer.id)
                                        .where(Customer.id.in_(ids))))  # fmt: skip

    def _update(self, customer: Customer, converted: Converted) -> None:
        values = {k: v for k, v in converted.values.items() if k != "owner_id"}
        if self.policy == "fill":
            values = {k: v for k, v in values.items() if getattr(customer, k) in (None, "")}
        if "name" in values:
            person = customer.kind is CustomerKind.PERSON
            values["name_latin"] = names.latin(values["name"], person=person)
        changed = {k: v for k, v in values.items() if getattr(customer, k) != v}
        if not changed:
            self.skipped += 1  # nothing new in the file for this customer
            return
        records.update(session=self.session, actor=self.actor, kind=CUSTOMER,
                       record=customer, values=changed)  # fmt: skip
        self.updated += 1


_AUDIT = cast(Table, AuditEntry.__table__)
_AUDIT_COLUMNS: Final = ("entity", "entity_id", "action", "field", "old_value", "new_value",
                         "at", "user_id", "source", "request_id")  # fmt: skip
_CUSTOMERS = cast(Table, Customer.__table__)
_OWNER_AT: Final = NEW_COLUMNS.index("owner_id")
_COMPANY_AT: Final = NEW_COLUMNS.index("company_id")
_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, :n)"
)
_ERRORS = cast(Table, ImportRowError.__table__)


def run(
    *,
    factory: sessionmaker[Session],
    actor: Actor,
    job_id: int,
    path: Path,
    on_progress: Callable[[int], None] | None = None,
) -> ImportJob:
    """Carry out (or resume) job ``job_id`` on the file at ``path``; the finished job."""
    with session_scope(factory) as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            raise NotFound("import job", job_id)
        if job.file_sha256 != file_digest(path):
            raise Invalid.field(("file",), N_("this is not the file the job was started with"))
        job.status, job.started_at = ImportStatus.RUNNING, job.started_at or utcnow()
        dialect = session.get_bind().dialect.name
    table = open_table(path)
    size = int(job.options.get("batch_size", BATCH))
    whole = job.dry_run or bool(job.options.get("atomic"))
    deferred = [] if whole else _defer_indexes(factory, job, path)
    try:
        if whole:
            _run_whole(factory, actor, job, (table, path), size, on_progress)
        else:
            together = _together(job)
            batches = _batches(table.rows, table.header, job.last_committed_row, size, together)
            for batch, checked in _checked(batches, job, path, dialect):
                with session_scope(factory) as session:
                    _import_cache(session, dialect, on=True)
                    current = session.get_one(ImportJob, job_id)
                    work = _worker(session, actor, current)
                    work.process(batch, checked)
                    _account(session, current, work, batch[-1][0])
                if on_progress:
                    on_progress(len(batch))
    finally:
        table.close()
        if deferred:
            with session_scope(factory) as session:
                _import_cache(session, dialect, on=True)  # also the sorter's memory
                migrate.restore_indexes(session.connection(), [_CUSTOMERS])
    with session_scope(factory) as session:
        _import_cache(session, dialect, on=False)
        done = session.get_one(ImportJob, job_id)
        done.status = ImportStatus.FAILED if done.error else ImportStatus.DONE
        done.finished_at = utcnow()
        return done


def _defer_indexes(factory: sessionmaker[Session], job: ImportJob, path: Path) -> list[str]:
    """Drop the customer indexes the import does not read, when a big file goes into a
    table smaller than itself on SQLite; the names of those dropped.

    Building an index once over the finished table costs far less than keeping it up
    to date row by row (a million customers: 94 s of inserts with every index, 24 s
    with the three it matches by, plus 14 s to build the others; docs/performance.md).
    Other users' lists are slower meanwhile, never wrong. The caller builds the
    indexes again when the job stops, however it stops; if the process is killed, the
    next import or start of Rapport builds them (``migrate.upgrade``).
    """
    with session_scope(factory) as session:
        connection = session.connection()
        migrate.restore_indexes(connection, [_CUSTOMERS])  # after a killed run
        size = path.stat().st_size
        if (connection.dialect.name != "sqlite" or job.entity != "customer"
                or size < PARALLEL_FROM_BYTES):  # fmt: skip
            return []
        rows = session.scalar(select(func.count()).select_from(Customer)) or 0
        if rows * _BYTES_PER_ROW > size:
            return []
        kept = _KEPT_INDEXES if "company_name" in job.mapping else _KEPT_INDEXES - {_BY_NAME}
        dropped = [i for i in _CUSTOMERS.indexes if i.name not in kept]
        for index in dropped:
            index.drop(connection)
        return [str(i.name) for i in dropped]


_BYTES_PER_ROW: Final = 64  # a customer file's row is seldom shorter
_BY_NAME: Final = "ix_customers_name"


def _import_cache(session: Session, dialect: str, *, on: bool) -> None:
    """On SQLite, a page cache big enough for a batch's index pages while importing (a
    batch of new customers touches pages all over the table's indexes, and each commit
    writes what it changed once, not once per row), and back to the default after."""
    if dialect == "sqlite":
        size = -IMPORT_CACHE_KIB if on else -2000
        session.connection().exec_driver_sql(f"PRAGMA cache_size={size}")


def _account(session: Session, job: ImportJob, work: _Batch | RecordBatch, last_row: int) -> None:
    """Record a batch's outcome on the job, in the batch's own transaction."""
    if work.errors:
        insert_rows(session.connection(), _ERRORS, work.errors)
    job.created_rows += work.created
    job.updated_rows += work.updated
    job.skipped_rows += work.skipped
    job.error_rows += len({e["row_number"] for e in work.errors})
    job.last_committed_row = last_row
    job.total_rows = max(job.total_rows or 0, last_row - 1)


def _run_whole(
    factory: sessionmaker[Session],
    actor: Actor,
    job: ImportJob,
    source: tuple[Any, Path],
    size: int,
    on_progress: Callable[[int], None] | None,
) -> None:
    """A dry run or an all-or-nothing job: every batch in one transaction."""
    table, table_path = source
    totals = _Batch.__new__(_Batch)
    totals.errors, totals.created, totals.updated, totals.skipped = [], 0, 0, 0
    last = job.last_committed_row
    session = factory()
    try:
        with session.begin():
            current = session.get_one(ImportJob, job.id)
            batches = _batches(table.rows, table.header, last, size, _together(job))
            dialect = session.get_bind().dialect.name
            for batch, checked in _checked(batches, job, table_path, dialect):
                work = _worker(session, actor, current)
                work.process(batch, checked)
                session.flush()
                totals.errors += work.errors
                totals.created += work.created
                totals.updated += work.updated
                totals.skipped += work.skipped
                last = batch[-1][0]
                if on_progress:
                    on_progress(len(batch))
            if job.dry_run or totals.errors:
                raise _Abort
    except _Abort:
        pass
    finally:
        session.close()
    with session_scope(factory) as session:
        current = session.get_one(ImportJob, job.id)
        if totals.errors and not job.dry_run:
            current.error = (f"{len({e['row_number'] for e in totals.errors})} rows have problems;"
                             " nothing was imported (all-or-nothing)")  # fmt: skip
            totals.created = totals.updated = totals.skipped = 0
        _account(session, current, totals, last)


def error_lines(*, session: Session, job_id: int) -> Iterator[list[str]]:
    """The job's problems as rows for a CSV: row, column, value, reason."""
    yield ["row", "column", "value", "reason"]
    stmt = select(ImportRowError).where(ImportRowError.job_id == job_id)
    for error in session.scalars(stmt.order_by(ImportRowError.row_number, ImportRowError.id)):
        yield [str(error.row_number), error.column or "", error.value or "", error.reason]
