"""Analytics snapshots kept between requests, so a page answers from memory.

An analysis reads its columns from the CRM database into an in-process DuckDB (see
``Source``). Reading 100,000 customers' orders takes most of a second; the pages keep
each snapshot for ``RAPPORT_ANALYTICS_CACHE_SECONDS`` (five minutes by default) and the
results computed from it, so changing a filter or coming back to a page costs only the
query. A page says how old its figures are.

Snapshots are kept per group of users who see the same records: everyone who sees all
(admins, analysts), each manager's team, and each other user alone. A snapshot's
DuckDB runs one query at a time (a lock), as it is not safe to share between threads.

A snapshot that has expired is still served while a new one is read in the background,
with every figure asked of the old one computed again, so no visitor waits for the
reading. ``warm`` does the same when the server starts, for the pages as they first
open, so the first visitor does not wait either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from rapport.access import Actor
from rapport.analytics.source import Source
from rapport.users.models import Role

_log = logging.getLogger(__name__)


def audience(actor: Actor) -> Hashable:
    """Who else sees exactly the records ``actor`` sees (the snapshot's key)."""
    if actor.role in (Role.ADMIN, Role.ANALYST):
        return "everything"
    if actor.role is Role.MANAGER:
        return ("team", actor.team_id, actor.user_id if actor.team_id is None else None)
    return (actor.role.value, actor.user_id)


Work = Callable[[Source], Any]


@dataclass
class Snapshot:
    """One audience's source, when it was read, its results and the work behind them."""

    source: Source
    read_at: datetime
    started: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: dict[Hashable, Any] = field(default_factory=dict)
    works: dict[Hashable, Work] = field(default_factory=dict)
    refreshing: bool = False


class AnalyticsCache:
    """Snapshots by audience, each kept ``seconds`` before it is read again."""

    def __init__(self, engine: Engine, time_zone: str, seconds: float) -> None:
        self._engine = engine
        self._time_zone = time_zone
        self._seconds = seconds
        self._snapshots: dict[Hashable, Snapshot] = {}
        self._guard = threading.Lock()

    def _new(self, actor: Actor) -> Snapshot:
        source = Source.from_database(self._engine, actor=actor, time_zone=self._time_zone)
        return Snapshot(source, datetime.now(UTC), time.monotonic())

    def snapshot(self, actor: Actor) -> Snapshot:
        """The snapshot of what ``actor`` sees; an expired one starts its replacement."""
        key = audience(actor)
        with self._guard:
            found = self._snapshots.get(key)
            if found is None:
                found = self._snapshots[key] = self._new(actor)
            elif time.monotonic() - found.started > self._seconds and not found.refreshing:
                found.refreshing = True
                threading.Thread(target=self._refresh, args=(actor, found), daemon=True).start()
            return found

    def _refresh(self, actor: Actor, old: Snapshot) -> None:
        """Read a new snapshot, compute on it what was asked of ``old``, then swap."""
        try:
            new = self._new(actor)
            for key, work in list(old.works.items()):
                new.results[key] = work(new.source)
                new.works[key] = work
        except Exception:  # the old snapshot keeps serving; the next request tries again
            old.refreshing = False
            _log.warning("reading a new analytics snapshot failed", exc_info=True)
            return
        with self._guard:
            self._snapshots[audience(actor)] = new

    def compute(self, actor: Actor, key: Hashable, work: Work) -> tuple[Any, datetime]:
        """``work(source)`` on ``actor``'s snapshot, computed once per snapshot and key;
        and when the snapshot was read."""
        snapshot = self.snapshot(actor)
        with snapshot.lock:
            if key not in snapshot.results:
                snapshot.results[key] = work(snapshot.source)
                snapshot.works[key] = work
            return snapshot.results[key], snapshot.read_at

    def warm(self, works: list[tuple[Hashable, Work]]) -> None:
        """Compute ``works`` for the users who see everything (run when the server starts).

        A failure (a database not migrated yet, say) is logged, not raised: the pages
        compute what they need when they are visited."""
        try:
            for key, work in works:
                self.compute(Actor.system(), key, work)
        except Exception:
            _log.warning(
                "the analytics warm-up stopped; pages compute on their first visit", exc_info=True
            )

    def expire(self) -> None:
        """Treat every snapshot as expired: the next visit of each starts its refresh
        (and is still answered from it meanwhile)."""
        with self._guard:
            for snapshot in self._snapshots.values():
                snapshot.started = float("-inf")
