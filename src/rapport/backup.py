"""Backups of the whole database while the app runs, and restoring them.

SQLite is copied with its online backup API: one read transaction, so the copy is the
database as of one moment even while others write. PostgreSQL is dumped with
``pg_dump --format=custom`` inside a snapshot that the row counts share, and restored
with ``pg_restore --single-transaction``: all of it or nothing.

A restore never leaves a half-restored database. SQLite restores into a new file next
to the database and renames it over the old one, after the old one's write-ahead log is
checkpointed and removed (a stale ``-wal`` beside the new file would corrupt it).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from psycopg.conninfo import make_conninfo
from sqlalchemy import (
    URL,
    Connection,
    create_engine,
    func,
    inspect,
    make_url,
    select,
    table,
    text,
)
from sqlalchemy.pool import NullPool

from rapport import migrate
from rapport.db import make_engine

EngineKind = Literal["sqlite", "postgresql"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIXES: Mapping[EngineKind, str] = {"sqlite": ".db", "postgresql": ".dump"}
NAMES: Mapping[EngineKind, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
REVISION_TABLE = "alembic_version"
# Files SQLite keeps beside a database; the new file must not meet the old one's.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    """A backup written: where, how big, and what it holds."""

    kind: EngineKind
    path: Path
    size: int
    rows: Mapping[str, int]  # rows per table at the moment of the snapshot
    revision: str | None

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class RestoreResult:
    """A backup restored: what the database holds now and its schema revision."""

    kind: EngineKind
    path: Path
    size: int
    rows: Mapping[str, int]
    revision: str | None
    head: str | None  # the newest revision this version of Rapport knows

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def needs_migration(self) -> bool:
        """Whether the backup is from an older schema, which ``rapport init`` migrates."""
        return self.revision != self.head


def default_path(*, url: str, folder: Path = Path(), now: datetime | None = None) -> Path:
    """``rapport-backup-YYYYmmdd-HHMMSS.db`` (``.dump`` on PostgreSQL) in ``folder``, UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return folder / f"rapport-backup-{moment:%Y%m%d-%H%M%S}{SUFFIXES[_kind(make_url(url))]}"


def create(*, url: str, path: Path | None = None, overwrite: bool = False) -> BackupResult:
    """A consistent backup of the database at ``url``, written to ``path``.

    ``path`` may be a folder, which gets a file named by :func:`default_path`. The file
    appears only when complete, readable by its owner alone.
    """
    database = make_url(url)
    kind = _kind(database)
    if path is None:
        path = default_path(url=url)
    elif path.is_dir():
        path = default_path(url=url, folder=path)
    if kind == "sqlite" and path.exists() and path.resolve() == _sqlite_file(database).resolve():
        raise BackupError(f"{path} is the database itself; choose another path")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists; choose another path or allow overwriting")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    with _private_temp_file(path) as temp:
        if kind == "sqlite":
            rows, revision = _sqlite_backup(database, temp)
        else:
            rows, revision = _postgres_backup(database, temp)
        os.replace(temp, path)
    _fsync_folder(path.parent)
    return BackupResult(kind, path, path.stat().st_size, rows, revision)


def restore(*, url: str, path: Path) -> RestoreResult:
    """Replace everything in the database at ``url`` with the backup at ``path``.

    The file is checked first: a file that is not a Rapport backup of this engine kind,
    or of a schema this version does not know, is refused and nothing changes.
    """
    database = make_url(url)
    kind = _kind(database)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    found = _file_kind(path)
    if found != kind:
        what = f"a {NAMES[found]} backup" if found else "not a Rapport backup"
        raise BackupError(
            f"{path} is {what}; the configured database is {NAMES[kind]}, which needs "
            f"a {'SQLite database file' if kind == 'sqlite' else 'pg_dump custom archive'}"
        )
    if kind == "sqlite":
        expected = _sqlite_restore(database, path)
    else:
        expected = _postgres_restore(database, path)
    engine = make_engine(url)
    try:
        revision = migrate.current_revision(engine)
        with engine.connect() as connection:
            rows = _row_counts(connection)
    finally:
        engine.dispose()
    if revision != expected:
        raise BackupError(
            f"after restoring, the database is at revision {revision}, not the backup's {expected}"
        )
    return RestoreResult(
        kind, path, path.stat().st_size, rows, revision, head=migrate.head_revision()
    )


# -- shared -----------------------------------------------------------------------------


def _kind(url: URL) -> EngineKind:
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up or restored")
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")


