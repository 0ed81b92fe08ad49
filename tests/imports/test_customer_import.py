"""Importing customers from files: every good row once, every bad row reported, on both engines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from rapport import migrate
from rapport.access import Actor
from rapport.audit.models import ChangeSource
from rapport.customers.models import Customer, CustomerKind
from rapport.db import make_engine, make_sessionmaker, session_scope
from rapport.imports import service
from rapport.imports.models import ImportJob, ImportRowError, ImportStatus
from rapport.users.models import Role, User
from tests.conftest import empty_database
from tests.imports.killing import run_until_killed

ACTOR = Actor.system(ChangeSource.IMPORT)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a new, migrated database of each engine, with one sales rep."""
    with empty_database(request.param, tmp_path) as url:
        engine: Engine = make_engine(url)
        migrate.upgrade(engine)
        made = make_sessionmaker(engine)
        with session_scope(made) as session:
            session.add(User(email="li.na@example.com", name="李娜", role=Role.REP))
        yield made
        engine.dispose()


def _import(factory: sessionmaker[Session], path: Path, **options: object) -> ImportJob:
    preset = options.pop("preset", None)
    mapping = options.pop("mapping", None)
    with session_scope(factory) as session:
        job = service.start(
            session=session,
            actor=ACTOR,
            path=path,
            preset=preset,  # type: ignore[arg-type]
            mapping=mapping,
            options=service.Options(**options),
        )  # type: ignore[arg-type]
        job_id = job.id
    return service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)


def _customers(factory: sessionmaker[Session]) -> list[Customer]:
    with factory() as session:
        return list(session.scalars(select(Customer).order_by(Customer.id)))


def _errors(factory: sessionmaker[Session], job_id: int) -> list[list[str]]:
    with factory() as session:
        return list(service.error_lines(session=session, job_id=job_id))[1:]


GENERIC_ROWS = [
    ["姓名", "手机", "邮箱", "省份", "城市", "生日", "性别", "公司名称"],
    ["王小明", "138 0013 8000", "Xiaoming@Example.cn", "浙江", "杭州", "1990年2月28日", "男",
     "星辰科技"],
    ["李四", "12345", "lisi@example.cn", "江苏", "南京", "", "女", ""],
    ["", "13900139000", "", "", "", "", "", ""],
    ["赵六", "13700137000", "not-an-email", "", "", "1985/13/01", "", "星辰科技"],
    ["陈七", "+86 136 0000 0000", "chen7@example.cn", "广东", "深圳", "1988-08-08", "女", ""],
]  # fmt: skip


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_gb18030_file_with_bad_rows_lands_the_good_ones_and_reports_the_rest(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "客户.csv", GENERIC_ROWS, "gb18030")
    job = _import(factory, path)

    assert job.status is ImportStatus.DONE
    assert job.preset == "generic"
    assert (job.created_rows, job.error_rows) == (2, 3)
    people = {c.name: c for c in _customers(factory) if c.kind is CustomerKind.PERSON}
    assert set(people) == {"王小明", "陈七"}
    wang = people["王小明"]
    assert (wang.phone, wang.email, wang.city) == ("+8613800138000", "xiaoming@example.cn", "杭州")
    assert (wang.birthday, wang.gender, wang.name_latin) == (
        date(1990, 2, 28),
        "male",
        "Wang Xiaoming",
    )
    company = next(c for c in _customers(factory) if c.kind is CustomerKind.COMPANY)
    assert (company.name, wang.company_id) == ("星辰科技", company.id)
    errors = _errors(factory, job.id)
    assert [e[0] for e in errors] == ["3", "4", "5", "5"]
    assert errors[0][1:3] == ["手机", "12345"]
    assert errors[1][1] == "姓名" and "name" in errors[1][3]
    assert {tuple(e[1:3]) for e in errors[2:]} == {("邮箱", "not-an-email"), ("生日", "1985/13/01")}


