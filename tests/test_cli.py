"""The ``rapport`` command line, run for real on SQLite files, and its documentation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer.main
from sqlalchemy import Engine, func, select, text
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from rapport import migrate
from rapport.cli import app
from rapport.config import get_settings
from rapport.customers.models import Customer
from rapport.db import make_engine, make_sessionmaker
from rapport.orders.models import Order
from rapport.users import service as user_service
from rapport.users.models import Role

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COMMANDS = typer.main.get_command(app)
assert isinstance(COMMANDS, TyperGroup)

runner = CliRunner()


def _doc_sections() -> dict[str, str]:
    """The text of each ``## `rapport <command>``` section of docs/cli.md, by command."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `rapport (\w+)`\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _said(result: Result) -> str:
    """Everything the command printed, with Rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file that every command sees as ``RAPPORT_DATABASE_URL``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # no .env from elsewhere
    monkeypatch.setenv("RAPPORT_DATABASE_URL", url)
    monkeypatch.delenv("RAPPORT_NEW_PASSWORD", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database, for checking what the commands wrote."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


# -- documentation ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS.commands))
def test_every_command_and_option_is_documented(name: str) -> None:
    sections = _doc_sections()
    assert name in sections, f"docs/cli.md has no '## `rapport {name}`' section"
    options = [
        opt
        for param in COMMANDS.commands[name].params
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    ]
    missing = [opt for opt in options if opt not in sections[name]]
    assert not missing, f"rapport {name}: {missing} not documented in docs/cli.md"


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS.commands:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS.commands))
def test_each_command_has_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"rapport {name}" in _said(result)


# -- init -------------------------------------------------------------------------------


def test_init_migrates_a_new_database_then_finds_it_up_to_date(engine: Engine) -> None:
    head = migrate.head_revision()

    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert f"migrated from empty to revision {head}" in _said(first)
    assert migrate.current_revision(engine) == head

    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0, second.output
    assert f"up to date (revision {head})" in _said(second)


# -- demo -------------------------------------------------------------------------------


def _count(engine: Engine, model: type[Customer] | type[Order]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def test_demo_loads_an_empty_database_once(engine: Engine, tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    args = ["demo", "--customers", "60", "--seed", "3", "--end", "2026-01-31"]

    loaded = runner.invoke(app, [*args, "--truth", str(truth)])
    assert loaded.exit_code == 0, loaded.output
    assert _count(engine, Customer) == 60
    assert _count(engine, Order) > 0
    assert (truth / "truth.json").is_file()
    customers_csv = (truth / "customers.csv").read_text(encoding="utf-8").splitlines()
    assert len(customers_csv) == 1 + 60  # a header, then one line per customer

    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "database is not empty" in _said(again)

    skipped = runner.invoke(app, [*args, "--if-empty"])
    assert skipped.exit_code == 0, skipped.output
    assert "already holds data" in _said(skipped)
    assert _count(engine, Customer) == 60

    checked = runner.invoke(app, ["check", "--end", "2026-01-31"])
    assert checked.exit_code == 0, checked.output
    assert "checks pass" in _said(checked)


# -- check ------------------------------------------------------------------------------


def test_check_reports_a_broken_rule_and_fails(engine: Engine) -> None:
    assert runner.invoke(app, ["demo", "--customers", "30", "--end", "2026-01-31"]).exit_code == 0
    with engine.begin() as connection:
        connection.execute(text("UPDATE order_items SET quantity = quantity + 1 WHERE id = 1"))

    result = runner.invoke(app, ["check", "--end", "2026-01-31"])

    assert result.exit_code == 1
    said = _said(result)
    assert "line total differs from quantity" in said
    assert "1 of" in said and "checks failed" in said


def test_check_without_end_finds_nothing_dated_in_the_future(engine: Engine) -> None:
    assert runner.invoke(app, ["demo", "--customers", "30", "--end", "2026-01-31"]).exit_code == 0
    assert runner.invoke(app, ["check"]).exit_code == 0  # now is after 2026-01-31
    early = runner.invoke(app, ["check", "--end", "2025-06-01"])
    assert early.exit_code == 1
    assert "record dated at or after the end of the history" in _said(early)


def test_demo_refuses_an_end_that_is_not_a_date(engine: Engine) -> None:
    result = runner.invoke(app, ["demo", "--customers", "5", "--end", "2026-13-01"])
    assert result.exit_code == 2
    assert "--end" in _said(result)
    assert migrate.current_revision(engine) is None  # refused before touching the database


def test_demo_needs_at_least_one_customer(database_url: str) -> None:
    result = runner.invoke(app, ["demo", "--customers", "0"])
    assert result.exit_code == 2
    assert "--customers" in _said(result)


# -- createuser -------------------------------------------------------------------------


@pytest.fixture
def initialised(engine: Engine) -> Engine:
    """The test's database, migrated by ``rapport init``."""
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return engine


def _createuser(email: str, password: str) -> Result:
    args = ["--email", email, "--name", "Ann", "--role", "manager", "--password", password]
    return runner.invoke(app, ["createuser", *args])


