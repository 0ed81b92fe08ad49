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
so no visitor waits for the reading. The new one computes what was asked of the old
(and nothing older: a filter nobody uses any more is dropped), and the pages as they
open today (``defaults``), so a new day's default period is ready too. ``warm`` does the
same when the server starts.

The results also outlive the process: with ``store`` (``RAPPORT_ANALYTICS_STORE``) they
are written to a file after each refresh and when the server stops, and read back when
it starts. A restarted server answers from them at once, as from an expired snapshot:
with the time they were read shown, while their replacement is read in the background.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine

from rapport import __version__
from rapport.access import Actor
from rapport.analytics.source import Source
from rapport.users.models import Role

_log = logging.getLogger(__name__)

# A stored file is read back only if this format and Rapport's version wrote it.
_STORE_FORMAT: Final = 1


def audience(actor: Actor) -> Hashable:
    """Who else sees exactly the records ``actor`` sees (the snapshot's key)."""
    if actor.role in (Role.ADMIN, Role.ANALYST):
        return "everything"
    if actor.role is Role.MANAGER:
        return ("team", actor.team_id, actor.user_id if actor.team_id is None else None)
    return (actor.role.value, actor.user_id)


Work = Callable[[Source], Any]
Works = Callable[[], list[tuple[Hashable, Work]]]


@dataclass
class Snapshot:
    """One audience's source, when it was read, its results and the work behind them.

    A snapshot read back from the store has results but no source: it answers what it
    holds and is replaced on its first visit.
    """

    source: Source | None
    read_at: datetime
    started: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: dict[Hashable, Any] = field(default_factory=dict)
    works: dict[Hashable, Work] = field(default_factory=dict)
    asked: set[Hashable] = field(default_factory=set)
    """The keys visitors asked of it: its replacement computes them again."""
    refreshing: bool = False
    replaced: threading.Event = field(default_factory=threading.Event)
    """Set once a replacement is in place, or reading one failed."""


