"""Fast ways to read a query's answer out of the CRM's database into Arrow.

SQLite is read through ADBC too, the whole answer as one batch (below). A big table is
read in ranges of ids side by side (``by_id_range``).

PostgreSQL is read through ADBC (the Arrow project's driver, libpq inside), which has
the server send the rows with ``COPY … TO STDOUT (FORMAT binary)`` and decodes them
column by column into Arrow in C++: no Python object per value. Measured on the orders
table of the 100,000-customer demo (935,389 rows; docs/performance.md, "Analytics"), it
reads the table five times faster than fetching the rows through psycopg (1.5 s
against 7.6 s) in a quarter of the memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache, partial
from itertools import pairwise
from multiprocessing import get_context
from typing import Any, Final

import adbc_driver_postgresql.dbapi as adbc_postgresql
import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa
from sqlalchemy import Engine, Select, Table, func, select


def postgres_uri(engine: Engine) -> str:
    """The libpq connection URI of ``engine``'s PostgreSQL database (password included)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def postgres_reader(engine: Engine) -> Callable[[str], pa.Table]:
    """A function that runs a SELECT (SQL text, values inlined) on ``engine``'s PostgreSQL
    database and returns its rows as Arrow, with the query's column names: JSON as its
    text, times with time zone as UTC timestamps (``timestamp[us, tz=UTC]``, whatever
    the session's time zone), text as strings, integers as int64 or int32, numeric as
    its exact text, an empty answer as an empty table of those types.

    The SQL is as SQLAlchemy compiles it for ``engine`` (``literal_binds``): for psycopg,
    whose placeholders start with ``%``, every ``%`` in it is doubled, and is undoubled
    here, since nothing else reads it."""
    uri = postgres_uri(engine)
    doubled = engine.dialect.paramstyle in ("format", "pyformat")

    def read(query: str) -> pa.Table:
        if doubled:
            query = query.replace("%%", "%")
        with adbc_postgresql.connect(uri) as connection, connection.cursor() as cursor:
            cursor.execute(query)
            return _plain(cursor.fetch_arrow_table())

    return read


def _plain(data: pa.Table) -> pa.Table:
    """``data`` without the driver's extension types (JSON, and opaque ones such as
    numeric, become their text) or its field metadata."""
    columns = []
    for values in data.columns:
        if isinstance(values.type, pa.BaseExtensionType):
            values = pa.chunked_array([chunk.storage for chunk in values.chunks],
                                      values.type.storage_type)  # fmt: skip
        columns.append(values)
    return pa.table(columns, names=data.column_names)


_BUSY_MS = 30_000


def _read_sqlite(path: str, query: str) -> pa.Table:
    with adbc_sqlite.connect(path) as connection, connection.cursor() as cursor:
        # Readers side by side may find the file busy for a moment (another opening
        # it, a writer checkpointing): wait for it rather than fail.
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        # The driver takes a column's type from the first batch of rows (a column
        # NULL there and text later fails), so the whole answer is one batch: the
        # driver grows it as rows come (measured: no memory set aside up front).
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(2**30)})
        cursor.execute(query)
        return cursor.fetch_arrow_table()


class SqliteReadError(RuntimeError):
    """A read in a worker process failed; the message holds the driver's error."""


def _read_sqlite_ipc(path: str, query: str) -> bytes:
    """``_read_sqlite`` in a worker process: the answer as Arrow IPC bytes.

    The driver's own errors cannot be unpickled in the parent (their constructor needs
    arguments pickling drops), which would break the whole pool: they travel as
    ``SqliteReadError`` with their text instead."""
    try:
        data = _read_sqlite(path, query)
    except Exception as error:
        raise SqliteReadError(f"{type(error).__name__}: {error}") from None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    return bytes(sink.getvalue())


@cache
def _reader_processes() -> ProcessPoolExecutor:
    """The worker processes that read SQLite for a process that also writes to it."""
    workers = min(_MOST_PARTS, max(2, _cores()))  # a table is read in at most this many parts
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


def sqlite_reader(engine: Engine, *, isolated: bool = True) -> Callable[[str], pa.Table]:
    """A function that runs a SELECT on ``engine``'s SQLite file and returns its rows as
    Arrow (times as the text SQLite holds; the caller types them).

    ADBC's driver carries its own copy of SQLite. Two copies in one process do not see
    each other's file locks (POSIX locks belong to the process, and never block the
    process holding them): when the driver closes its connection it finds itself alone,
    checkpoints the write-ahead log and deletes it and its shared memory under the other
    copy's open connections (seen: "disk I/O error" on Python's ``sqlite3`` afterwards),
    and its closing the file drops the other copy's locks. So the driver runs
    ``isolated`` by default: in worker processes, which hand the answer back as Arrow
    IPC. Reading in place is only safe in a process that has no other connection to
    the file, before or after."""
    path = engine.url.database
    if not path or path == ":memory:":
        raise ValueError("analytics read a SQLite database from its file; this one has none")
    if not isolated:
        return partial(_read_sqlite, path)

    def read(query: str) -> pa.Table:
        try:
            answer = _reader_processes().submit(_read_sqlite_ipc, path, query).result()
        except BrokenProcessPool:  # a worker died (killed, say): start new ones, once
            _reader_processes.cache_clear()
            answer = _reader_processes().submit(_read_sqlite_ipc, path, query).result()
        return pa.ipc.open_stream(answer).read_all()

    return read


# A table is read in as many parts as there are cores, each a range of ids at least this
# wide, side by side (the drivers decode rows without holding the GIL).
_PART_IDS: Final = 250_000
# … and in at most this many (a container may see more cores than it may use, and each
# part is a connection to the database).
_MOST_PARTS: Final = 8


def by_id_range(
    stmt: Select[Any], table: Table, read: Callable[[str], pa.Table], sql: Callable[[Any], str]
) -> list[Select[Any]]:
    """``stmt`` (rows of ``table``) cut into ranges of ids to read side by side: one part
    per core, or the statement whole when the table is small."""
    cores = _cores()
    if cores < 2 or "id" not in table.c:
        return [stmt]
    ids = table.c.id
    # Each bound apart: SQLite finds one in the index, but scans the table for both at once.
    bounds = select(
        select(func.min(ids)).scalar_subquery(), select(func.max(ids)).scalar_subquery()
    )
    low, high = read(sql(bounds)).to_pylist()[0].values()
    if low is None or high - low < 2 * _PART_IDS:
        return [stmt]
    parts = min(cores, _MOST_PARTS, (high - low) // _PART_IDS)
    step = (high - low) // parts + 1
    cuts = [low + i * step for i in range(1, parts)]  # the first id of parts 2, 3 …
    pieces = [stmt.where(ids < cuts[0])]
    pieces += [stmt.where(ids >= start, ids < end) for start, end in pairwise(cuts)]
    return [*pieces, stmt.where(ids >= cuts[-1])]


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
