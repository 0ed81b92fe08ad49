"""The analytics snapshots: shared by users who see the same records, refreshed in the
background when they expire, while the old one goes on answering, and kept across a
restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from rapport.access import Actor
from rapport.db import make_engine
from rapport.reports import cache as cache_module
from rapport.reports.cache import AnalyticsCache, audience
from rapport.users.models import Role
from tests.analytics.conftest import customer_row, load_tables


def test_audiences_group_users_who_see_the_same_records() -> None:
    assert audience(Actor(1, Role.ADMIN)) == audience(Actor(2, Role.ANALYST))
    assert audience(Actor(3, Role.MANAGER, team_id=5)) == audience(
        Actor(4, Role.MANAGER, team_id=5)
    )
    assert audience(Actor(3, Role.MANAGER, team_id=5)) != audience(
        Actor(4, Role.MANAGER, team_id=6)
    )
    assert audience(Actor(7, Role.REP, team_id=5)) != audience(Actor(8, Role.REP, team_id=5))


def test_an_expired_snapshot_answers_while_the_new_one_is_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    load_tables(url, {"customers": [customer_row(1, "web"), customer_row(2, "web")]})
    engine = make_engine(url)
    cache = AnalyticsCache(engine, "UTC", seconds=3600)
    admin = Actor(1, Role.ADMIN)
    calls: list[int] = []

    def count(source: Any) -> int:
        calls.append(1)
        return int(
            source.to_arrow(source.table("customers").count().name("n").as_table())[0][0].as_py()
        )

    first, read_at = cache.compute(admin, "count", count)
    again, same = cache.compute(Actor(2, Role.ANALYST), "count", count)
    assert (first, again, same, len(calls)) == (2, 2, read_at, 1)  # computed once, shared
    load_tables(url, {"customers": [customer_row(3, "web")]})
    cache.expire()
    stale, when = cache.compute(admin, "count", count)
    assert (stale, when) == (2, read_at)  # the expired snapshot still answers at once
    for _ in range(100):  # meanwhile the new one is read, with what was asked of the old
        fresh, newer = cache.compute(admin, "count", count)
        if fresh == 3:
            break
        time.sleep(0.05)
    assert (fresh, newer > read_at) == (3, True)
    engine.dispose()


def _counter(calls: list[int]) -> Any:
    def count(source: Any) -> int:
        calls.append(1)
        table = source.table("customers").count().name("n").as_table()
        return int(source.to_arrow(table)[0][0].as_py())

    return count


def _waited(check: Any) -> Any:
    for _ in range(200):
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the refresh did not happen")


@dataclass
class Kept:
    """A database, and a store where a cache that counted its customers kept the count."""

    url: str
    engine: Engine
    store: Path
    read_at: datetime

    def restarted(self) -> AnalyticsCache:
        return AnalyticsCache(self.engine, "UTC", seconds=3600, store=self.store)


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[Kept]:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    load_tables(url, {"customers": [customer_row(1, "web"), customer_row(2, "web")]})
    engine = make_engine(url)
    store = tmp_path / "store"
    before = AnalyticsCache(engine, "UTC", seconds=3600, store=store)
    _counted, read_at = before.compute(Actor(1, Role.ADMIN), "count", _counter([]))
    before.save()
    load_tables(url, {"customers": [customer_row(3, "web")]})  # changed while it was down
    yield Kept(url, engine, store, read_at)
    engine.dispose()


def test_results_outlive_a_restart_and_are_then_read_again(kept: Kept) -> None:
    calls: list[int] = []
    after = kept.restarted()
    assert after.load() == 1
    admin = Actor(1, Role.ADMIN)
    counted, when = after.compute(Actor(2, Role.ANALYST), "count", _counter(calls))
    assert (counted, when, calls) == (2, kept.read_at, [])  # at once, saying when it was read
    _fresh, newer = _waited(
        lambda: (found := after.compute(admin, "count", _counter(calls)))[0] == 3 and found
    )
    assert newer > kept.read_at and calls == [1]  # read again in the background, once


def test_a_restarted_server_computes_what_it_did_not_keep_on_fresh_data(kept: Kept) -> None:
    after = kept.restarted()
    after.load()
    other, _when = after.compute(Actor(1, Role.ADMIN), "another", _counter([]))
    assert other == 3  # not kept: waits for the new snapshot rather than the kept one


def test_results_another_version_kept_are_ignored(
    kept: Kept, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    assert kept.restarted().load() == 0
    monkeypatch.undo()
    (kept.store / next(kept.store.iterdir()).name).write_bytes(b"not a pickle")
    assert kept.restarted().load() == 0


def test_a_refresh_computes_todays_defaults_and_drops_what_nobody_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    load_tables(url, {"customers": [customer_row(1, "web")]})
    engine = make_engine(url)
    day = ["monday"]
    defaults = lambda: [((day[0], "count"), _counter([]))]  # noqa: E731
    cache = AnalyticsCache(engine, "UTC", seconds=3600, defaults=defaults)
    admin = Actor(1, Role.ADMIN)
    cache.compute(admin, "old filter", _counter([]))
    cache.compute(admin, "kept filter", _counter([]))
    day[0] = "tuesday"
    load_tables(url, {"customers": [customer_row(2, "web")]})
    cache.expire()

    def refreshed() -> bool:
        return cache.compute(admin, "kept filter", _counter([]))[0] == 2

    _waited(refreshed)  # asked of the old snapshot: computed on the new one
    unasked: list[int] = []
    assert cache.compute(admin, ("tuesday", "count"), _counter(unasked))[0] == 2
    assert unasked == []  # today's default was ready before anyone asked
    calls: list[int] = []
    cache.expire()
    cache.compute(admin, "kept filter", _counter([]))  # starts the next refresh
    _waited(lambda: cache.snapshot(admin).started > 0 and not cache.snapshot(admin).refreshing)
    assert cache.compute(admin, "old filter", _counter(calls))[0] == 2
    assert calls == [1]  # not asked during the last snapshot: dropped, computed on demand
    engine.dispose()
