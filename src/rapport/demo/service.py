"""Writes the demo data into a database, batch by batch, and its ground truth to files."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update

from rapport.bulk import insert_rows
from rapport.customers.lifecycle import LifecycleThresholds
from rapport.customers.models import Customer
from rapport.demo.params import DemoParams
from rapport.demo.simulate import Simulator
from rapport.demo.world import Rows, World, build_world
from rapport.models import metadata
from rapport.users.models import User

# Parents before children, so every foreign key points at a row already written.
TABLE_ORDER = (
    "teams",
    "users",
    "pipelines",
    "stages",
    "product_categories",
    "products",
    "campaigns",
    "surveys",
    "tags",
    "custom_field_definitions",
    "segments",
    "customers",
    "deals",
    "deal_items",
    "deal_stage_changes",
    "orders",
    "order_items",
    "tickets",
    "interactions",
    "survey_responses",
    "tasks",
    "consents",
    "customer_tags",
    "events",
    "quotas",
)

TRUTH_COLUMNS = (
    "customer_id",
    "kind",
    "channel",
    "converts",
    "converted_by_end",
    "first_purchase_day",
    "purchases",
    "lambda",
    "p",
    "nu",
    "alive_at_end",
    "dropout_day",
    "bought_faulty",
    "unhappy_answers",
)


class DemoError(Exception):
    """The demo data cannot be written (for example: the database is not empty)."""


@dataclass
class DemoSummary:
    """What was written, and how long it took."""

    end: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    truth_dir: Path | None = None


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no customers and no users yet."""
    with engine.connect() as connection:
        customers = connection.scalar(select(func.count()).select_from(Customer))
        users = connection.scalar(select(func.count()).select_from(User))
    return not customers and not users


DEMO_PASSWORD = "rapport-demo"


def give_demo_passwords(engine: Engine) -> int:
    """Give every user without a password the demo's (``DEMO_PASSWORD``); how many got it.

    The demo's people can then sign in, each in their role, to try the pages. Done after
    ``load`` (not in it), since a password hash is salted at random and the demo data must
    be the same for the same seed.
    """
    from rapport.users.service import hash_password

    with engine.begin() as connection:
        result = connection.execute(
            update(User)
            .where(User.password_hash.is_(None))
            .values(password_hash=hash_password(DEMO_PASSWORD))
        )
    return int(result.rowcount or 0)


def load(
    *,
    engine: Engine,
    params: DemoParams,
    thresholds: LifecycleThresholds | None = None,
    truth_dir: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Generate the demo CRM into the (empty, migrated) database behind ``engine``.

    Each batch of customers, with everything around them, is one transaction.
    ``on_progress`` is called with the number of customers written after each batch.
    """
    if not is_empty(engine):
        raise DemoError(
            "the database already holds customers or users; demo data needs an empty one"
        )
    started = time.perf_counter()
    end = params.end or date.today()
    world, world_rows = build_world(params, end)
    summary = DemoSummary(end=end, truth_dir=truth_dir)
    with engine.begin() as connection:
        _write(connection, world_rows, summary)
    simulator = Simulator(params, world, thresholds or LifecycleThresholds())
    truth_file = None
    writer = None
    if truth_dir is not None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        truth_file = (truth_dir / "customers.csv").open("w", newline="", encoding="utf-8")
        writer = csv.DictWriter(truth_file, fieldnames=TRUTH_COLUMNS)
        writer.writeheader()
    try:
        for index, first in enumerate(range(1, params.customers + 1, params.batch_size)):
            count = min(params.batch_size, params.customers - first + 1)
            rows, truth = simulator.batch(first, count, index)
            with engine.begin() as connection:
                _write(connection, rows, summary)
            if writer is not None:
                writer.writerows(truth)
            if on_progress is not None:
                on_progress(count)
    finally:
        if truth_file is not None:
            truth_file.close()
    with engine.begin() as connection:
        _write(connection, {"quotas": _quotas(simulator, world)}, summary)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
    summary.seconds = time.perf_counter() - started
    if truth_dir is not None:
        _write_truth(truth_dir, params, world, summary)
    return summary


def _write(connection: Connection, rows: Rows, summary: DemoSummary) -> None:
    for name in TABLE_ORDER:
        batch = rows.get(name)
        if not batch:
            continue
        if name == "customers":
            batch = [{k: v for k, v in row.items() if not k.startswith("_")} for row in batch]
        insert_rows(connection, metadata.tables[name], batch)
        summary.rows[name] = summary.rows.get(name, 0) + len(batch)


def _quotas(simulator: Simulator, world: World) -> list[dict[str, Any]]:
    """Monthly revenue quotas per rep, set near what each rep usually sells."""
    by_rep: dict[int, list[float]] = {}
    for (rep, _month), revenue in simulator.rep_month_revenue.items():
        by_rep.setdefault(rep, []).append(revenue)
    rows: list[dict[str, Any]] = []
    months = int(world.horizon // 30.4375) + 1
    first_month = world.start.date().replace(day=1)
    for rep in world.rep_ids:
        revenues = by_rep.get(rep, [0.0])
        typical = sorted(revenues)[len(revenues) // 2]
        target = max(1000.0, typical * 1.1)
        period = first_month
        for _ in range(months):
            following = (period + timedelta(days=32)).replace(day=1)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "user_id": rep,
                    "team_id": None,
                    "metric": "revenue",
                    "period_start": period,
                    "period_end": following - timedelta(days=1),
                    "target": round(target) * 100,
                    "currency": "CNY",
                    "created_at": world.start,
                    "updated_at": world.start,
                }
            )
            period = following
    return rows


def _advance_sequences(connection: Connection) -> None:
    """Ids were given explicitly; move PostgreSQL's sequences past them."""
    for name in TABLE_ORDER:
        table = metadata.tables[name]
        if "id" not in table.c:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


def _write_truth(truth_dir: Path, params: DemoParams, world: World, summary: DemoSummary) -> None:
    truth = {
        "params": asdict(params) | {"end": summary.end.isoformat()},
        "start": world.start.isoformat(),
        "end": world.end.isoformat(),
        "day_zero": "days in customers.csv count from 'start'",
        "channel_conversion_rates": {c.name: c.conversion_rate for c in params.channels},
        "rows": summary.rows,
    }
    with (truth_dir / "truth.json").open("w", encoding="utf-8") as handle:
        json.dump(truth, handle, ensure_ascii=False, indent=2, default=str)