def test_createuser_creates_a_user_whose_password_verifies(initialised: Engine) -> None:
    result = _createuser("a@example.com", "s3cret-pass")
    assert result.exit_code == 0, result.output
    assert "Created manager a@example.com" in _said(result)

    with make_sessionmaker(initialised)() as session:
        user = user_service.get_by_email(session=session, email="a@example.com")
        assert user is not None
        assert user.name == "Ann"
        assert user.role is Role.MANAGER
        assert user.locale == "en"
        assert user_service.verify_password(user, "s3cret-pass")
        assert not user_service.verify_password(user, "wrong-pass")


def test_createuser_migrates_a_database_never_initialised(engine: Engine) -> None:
    result = _createuser("d@example.com", "s3cret-pass")
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(engine) == migrate.head_revision()
    with make_sessionmaker(engine)() as session:
        assert user_service.get_by_email(session=session, email="d@example.com") is not None


def test_createuser_refuses_an_email_already_taken(initialised: Engine) -> None:
    assert _createuser("a@example.com", "s3cret-pass").exit_code == 0
    result = _createuser("A@Example.com", "other-pass")
    assert result.exit_code == 1
    assert "email:" in _said(result)


def test_createuser_refuses_a_short_password(initialised: Engine) -> None:
    result = _createuser("b@example.com", "short")
    assert result.exit_code == 1
    assert "password:" in _said(result)
    with make_sessionmaker(initialised)() as session:
        assert user_service.get_by_email(session=session, email="b@example.com") is None


def test_createuser_asks_for_the_password_when_left_out(initialised: Engine) -> None:
    result = runner.invoke(
        app,
        ["createuser", "--email", "c@example.com", "--name", "Cai"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    with make_sessionmaker(initialised)() as session:
        user = user_service.get_by_email(session=session, email="c@example.com")
        assert user is not None
        assert user.role is Role.ADMIN
        assert user_service.verify_password(user, "s3cret-pass")


# -- purge ------------------------------------------------------------------------------


def test_purge_reports_what_it_removed(engine: Engine) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    with make_sessionmaker(engine)() as session, session.begin():
        old = datetime.now(UTC) - timedelta(days=45)
        session.add(Customer(name="gone", custom_fields={}, deleted_at=old))

    dry = runner.invoke(app, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would purge 1 deleted records." in _said(dry)
    assert _count(engine, Customer) == 1

    done = runner.invoke(app, ["purge"])
    assert done.exit_code == 0, done.output
    assert "Purged 1 deleted records." in _said(done)
    assert _count(engine, Customer) == 0


# -- backup and restore -----------------------------------------------------------------


def test_backup_then_restore_on_sqlite(engine: Engine, tmp_path: Path) -> None:
    assert runner.invoke(app, ["demo", "--customers", "20", "--end", "2026-01-31"]).exit_code == 0

    made = runner.invoke(app, ["backup"])
    assert made.exit_code == 0, made.output
    (path,) = tmp_path.glob("rapport-backup-*.db")  # the default name, here
    assert f"Backed up the SQLite database to {path.name}" in _said(made)
    assert "schema revision" in _said(made)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM events"))
    engine.dispose()  # a SQLite restore needs the database unused

    again = runner.invoke(app, ["backup", path.name])
    assert again.exit_code == 1
    assert "already exists" in _said(again)

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    refused = runner.invoke(app, ["restore", str(not_a_backup)])
    assert refused.exit_code == 1
    assert "Error: " in _said(refused)
    assert "not a Rapport backup" in _said(refused)

    restored = runner.invoke(app, ["restore", path.name])
    assert restored.exit_code == 0, restored.output
    assert f"Restored {path.name}" in _said(restored)
    assert f"Schema revision {migrate.head_revision()} (the newest)." in _said(restored)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events")) > 0


# -- import -----------------------------------------------------------------------------


def test_import_reports_counts_and_writes_refused_rows(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text(
        "姓名,手机,邮箱\n张三,13800138000,zs@example.cn\n李四,12,ls@example.cn\n",
        encoding="gb18030",
    )
    refused = tmp_path / "refused.csv"

    result = runner.invoke(app, ["import", str(source), "--errors", str(refused)])

    assert result.exit_code == 0, result.output
    said = _said(result)
    assert "created │ 1 │" in said
    assert "refused │ 1 │" in said
    assert _count(engine, Customer) == 1
    rows = refused.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "row,column,value,reason"
    assert rows[1].startswith("3,手机,12,")

    again = runner.invoke(app, ["import", str(source)])
    assert again.exit_code == 0
    assert _count(engine, Customer) == 1


def test_import_all_or_nothing_fails_with_exit_code_1(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text("Name,Email\nGood,good@example.com\nBad,bad\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(source), "--all-or-nothing"])
    assert result.exit_code == 1
    assert "nothing was imported" in _said(result)
    assert _count(engine, Customer) == 0


def test_import_refuses_an_unknown_policy(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_text("Name\nX\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(source), "--policy", "merge"])
    assert result.exit_code == 2
    assert "--policy" in _said(result)
