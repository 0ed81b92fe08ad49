"""Importing orders, deals, interactions, tickets, answers and events, on both engines.

Each file mixes good rows with bad ones; the good land once (a second import of the same
file adds nothing), the bad are reported with row, column, value and reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from rapport import migrate
from rapport.access import Actor
from rapport.audit.models import ChangeSource
from rapport.customers.models import Customer
from rapport.db import make_engine, make_sessionmaker, session_scope
from rapport.deals import pipelines
from rapport.deals.models import Deal, DealStageChange, DealStatus, StageOutcome
from rapport.deals.schemas import PipelineCreate, StageCreate
from rapport.errors import Invalid
from rapport.events.models import Event
from rapport.imports import service
from rapport.imports.models import ImportJob, ImportStatus
from rapport.interactions.models import Interaction, InteractionKind
from rapport.orders.models import Order, OrderItem, OrderStatus
from rapport.products import service as products
from rapport.products.schemas import ProductCreate
from rapport.surveys import service as surveys
from rapport.surveys.models import SurveyKind, SurveyResponse
from rapport.surveys.schemas import SurveyCreate
from rapport.tickets.models import Ticket, TicketStatus
from rapport.users.models import Role, User
from tests.conftest import empty_database
from tests.imports.killing import run_until_killed

ACTOR = Actor.system(ChangeSource.IMPORT)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated database with a rep, three customers, two products, a pipeline and an NPS
    survey."""
    with empty_database(request.param, tmp_path) as url:
        engine: Engine = make_engine(url)
        migrate.upgrade(engine)
        made = make_sessionmaker(engine)
        with session_scope(made) as session:
            session.add(User(email="li.na@example.com", name="李娜", role=Role.REP))
            session.add_all([
                Customer(name="王小明", name_latin="Wang Xiaoming", external_id="C-1",
                         email="wang@example.cn", phone="+8613800138000"),
                Customer(name="Acme Ltd", name_latin="Acme Ltd", kind="company",
                         external_id="C-2", email="buy@acme.example"),
                Customer(name="陈七", name_latin="Chen Qi", phone="+8613600000000"),
            ])  # fmt: skip
            for sku, name, price in (("TEA-1", "龙井茶", 12_800), ("CUP-2", "Tea cup", 3_500)):
                data = ProductCreate(sku=sku, name=name, unit_price_minor=price)
                products.create(session=session, actor=ACTOR, data=data)
            pipelines.create_pipeline(session=session, actor=ACTOR, data=PipelineCreate(
                name="Sales", is_default=True, stages=[
                    StageCreate(name="Qualification", probability=10),
                    StageCreate(name="Proposal", probability=50),
                    StageCreate(name="Won", probability=100, outcome=StageOutcome.WON),
                    StageCreate(name="Lost", outcome=StageOutcome.LOST),
                ]))  # fmt: skip
            surveys.create(session=session, actor=ACTOR,
                           data=SurveyCreate(name="NPS 2026", kind=SurveyKind.NPS,
                                             question="How likely …?"))  # fmt: skip
        yield made
        engine.dispose()


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _import(
    factory: sessionmaker[Session], path: Path, entity: str, **options: object
) -> ImportJob:
    with session_scope(factory) as session:
        job = service.start(session=session, actor=ACTOR, path=path, entity=entity,
                            options=service.Options(**options))  # type: ignore[arg-type]  # fmt: skip
        job_id = job.id
    return service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)


def _errors(factory: sessionmaker[Session], job_id: int) -> list[list[str]]:
    with factory() as session:
        return list(service.error_lines(session=session, job_id=job_id))[1:]


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


ORDERS = [
    ["订单号", "客户邮箱", "下单时间", "订单状态", "商品编码", "数量", "单价", "折扣"],
    ["SO-1", "wang@example.cn", "2026-03-01 10:00", "已支付", "TEA-1", "2", "128.00", ""],
    ["SO-1", "wang@example.cn", "2026-03-01 10:00", "已支付", "CUP-2", "1", "", "5"],
    ["SO-2", "buy@acme.example", "2026/4/2", "paid", "NOPE-9", "1", "", ""],
    ["SO-3", "nobody@example.cn", "2026-04-03", "paid", "TEA-1", "1", "", ""],
    ["SO-4", "buy@acme.example", "2026-04-04", "refunded", "TEA-1", "1", "", ""],
    ["SO-4", "buy@acme.example", "2026-04-04", "refunded", "CUP-2", "zero", "", ""],
    ["SO-5", "buy@acme.example", "2026-05-05", "已取消", "CUP-2", "3", "¥30.5", ""],
]  # fmt: skip