def _file_kind(path: Path) -> EngineKind | None:
    """The engine whose backup ``path`` looks like, from its first bytes."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def _row_counts(connection: Connection) -> dict[str, int]:
    """Rows per table of the connection's schema, Alembic's bookkeeping left out."""
    names = sorted(set(inspect(connection).get_table_names()) - {REVISION_TABLE})
    return {
        name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in names
    }


def _check_revision(revision: str | None, path: Path) -> None:
    """Refuse a backup whose schema revision this version of Rapport does not know."""
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"{path} is at schema revision {revision}, which this version of Rapport does "
            "not know (a backup from a newer version?)"
        )


@contextmanager
def _private_temp_file(path: Path) -> Iterator[Path]:
    """An empty file next to ``path``, mode 600, removed unless it was renamed away."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield temp
    finally:
        for leftover in (temp, *_side_files(temp)):
            leftover.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    with suppress(OSError):  # not every file system lets a folder be opened
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# -- SQLite -----------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    assert url.database is not None  # checked by _kind
    return Path(url.database)


def _side_files(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in SQLITE_SIDE_FILES]


def _sqlite_connect(path: Path, *, mode: Literal["ro", "rw", "rwc"]) -> sqlite3.Connection:
    """A plain connection to ``path``: no WAL switched on, no file created unless ``rwc``."""
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None
        )
        connection.execute("PRAGMA busy_timeout=5000")
    except sqlite3.Error as error:
        raise BackupError(f"cannot open the SQLite database {path}: {error}") from None
    return connection


def _sqlite_revision(connection: sqlite3.Connection, path: Path) -> str | None:
    """The Alembic revision stored in the SQLite file, refusing a file Rapport never made."""
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (REVISION_TABLE,)
        ).fetchone()
        if found is None:
            raise BackupError(f"{path} holds no Rapport schema (no {REVISION_TABLE} table)")
        row = connection.execute(f"SELECT version_num FROM {REVISION_TABLE}").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from None
    return None if row is None else str(row[0])


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into the (empty) file ``target``, as one self-contained file."""
    with closing(_sqlite_connect(target, mode="rw")) as copy:
        # One step is one read transaction: the copy is the source at a single moment,
        # however many others write meanwhile (in WAL mode they do not wait for it).
        source.backup(copy, pages=-1)
        # The copy inherits WAL mode; leaving it folds everything into the one file.
        copy.execute("PRAGMA journal_mode=DELETE")
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
    if check != "ok":
        raise BackupError(f"the copy is damaged: {check}")


def _sqlite_counts(path: Path) -> dict[str, int]:
    # A plain engine: make_engine would switch the file to WAL mode.
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _row_counts(connection)
    finally:
        engine.dispose()


def _sqlite_backup(url: URL, temp: Path) -> tuple[dict[str, int], str | None]:
    database = _sqlite_file(url)
    if not database.is_file():
        raise BackupError(f"the SQLite database {database} does not exist")
    with closing(_sqlite_connect(database, mode="rw")) as source:
        revision = _sqlite_revision(source, database)
        _sqlite_copy(source, temp)
    return _sqlite_counts(temp), revision


def _sqlite_restore(url: URL, path: Path) -> str | None:
    """Restore the SQLite file ``path`` over the database; the revision it holds."""
    database = _sqlite_file(url)
    if database.exists() and database.resolve() == path.resolve():
        raise BackupError(f"{path} is the configured database itself")
    if not database.parent.is_dir():
        raise BackupError(f"the folder of the SQLite database {database} does not exist")
    with closing(_sqlite_connect(path, mode="ro")) as backup:
        revision = _sqlite_revision(backup, path)
        _check_revision(revision, path)
        with _private_temp_file(database) as temp:
            _sqlite_copy(backup, temp)
            _sqlite_swap(database, temp)
    return revision


def _sqlite_swap(database: Path, new: Path) -> None:
    """Rename ``new`` over ``database`` once nothing of the old one can leak into it."""
    if not database.exists():
        os.replace(new, database)
        _fsync_folder(database.parent)
        return
    _copy_ownership(database, new)
    with closing(_sqlite_connect(database, mode="rw")) as old:
        try:
            # Whoever has it open for more than a moment is not about to let go.
            old.execute("PRAGMA busy_timeout=1000")
            # Exclusive locking keeps every lock this connection takes until it closes.
            old.execute("PRAGMA locking_mode=EXCLUSIVE")
            # Leaving WAL checkpoints the log into the file and deletes -wal and -shm;
            # SQLite allows it only when no other connection has the database open.
            mode = old.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            old.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as error:
            mode = str(error)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"cannot open the SQLite database {database}: {error}") from None
        if mode != "delete":
            raise BackupError(
                f"the SQLite database {database} is in use ({mode}); stop the app and "
                "anything else using it, then restore again"
            )
        # Nobody else can open the database now; what is left beside it is stale.
        for leftover in _side_files(database):
            leftover.unlink(missing_ok=True)
        os.replace(new, database)
        _fsync_folder(database.parent)
        old.execute("ROLLBACK")


def _copy_ownership(old: Path, new: Path) -> None:
    """Give ``new`` the permissions (and, where allowed, the owner) of ``old``."""
    shutil.copymode(old, new)
    status = old.stat()
    with suppress(PermissionError):  # only root may give a file away
        os.chown(new, status.st_uid, status.st_gid)


# -- PostgreSQL -------------------------------------------------------------------------


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client programs of the "
            "server's major version (Debian/Ubuntu: apt install postgresql-client)"
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string for pg_dump and pg_restore, and their environment.

    The password goes in ``PGPASSWORD``, never on the command line, where ``ps`` shows it.
    """
    params: dict[str, str | int | None] = {
        "dbname": url.database,
        "host": url.host,
        "port": url.port,
        "user": url.username,
    }
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else ",".join(value)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo("", **params), env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    """Run a PostgreSQL client program; its standard output, or an error with its message."""
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit code {done.returncode}"
        raise BackupError(f"{what} failed: {message}")
    return done.stdout