class AnalyticsCache:
    """Snapshots by audience, each kept ``seconds`` before it is read again.

    ``defaults`` gives the pages as they open today, computed on each new snapshot;
    ``store`` is the folder where results are kept across restarts (None: not kept).
    """

    def __init__(
        self,
        engine: Engine,
        time_zone: str,
        seconds: float,
        *,
        defaults: Works | None = None,
        store: Path | None = None,
    ) -> None:
        self._engine = engine
        self._time_zone = time_zone
        self._seconds = seconds
        self._defaults = defaults
        self._store = store
        self._snapshots: dict[Hashable, Snapshot] = {}
        self._guard = threading.Lock()
        self._saving = threading.Lock()

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

    @staticmethod
    def _asked(old: Snapshot, done: dict[Hashable, Any]) -> dict[Hashable, Work]:
        """What visitors asked of ``old`` that is not in ``done`` (the caller holds its lock)."""
        return {key: old.works[key] for key in old.asked if key in old.works and key not in done}

    def _refresh(self, actor: Actor, old: Snapshot) -> None:
        """Read a new snapshot, compute on it today's defaults and what was asked of
        ``old``, then swap."""
        try:
            new = self._new(actor)
            source = new.source
            assert source is not None
            wanted = dict(self._defaults()) if self._defaults else {}
            while True:  # visitors may ask ``old`` for more meanwhile
                with old.lock:
                    wanted.update(self._asked(old, new.results))
                    if not wanted:  # what is asked of ``old`` from now on finds the new one
                        with self._guard:
                            self._snapshots[audience(actor)] = new
                        break
                for key, work in wanted.items():
                    new.results[key] = work(source)
                    new.works[key] = work
                wanted = {}
        except Exception:  # the old snapshot keeps serving; the next request tries again
            old.refreshing = False
            old.replaced.set()
            _log.warning("reading a new analytics snapshot failed", exc_info=True)
            return
        old.replaced.set()
        self.save()

    def _readable(self, actor: Actor, stored: Snapshot) -> Snapshot:
        """A snapshot with a source, in place of ``stored`` (read back without one)."""
        stored.replaced.wait(timeout=600)
        with self._guard:
            current = self._snapshots.get(audience(actor))
            if current is None or current.source is None:
                current = self._snapshots[audience(actor)] = self._new(actor)
            return current

    def compute(self, actor: Actor, key: Hashable, work: Work) -> tuple[Any, datetime]:
        """``work(source)`` on ``actor``'s snapshot, computed once per snapshot and key;
        and when the snapshot was read."""
        snapshot = self.snapshot(actor)
        with snapshot.lock:
            if key in snapshot.results or snapshot.source is not None:
                return self._answer(snapshot, key, work)
        # Read back from the store without this result: wait for its replacement.
        snapshot = self._readable(actor, snapshot)
        with snapshot.lock:
            return self._answer(snapshot, key, work)

    @staticmethod
    def _answer(snapshot: Snapshot, key: Hashable, work: Work) -> tuple[Any, datetime]:
        """``work`` on ``snapshot``, once per key (the caller holds its lock)."""
        snapshot.asked.add(key)
        snapshot.works[key] = work
        if key not in snapshot.results:
            assert snapshot.source is not None, "a snapshot read back has no source"
            snapshot.results[key] = work(snapshot.source)
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
            return
        self.save()

    def expire(self) -> None:
        """Treat every snapshot as expired: the next visit of each starts its refresh
        (and is still answered from it meanwhile)."""
        with self._guard:
            for snapshot in self._snapshots.values():
                snapshot.started = float("-inf")

    # Keeping results across restarts. The file is pickled: it is written and read only
    # by the server, in a folder its administrator chose, as the database is; whoever
    # can write there can change the server's data already. A file another version
    # wrote, or one that does not read, is ignored.

    def _store_path(self) -> Path | None:
        if self._store is None:
            return None
        url = self._engine.url.render_as_string(hide_password=False)
        name = hashlib.sha256(url.encode()).hexdigest()[:16]
        return self._store / f"analytics-{name}.pickle"

    def save(self) -> None:
        """Write every snapshot's results to the store (when there is one)."""
        path = self._store_path()
        if path is None:
            return
        with self._guard:
            snapshots = list(self._snapshots.items())
        kept: list[tuple[Hashable, datetime, list[bytes]]] = []
        for key, snapshot in snapshots:
            with snapshot.lock:
                results = list(snapshot.results.items())
            pickled = []
            for item in results:
                try:
                    pickled.append(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
                except Exception:  # a result that does not pickle is computed again
                    continue
            kept.append((key, snapshot.read_at, pickled))
        header = {"format": _STORE_FORMAT, "version": __version__}
        with self._saving:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.partial")
                partial.write_bytes(pickle.dumps((header, kept)))
                os.replace(partial, path)
            except OSError:
                _log.warning("the analytics results could not be kept in %s", path, exc_info=True)

    def load(self) -> int:
        """Read back the results a previous server kept; how many were read. Each comes
        back expired: its first visit starts reading a replacement."""
        path = self._store_path()
        if path is None or not path.exists():
            return 0
        try:
            header, kept = pickle.loads(path.read_bytes())
            if header != {"format": _STORE_FORMAT, "version": __version__}:
                return 0
            count = 0
            with self._guard:
                for key, read_at, pickled in kept:
                    snapshot = Snapshot(None, read_at, float("-inf"))
                    for item in pickled:
                        try:
                            result_key, result = pickle.loads(item)
                        except Exception:  # a result class that changed: computed again
                            continue
                        snapshot.results[result_key] = result
                        count += 1
                    self._snapshots.setdefault(key, snapshot)
            return count
        except Exception:
            _log.warning("the kept analytics results in %s do not read", path, exc_info=True)
            return 0
