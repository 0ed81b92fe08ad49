"""Analytics snapshots kept between requests, so a page answers from memory.

An analysis reads its columns from the CRM database into an in-process DuckDB (see
``Source``). Reading 100,000 customers' orders takes most of a second; the pages keep
each snapshot for ``RAPPORT_ANALYTICS_CACHE_SECONDS`` (five minutes by default) and the
results computed from it, so changing a filter or coming back to a page costs only the
query. A page says how old its figures are.

Snapshots are kept per group of users who see the same records: everyone who sees all
(admins, analysts), each manager's team, and each other user alone. A snapshot's
DuckDB runs one query at a time (a lock), as it is not safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine

from rapport.access import Actor
from rapport.analytics.source import Source
from rapport.users.models import Role

T = TypeVar("T")


def audience(actor: Actor) -> Hashable:
    """Who else sees exactly the records ``actor`` sees (the snapshot's key)."""
    if actor.role in (Role.ADMIN, Role.ANALYST):
        return "everything"
    if actor.role is Role.MANAGER:
        return ("team", actor.team_id, actor.user_id if actor.team_id is None else None)
    return (actor.role.value, actor.user_id)


@dataclass
class Snapshot:
    """One audience's source, when it was read, and its computed results."""

    source: Source
    read_at: datetime
    started: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: dict[Hashable, Any] = field(default_factory=dict)


class AnalyticsCache:
    """Snapshots by audience, each kept ``seconds`` before it is read again."""

    def __init__(self, engine: Engine, time_zone: str, seconds: float) -> None:
        self._engine = engine
        self._time_zone = time_zone
        self._seconds = seconds
        self._snapshots: dict[Hashable, Snapshot] = {}
        self._guard = threading.Lock()

    def snapshot(self, actor: Actor) -> Snapshot:
        """The fresh snapshot of what ``actor`` sees (a new one when the old expired)."""
        key = audience(actor)
        with self._guard:
            found = self._snapshots.get(key)
            if found is None or time.monotonic() - found.started > self._seconds:
                source = Source.from_database(self._engine, actor=actor, time_zone=self._time_zone)
                found = Snapshot(source, datetime.now(UTC), time.monotonic())
                self._snapshots[key] = found
            return found

    def compute(
        self, actor: Actor, key: Hashable, work: Callable[[Source], T]
    ) -> tuple[T, datetime]:
        """``work(source)`` on ``actor``'s snapshot, computed once per snapshot and key;
        and when the snapshot was read."""
        snapshot = self.snapshot(actor)
        with snapshot.lock:
            if key not in snapshot.results:
                snapshot.results[key] = work(snapshot.source)
            return snapshot.results[key], snapshot.read_at

    def forget(self) -> None:
        """Drop every snapshot (after an import, say, to show new data at once)."""
        with self._guard:
            self._snapshots.clear()