def _postgres_backup(url: URL, temp: Path) -> tuple[dict[str, int], str | None]:
    pg_dump = _program("pg_dump")
    conninfo, env = _libpq(url)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            # pg_dump reads the snapshot this transaction exports: the counts and the
            # revision below describe exactly the rows in the dump.
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            if not inspect(connection).has_table(REVISION_TABLE):
                raise BackupError(f"the database holds no Rapport schema (no {REVISION_TABLE})")
            revision = MigrationContext.configure(connection).get_current_revision()
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={temp}",
                    f"--dbname={conninfo}",
                ],
                env,
                "pg_dump",
            )
            rows = _row_counts(connection)
    finally:
        engine.dispose()
    return rows, revision


def _archive_tables(pg_restore: str, path: Path, env: dict[str, str]) -> set[str]:
    """The tables (schema.name) in a pg_dump archive, refusing a file that is not one."""
    listing = _run([pg_restore, "--list", str(path)], env, f"reading {path} as a pg_dump archive")
    return {
        f"{schema}.{name}"
        for schema, name in re.findall(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", listing, re.M)
    }


def _archive_revision(pg_restore: str, path: Path, env: dict[str, str]) -> str | None:
    """The Alembic revision in the archive's data, read without restoring anything."""
    script = _run(
        [pg_restore, "--data-only", f"--table={REVISION_TABLE}", "--file=-", str(path)],
        env,
        f"reading the schema revision of {path}",
    )
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and f".{REVISION_TABLE} " in line:
            first = next(lines, "\\.")
            return None if first == "\\." else first.strip()
    return None


def _postgres_restore(url: URL, path: Path) -> str | None:
    """Restore the pg_dump archive ``path`` into the database; the revision it holds."""
    pg_restore = _program("pg_restore")
    conninfo, env = _libpq(url)
    tables = _archive_tables(pg_restore, path, env)
    if not any(name.endswith(f".{REVISION_TABLE}") for name in tables):
        raise BackupError(f"{path} holds no Rapport schema (no {REVISION_TABLE} table)")
    revision = _archive_revision(pg_restore, path, env)
    _check_revision(revision, path)
    _refuse_extra_tables(url, tables)
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(path),
        ],
        env,
        "pg_restore (nothing was changed)",
    )
    return revision


def _refuse_extra_tables(url: URL, archived: set[str]) -> None:
    """Refuse when the database has tables the backup lacks (from a newer schema).

    ``pg_restore --clean`` drops only what the archive holds, so such tables would stay,
    and their foreign keys would stop the restore anyway.
    """
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            schema = connection.scalar(text("SELECT current_schema()"))
            present = {f"{schema}.{name}" for name in inspect(connection).get_table_names()}
    finally:
        engine.dispose()
    extra = sorted(present - archived)
    if extra:
        raise BackupError(
            f"the database has tables the backup does not ({', '.join(extra)}), probably "
            "from a newer schema; restore into a new, empty database, or drop those first"
        )
