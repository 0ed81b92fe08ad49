"""Bring a database's schema to the newest migration (or back), with Alembic."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Index, Table


def migrations_dir() -> Path:
    """The folder of migration scripts: in the source tree, or shipped inside the wheel."""
    shipped = Path(str(resources.files("rapport"))) / "_migrations"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction.

    On SQLite, changing a table means copying it into a new one and dropping the old
    (batch mode); with foreign keys on, dropping ``users`` would set every
    ``customers.owner_id`` to NULL through ON DELETE SET NULL. So foreign keys are off
    while migrating, and checked afterwards: a migration that breaks one fails.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if sqlite and raw is not None:  # outside any transaction, or it does nothing
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``; at the head, also build
    any index a bulk import dropped and could not build again (it was killed)."""
    _run(engine, lambda config: command.upgrade(config, revision))
    if revision == "head":
        from rapport.models import metadata  # the models need the migrated schema only here

        with engine.begin() as connection:
            restore_indexes(connection, metadata.tables.values())


def restore_indexes(connection: Connection, tables: Iterable[Table]) -> list[Index]:
    """Create each index of ``tables`` that the database lacks; the ones created."""
    present = set(connection.exec_driver_sql(_INDEX_NAMES[connection.dialect.name]).scalars())
    created = []
    for table in tables:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index.name not in present:
                index.create(connection)
                created.append(index)
    return created


# (SQLAlchemy's reflection skips expression indexes such as lower(name) on SQLite.)
_INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()",
}


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision``."""
    _run(engine, lambda config: command.downgrade(config, revision))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among the migration scripts."""
    config = alembic_config("sqlite://")
    return ScriptDirectory.from_config(config).get_current_head()