def test_a_refused_row_keeps_the_words_its_reason_is_said_with(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    job = _import(factory, _write_csv(tmp_path / "客户.csv", GENERIC_ROWS, "utf-8"))
    with factory() as session:
        stmt = select(ImportRowError).where(ImportRowError.job_id == job.id)
        kept = {e.column: e for e in session.scalars(stmt)}
    email, birthday = kept["邮箱"], kept["生日"]
    assert email.reason_template == "“%(text)s” is not an email address."
    assert email.reason_params == {"text": "not-an-email"}
    assert "not-an-email" in email.reason and email.reason != email.reason_template
    assert (birthday.reason, birthday.reason_template) == (
        "month must be in 1..12",
        "is not a real date",
    )
    assert kept["姓名"].reason == "is empty: every customer needs a name"
    assert kept["姓名"].reason_template is None  # its English is its msgid


def test_importing_the_same_file_twice_creates_no_duplicates(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "c.csv", GENERIC_ROWS, "utf-8-sig")
    _import(factory, path)
    again = _import(factory, path)
    assert (again.created_rows, again.updated_rows, again.skipped_rows) == (0, 0, 2)
    assert len(_customers(factory)) == 3  # two people and the company


def test_policies_overwrite_and_fill_change_matched_customers(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    first = [["Name", "Email", "City", "Job title"], ["Ann Lee", "ann@example.com", "", "Buyer"]]
    _import(factory, _write_csv(tmp_path / "a.csv", first, "utf-8"))
    second = [["Name", "Email", "City", "Job title"],
              ["Ann Lee", "ANN@example.com", "Shanghai", "Head of purchasing"]]  # fmt: skip
    path = _write_csv(tmp_path / "b.csv", second, "utf-8")
    filled = _import(factory, path, policy="fill")
    ann = _customers(factory)[0]
    assert filled.updated_rows == 1
    assert (ann.city, ann.job_title) == ("Shanghai", "Buyer")
    _import(factory, path, policy="overwrite")
    assert _customers(factory)[0].job_title == "Head of purchasing"


def test_a_killed_import_resumes_without_duplicates_or_losses(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [["Name", "Email"]] + [[f"Person {i}", f"p{i}@example.com"] for i in range(10)]
    path = _write_csv(tmp_path / "many.csv", rows, "utf-8")
    with session_scope(factory) as session:
        job_id = service.start(session=session, actor=ACTOR, path=path,
                               options=service.Options(batch_size=3)).id  # fmt: skip

    halfway = run_until_killed(factory, ACTOR, job_id, path)
    assert (halfway.status, halfway.last_committed_row) == (ImportStatus.RUNNING, 4)
    assert len(_customers(factory)) == 3

    done = service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)
    assert (done.status, done.created_rows) == (ImportStatus.DONE, 10)
    emails = [c.email for c in _customers(factory)]
    assert sorted(emails) == sorted(f"p{i}@example.com" for i in range(10))


def test_a_dry_run_reports_without_writing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "c.csv", GENERIC_ROWS, "utf-8")
    job = _import(factory, path, dry_run=True)
    assert (job.created_rows, job.error_rows) == (2, 3)
    assert _customers(factory) == []


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "c.csv", GENERIC_ROWS, "utf-8")
    job = _import(factory, path, atomic=True)
    assert job.status is ImportStatus.FAILED
    assert "nothing was imported" in (job.error or "")
    assert _customers(factory) == []
    assert len(_errors(factory, job.id)) == 4


def test_hubspot_export_in_xlsx_is_recognised(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Record ID", "First Name", "Last Name", "Email", "Phone Number",
                  "Company Name", "Create Date", "Contact owner email"])  # fmt: skip
    sheet.append([901, "Emily", "Chen", "emily@example.com", 13512345678, "Acme Ltd",
                  datetime(2024, 3, 1, 9, 30), "li.na@example.com"])  # fmt: skip
    path = tmp_path / "hubspot.xlsx"
    book.save(path)

    job = _import(factory, path)

    assert (job.preset, job.created_rows, job.error_rows) == ("hubspot", 1, 0)
    emily = next(c for c in _customers(factory) if c.kind is CustomerKind.PERSON)
    assert (emily.name, emily.external_id, emily.phone) == ("Emily Chen", "901", "+8613512345678")
    assert emily.created_at == datetime(2024, 3, 1, 9, 30, tzinfo=emily.created_at.tzinfo)
    with factory() as session:
        owner = session.scalar(select(User.id).where(User.email == "li.na@example.com"))
        companies = session.scalar(select(func.count()).where(Customer.kind == "company"))
    assert (emily.owner_id, companies) == (owner, 1)