def test_orders_land_with_their_items_and_a_bad_line_refuses_its_whole_order(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _csv(tmp_path / "订单.csv", ORDERS, "gb18030")
    job = _import(factory, path, "order", batch_size=2)  # SO-1's lines stay together

    assert job.status is ImportStatus.DONE
    assert (job.created_rows, job.error_rows) == (3, 4), _errors(factory, job.id)
    with factory() as session:
        placed = {o.number: o for o in session.scalars(select(Order))}
        assert set(placed) == {"SO-1", "SO-5"}
        first = placed["SO-1"]
        assert first.ordered_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
        assert first.status is OrderStatus.PAID
        lines = sorted((i.quantity, i.unit_price_minor, i.discount_minor, i.line_total_minor)
                       for i in first.items)  # fmt: skip
        assert lines == [(1, 3_500, 500, 3_000), (2, 12_800, 0, 25_600)]
        assert first.total_minor == 28_600
        assert placed["SO-5"].status is OrderStatus.CANCELLED
        assert placed["SO-5"].total_minor == 9_150
    errors = _errors(factory, job.id)
    assert [e[0] for e in errors] == ["4", "5", "6", "7"]
    assert errors[0][1:3] == ["商品编码", "NOPE-9"]
    assert errors[1][1:3] == ["客户邮箱", "nobody@example.cn"]
    assert "line 7" in errors[2][3] and errors[3][1:3] == ["数量", "zero"]

    again = _import(factory, path, "order")
    assert (again.created_rows, again.skipped_rows, again.error_rows) == (0, 3, 4)
    assert _count(factory, Order) == 2 and _count(factory, OrderItem) == 3


def test_overwrite_changes_a_stored_order_and_fill_leaves_it(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _import(factory, _csv(tmp_path / "a.csv", ORDERS[:3]), "order")
    changed = [row[:] for row in ORDERS[:3]]
    changed[2][5] = "4"  # four cups now
    path = _csv(tmp_path / "b.csv", changed)
    assert _import(factory, path, "order", policy="fill").skipped_rows == 2
    job = _import(factory, path, "order", policy="overwrite")
    assert (job.updated_rows, job.created_rows) == (2, 0)
    with factory() as session:
        order = session.scalars(select(Order)).one()
        assert sorted(i.quantity for i in order.items) == [2, 4]
        assert order.total_minor == 25_600 + 4 * 3_500 - 500


DEALS = [
    ["Deal Name", "Account Name", "Stage", "Amount", "Closing Date", "Created Time",
     "Reason For Loss", "Deal Owner"],
    ["Tea for Acme", "Acme Ltd", "Closed Won", "12,000.00", "2026-05-20", "2026-04-01 09:00",
     "", "li.na@example.com"],
    ["Cups", "Acme Ltd", "Closed Lost", "800", "2026-05-01", "2026-04-10", "price", ""],
    ["Renewal", "C-1", "Proposal", "5000", "2026-12-01", "", "", ""],
    ["Renewal 2", "王小明", "Negotiation", "5000", "", "", "", ""],
    ["Odd", "Acme Ltd", "Qualification", "-3", "", "", "", ""],
    ["Backwards", "Acme Ltd", "Closed Won", "1", "2026-01-01", "2026-02-01", "", ""],
]  # fmt: skip


def test_deals_from_a_zoho_export_keep_their_outcome_and_dates(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    job = _import(factory, _csv(tmp_path / "Deals.csv", DEALS), "deal")

    assert (job.created_rows, job.error_rows) == (2, 4)
    with factory() as session:
        deals = {d.name: d for d in session.scalars(select(Deal))}
        won, lost = deals["Tea for Acme"], deals["Cups"]
        assert won.status is DealStatus.WON and won.amount_minor == 1_200_000
        assert won.created_at == datetime(2026, 4, 1, 9, tzinfo=UTC)
        assert won.closed_at == datetime(2026, 5, 20, tzinfo=UTC)
        moves = session.scalars(select(DealStageChange).where(
            DealStageChange.deal_id == won.id).order_by(DealStageChange.id)).all()  # fmt: skip
        assert [m.changed_at.date() for m in moves] == [date(2026, 4, 1), date(2026, 5, 20)]
        assert lost.status is DealStatus.LOST and lost.lost_reason == "price"
        assert won.owner_id is not None and lost.owner_id is None
    errors = {e[0]: e for e in _errors(factory, job.id)}
    assert set(errors) == {"4", "5", "6", "7"}
    assert errors["4"][1:3] == ["Account Name", "C-1"]  # an external id is not a name
    assert errors["5"][1] == "Stage" and "Qualification" in errors["5"][3]
    assert errors["6"][1:3] == ["Amount", "-3"]
    assert errors["7"][1] == "Closing Date" and "before the deal was created" in errors["7"][3]

    again = _import(factory, _csv(tmp_path / "Deals.csv", DEALS), "deal")
    assert (again.created_rows, again.skipped_rows) == (0, 2)


INTERACTIONS = [
    ["客户", "跟进方式", "跟进时间", "跟进内容", "通话时长", "跟进人"],
    ["王小明", "电话", "2026-06-01 14:00", "介绍新茶", "3:05", "李娜"],
    ["陈七", "微信", "2026-06-02", "发了报价", "", ""],
    ["陈七", "飞鸽传书", "2026-06-03", "", "", ""],
    ["不存在的人", "电话", "2026-06-03", "", "", ""],
    ["王小明", "拜访", "2026-06-04", "", "", "王五"],
]  # fmt: skip


def test_interactions_with_chinese_headers_and_words(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _csv(tmp_path / "跟进记录.csv", INTERACTIONS, "gb18030")
    job = _import(factory, path, "interaction")

    assert (job.created_rows, job.error_rows) == (2, 3)
    with factory() as session:
        call = session.scalars(select(Interaction).where(
            Interaction.kind == InteractionKind.CALL)).one()  # fmt: skip
        assert (call.duration_seconds, call.body) == (185, "介绍新茶")
        assert call.user_id is not None
    reasons = {e[0]: e[1:] for e in _errors(factory, job.id)}
    assert reasons["4"][:2] == ["跟进方式", "飞鸽传书"]
    assert reasons["5"][:2] == ["客户", "不存在的人"]
    assert reasons["6"][:2] == ["跟进人", "王五"]
    assert _import(factory, path, "interaction").skipped_rows == 2
    assert _count(factory, Interaction) == 2


def test_tickets_from_salesforce_cases_keep_their_resolution_times(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["Case Number", "Contact Email", "Subject", "Status", "Priority", "Case Origin",
         "Date/Time Opened", "Date/Time Closed"],
        ["00001001", "wang@example.cn", "Tea arrived broken", "Closed", "High", "Phone",
         "2026-07-01 08:00", "2026-07-02 18:00"],
        ["00001002", "wang@example.cn", "Where is my order?", "New", "Medium", "Web",
         "2026-07-03", ""],
        ["00001003", "wang@example.cn", "", "New", "Medium", "Web", "2026-07-03", ""],
        ["00001004", "wang@example.cn", "Late", "Closed", "Low", "Web", "2026-07-05",
         "2026-07-04"],
    ]  # fmt: skip
    job = _import(factory, _csv(tmp_path / "cases.csv", rows), "ticket")
    assert (job.created_rows, job.error_rows) == (2, 2)
    with factory() as session:
        closed = session.scalars(select(Ticket).where(Ticket.external_id == "00001001")).one()
        assert closed.status is TicketStatus.CLOSED
        assert closed.closed_at == closed.resolved_at == datetime(2026, 7, 2, 18, tzinfo=UTC)
    errors = {e[0]: e[1:] for e in _errors(factory, job.id)}
    assert errors["4"][0] == "Subject"
    assert errors["5"][0] == "Date/Time Closed" and "before the ticket was opened" in errors["5"][2]


def test_survey_answers_are_checked_against_the_survey_scale(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["问卷", "客户编号", "评分", "意见", "提交时间"],
        ["NPS 2026", "C-1", "9", "茶很好", "2026-08-01"],
        ["NPS 2026", "C-2", "11", "", "2026-08-01"],
        ["满意度", "C-2", "5", "", "2026-08-01"],
        ["NPS 2026", "C-2", "3", "太贵了", "2026-08-02"],
    ]  # fmt: skip
    path = _csv(tmp_path / "nps.csv", rows)
    job = _import(factory, path, "survey_response")
    assert (job.created_rows, job.error_rows) == (2, 2)
    errors = {e[0]: e[1:] for e in _errors(factory, job.id)}
    assert errors["3"][:2] == ["评分", "11"] and "from 0 to 10" in errors["3"][2]
    assert errors["4"][:2] == ["问卷", "满意度"]
    assert _import(factory, path, "survey_response").skipped_rows == 2
    assert _count(factory, SurveyResponse) == 2


def test_events_of_known_and_anonymous_visitors(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["Event", "Session ID", "Timestamp", "Visitor ID", "Email", "Page", "SKU"],
        ["view", "s1", "2026-09-01 10:00:00", "v1", "", "/tea", "TEA-1"],
        ["add_to_cart", "s1", "2026-09-01 10:01:00", "v1", "wang@example.cn", "/tea", "TEA-1"],
        ["view", "", "2026-09-01 10:02:00", "v1", "", "/", ""],
        ["view", "s2", "yesterday", "v2", "", "/", ""],
    ]  # fmt: skip
    path = _csv(tmp_path / "events.csv", rows)
    job = _import(factory, path, "event")
    assert (job.created_rows, job.error_rows) == (2, 2)
    with factory() as session:
        known = session.scalars(select(Event).where(Event.customer_id.is_not(None))).one()
        assert known.name == "add_to_cart" and known.product_id is not None
    assert _import(factory, path, "event").skipped_rows == 2
    assert _count(factory, Event) == 2


def test_a_dry_run_of_orders_writes_nothing_and_all_or_nothing_refuses_the_file(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _csv(tmp_path / "o.csv", ORDERS)
    dry = _import(factory, path, "order", dry_run=True)
    assert (dry.created_rows, dry.error_rows) == (3, 4)
    atomic = _import(factory, path, "order", atomic=True)
    assert atomic.created_rows == 0 and atomic.error is not None
    assert _count(factory, Order) == 0


def test_a_file_without_the_columns_a_record_needs_is_refused_by_name(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _csv(tmp_path / "o.csv", [["订单号", "客户邮箱"], ["SO-1", "wang@example.cn"]])
    with session_scope(factory) as session, pytest.raises(Invalid) as raised:
        service.start(session=session, actor=ACTOR, path=path, entity="order")
    assert "ordered_at" in raised.value.message
    with session_scope(factory) as session, pytest.raises(Invalid) as raised:
        service.start(session=session, actor=ACTOR, path=path, entity="quote")
    assert raised.value.problems[0].path == ("entity",)


def test_a_killed_order_import_resumes_with_every_line_once(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    header = ["Order Number", "Customer ID", "Order Date", "SKU", "Qty"]
    rows = [header] + [[f"SO-{n // 2}", "C-1", "2026-10-01", ("TEA-1", "CUP-2")[n % 2], "1"]
                       for n in range(9)]  # fmt: skip
    path = _csv(tmp_path / "orders.csv", rows)
    with session_scope(factory) as session:
        job_id = service.start(session=session, actor=ACTOR, path=path, entity="order",
                               options=service.Options(batch_size=3)).id  # fmt: skip

    halfway = run_until_killed(factory, ACTOR, job_id, path)
    # three rows asked for, but SO-1's second line came with its first
    assert halfway.last_committed_row == 5
    assert _count(factory, OrderItem) == 4

    done = service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)
    assert (done.status, done.created_rows, done.error_rows) == (ImportStatus.DONE, 9, 0)
    assert (_count(factory, Order), _count(factory, OrderItem)) == (5, 9)


def test_orders_from_xlsx_with_numeric_cells(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order ID", "Customer Phone", "Order Date", "Product Name", "Quantity", "Price"])
    sheet.append(["A-1", 13800138000, datetime(2026, 10, 2, 9, 30), "龙井茶", 2, 99.5])
    sheet.append(["A-2", 13800138000, datetime(2026, 10, 3), "Tea cup", 1.5, 10])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    job = _import(factory, path, "order")
    assert (job.created_rows, job.error_rows) == (1, 1)
    with factory() as session:
        order = session.scalars(select(Order)).one()
        assert (order.number, order.total_minor) == ("A-1", 19_900)
        assert order.ordered_at == datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
    assert _errors(factory, job.id)[0][1:3] == ["Quantity", "1.5"]


def test_a_mapping_can_leave_out_a_column_the_file_should_not_use(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["Deal Name", "Associated Company", "Pipeline", "Deal Stage", "Amount"],
        ["Big one", "Acme Ltd", "Sales Pipeline", "Proposal", "10"],
    ]
    path = _csv(tmp_path / "hubspot-deals.csv", rows)
    refused = _import(factory, path, "deal")
    assert _errors(factory, refused.id)[0][1:3] == ["Pipeline", "Sales Pipeline"]
    with session_scope(factory) as session:
        job_id = service.start(session=session, actor=ACTOR, path=path, entity="deal",
                               mapping={"Pipeline": ""}).id  # fmt: skip
    job = service.run(factory=factory, actor=ACTOR, job_id=job_id, path=path)
    assert (job.created_rows, job.error_rows) == (1, 0)
