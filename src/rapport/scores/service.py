"""Scoring runs: computing every customer's scores and storing them, and reading them back.

A run writes one ``customer_scores`` row per customer and one ``scoring_runs`` row with
the models' parameters and evaluations, in one transaction: a failed run leaves the
previous scores as they were. Only the newest ``keep_runs`` runs are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

import rapport
from rapport.analytics.common import BadParameter
from rapport.analytics.source import Source
from rapport.bulk import converters, insert_values
from rapport.customers.models import Customer
from rapport.models import metadata
from rapport.scores.models import CustomerScore, ScoringRun
from rapport.scores.scoring import JSON_TEXT, ScoringParams, compute

_TABLE = metadata.tables["customer_scores"]
_BATCH = 100_000  # rows handed to the driver at once (bounds the Python lists' memory)


def run(
    *,
    engine: Engine,
    params: ScoringParams,
    source: Source | None = None,
    keep_runs: int = 3,
    now: datetime | None = None,
) -> ScoringRun:
    """Score every customer from ``source`` (the CRM database behind ``engine`` when None)
    and store the scores and the run in ``engine``'s database; the run is returned."""
    if keep_runs < 1:
        raise BadParameter("keep_runs", "must be at least 1")
    started = (now or datetime.now(UTC)).astimezone(UTC)
    as_of = params.as_of or (started.date() - timedelta(days=1))
    scores = compute(source or Source.from_database(engine), params, as_of)
    version = f"{rapport.__version__}+{started:%Y%m%dT%H%M%S%fZ}"
    with Session(engine) as session, session.begin():
        scoring = ScoringRun(
            version=version, as_of=as_of, started_at=started, finished_at=started,
            customers=scores.table.num_rows, currency=params.currency, models=scores.models,
            timings=scores.timings,
        )  # fmt: skip
        session.add(scoring)
        session.flush()
        written = datetime.now(UTC)
        table = _known_customers(session, scores.table)
        scoring.customers = table.num_rows
        _insert(session, table.to_pydict(), scoring.id, version, started)
        scoring.timings = scores.timings | {"write": round((datetime.now(UTC) - written)
                                                            .total_seconds(), 3)}  # fmt: skip
        scoring.finished_at = datetime.now(UTC)
        _prune(session, keep_runs, scoring.id)
        session.flush()
        session.expunge(scoring)
    return scoring


def _insert(
    session: Session, columns: dict[str, list[Any]], run_id: int, version: str, at: datetime
) -> None:
    names = [*columns, "run_id", "model_version", "computed_at"]
    count = len(columns["customer_id"])
    values: list[Sequence[Any]] = [*columns.values(), [run_id] * count, [version] * count,
                                   [at] * count]  # fmt: skip
    connection = session.connection()
    for index, convert in enumerate(converters(_TABLE, names, connection.dialect.name)):
        if convert is not None and names[index] not in JSON_TEXT:
            values[index] = [convert(value) for value in values[index]]
    rows = list(zip(*values, strict=True))
    for first in range(0, count, _BATCH):
        insert_values(connection, _TABLE, names, rows[first : first + _BATCH])


def _known_customers(session: Session, table: pa.Table) -> pa.Table:
    """``table`` without the customers the database no longer holds (purged while the run
    computed, or only in another ``source``): their rows would break the foreign key and
    lose the whole run."""
    known = np.fromiter(session.scalars(select(Customer.id)), dtype=np.int64)
    return table.filter(pc.is_in(table["customer_id"], pa.array(known)))


def _prune(session: Session, keep_runs: int, current: int) -> None:
    """Forget the runs stored before the newest ``keep_runs`` (by when they were stored,
    whatever day they scored), and their scores; never the run being stored."""
    newest = select(ScoringRun.id).order_by(ScoringRun.id.desc()).limit(keep_runs)
    stale = select(ScoringRun.id).where(ScoringRun.id.not_in(newest), ScoringRun.id != current)
    old = list(session.scalars(stale))
    if old:
        session.execute(delete(CustomerScore).where(CustomerScore.run_id.in_(old)))
        session.execute(delete(ScoringRun).where(ScoringRun.id.in_(old)))


def latest(*, session: Session, customer_id: int) -> CustomerScore | None:
    """The customer's newest scores, if any run has scored them."""
    return latest_for(session=session, customer_ids=[customer_id]).get(customer_id)


def latest_for(*, session: Session, customer_ids: Iterable[int]) -> dict[int, CustomerScore]:
    """The newest scores of each of ``customer_ids`` that has any."""
    wanted = list(customer_ids)
    if not wanted:
        return {}
    newest = (
        select(CustomerScore.customer_id, func.max(CustomerScore.computed_at).label("at"))
        .where(CustomerScore.customer_id.in_(wanted))
        .group_by(CustomerScore.customer_id)
        .subquery()
    )
    stmt = (
        select(CustomerScore)
        .join(
            newest,
            (CustomerScore.customer_id == newest.c.customer_id)
            & (CustomerScore.computed_at == newest.c.at),
        )
        .order_by(CustomerScore.id)
    )
    # Two rows at the same time (scores written before runs were kept): the last stored.
    return {score.customer_id: score for score in session.scalars(stmt)}


def get_run(*, session: Session, run_id: int) -> ScoringRun | None:
    """The scoring run with this id."""
    return session.get(ScoringRun, run_id)


def get_run_by_version(*, session: Session, version: str) -> ScoringRun | None:
    """The scoring run that wrote scores of this ``model_version``."""
    return session.scalars(select(ScoringRun).where(ScoringRun.version == version)).one_or_none()


def list_runs(*, session: Session, limit: int = 20) -> list[ScoringRun]:
    """The newest scoring runs first (by when they were stored)."""
    stmt = select(ScoringRun).order_by(ScoringRun.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def last_as_of(*, session: Session) -> date | None:
    """The day the newest run scored up to, if any run exists."""
    return session.scalars(
        select(ScoringRun.as_of).order_by(ScoringRun.id.desc()).limit(1)
    ).one_or_none()