def test_a_mapping_overrides_the_preset(factory: sessionmaker[Session], tmp_path: Path) -> None:
    rows = [["客户", "联络手机", "Notes"], ["周八", "13800001111", "VIP"]]
    path = _write_csv(tmp_path / "c.csv", rows, "utf-8")
    job = _import(factory, path, mapping={"联络手机": "mobile"})
    assert (job.created_rows, job.error_rows) == (1, 0)
    zhou = _customers(factory)[0]
    assert (zhou.name, zhou.phone, zhou.notes) == ("周八", "+8613800001111", "VIP")


def test_rows_checked_in_a_second_process_give_the_same_result(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [GENERIC_ROWS[0]] + [row[:] for _ in range(3) for row in GENERIC_ROWS[1:]]
    for i, row in enumerate(rows[1:]):  # different people, same kinds of mistakes
        row[2] = row[2].replace("@", f"{i}@") if "@" in row[2] else row[2]
        row[1] = row[1].replace("0", str(i % 10), 1) if len(row[1]) > 5 else row[1]
    path = _write_csv(tmp_path / "c.csv", rows, "utf-8")
    inline = _import(factory, path, batch_size=4)
    stored = _stored(factory)
    with session_scope(factory) as session:
        session.execute(delete(Customer))
    monkeypatch.setattr(service, "PARALLEL_FROM_BYTES", 0)  # and the indexes left till last
    parallel = _import(factory, path, batch_size=4)
    assert parallel.created_rows == inline.created_rows > 0
    assert _errors(factory, parallel.id) == _errors(factory, inline.id)
    assert _stored(factory) == stored
    people = [c for c in _customers(factory) if c.kind is CustomerKind.PERSON]
    assert len(people) == parallel.created_rows
    assert all(c.name_latin and c.created_at for c in people)
    with factory() as session:
        assert migrate.restore_indexes(session.connection(), [Customer.__table__]) == []


def _stored(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    """Every customer's columns but the id and times, in name order."""
    columns = [c for c in Customer.__table__.c if c.key not in ("id", "company_id", "created_at",
                                                                 "updated_at")]  # fmt: skip
    with factory() as session:
        return sorted(tuple(row) for row in session.execute(select(*columns)))


def test_indexes_left_out_by_a_killed_import_are_built_again(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [GENERIC_ROWS[0]] + [[f"客户{i}", f"1380000{i:04d}", "", "", "", "", "", ""]
                                for i in range(10)]  # fmt: skip
    path = _write_csv(tmp_path / "c.csv", rows, "utf-8")
    monkeypatch.setattr(service, "PARALLEL_FROM_BYTES", 0)
    with session_scope(factory) as session:
        job = service.start(session=session, actor=ACTOR, path=path,
                            options=service.Options(batch_size=4))  # fmt: skip
        job_id = job.id
    dropped = service._defer_indexes(factory, job, path)  # as a run does, then dies
    if factory.kw["bind"].dialect.name == "postgresql":
        assert dropped == []  # PostgreSQL keeps its indexes while importing
        return
    assert "ix_customers_lower_name" in dropped and "ix_customers_phone" not in dropped
    with factory() as session:
        listed = session.connection().exec_driver_sql(migrate._INDEX_NAMES["sqlite"])
        present = set(listed.scalars())
    assert not present & set(dropped)
    job = service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)
    assert job.created_rows == 10
    with factory() as session:
        assert migrate.restore_indexes(session.connection(), [Customer.__table__]) == []
    service._defer_indexes(factory, job, path)
    migrate.upgrade(factory.kw["bind"])  # what the next start of Rapport does
    with factory() as session:
        assert migrate.restore_indexes(session.connection(), [Customer.__table__]) == []
