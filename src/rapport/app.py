"""The web application: API, pages and static files on one database engine."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from rapport import __version__, health, pages
from rapport.api import errors
from rapport.api.routes import api_router
from rapport.appsettings.service import effective_for
from rapport.config import Settings, get_settings
from rapport.db import make_engine, make_sessionmaker
from rapport.ratelimit import Limiter
from rapport.reports.cache import AnalyticsCache, Work
from rapport.reports.pages import default_works
from rapport.web import errors as web_errors
from rapport.web.routes import page_routers

PACKAGE_STATIC_DIR: Final = Path(__file__).parent / "static"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.analytics.load()  # what the server computed before it last stopped
    if app.state.settings.analytics_warm_up:
        threading.Thread(target=_warm_up, args=(app,), daemon=True).start()
    yield
    app.state.analytics.save()
    app.state.engine.dispose()


def _opening_works(app: FastAPI) -> Callable[[], list[tuple[Hashable, Work]]]:
    """The analytics pages as they open today, with the thresholds in force."""

    def works() -> list[tuple[Hashable, Work]]:
        return default_works(date.today(), effective_for(app.state.engine, app.state.settings))

    return works


def _warm_up(app: FastAPI) -> None:
    """Compute the pages' analytics as they first open."""
    try:
        works = _opening_works(app)()
    except Exception:  # a database not migrated yet: the pages compute on their first visit
        return
    app.state.analytics.warm(works)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Rapport web app, on an engine built from ``settings`` (default: the environment).

    The engine and its sessionmaker are kept on ``app.state``; the engine is disposed when
    the app shuts down.
    """
    settings = settings or get_settings()
    app = FastAPI(title="Rapport", version=__version__, lifespan=_lifespan)
    engine = make_engine(settings.database_url, echo=settings.database_echo)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    app.state.limiter = Limiter.from_settings(settings)
    app.state.analytics = AnalyticsCache(
        engine,
        settings.time_zone,
        settings.analytics_cache_seconds,
        defaults=_opening_works(app),
        store=settings.analytics_store,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="rapport_session",
        max_age=settings.session_days * 24 * 60 * 60,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    errors.install(app)
    web_errors.install(app)  # pages answer errors as pages; /api/ keeps JSON

    app.include_router(health.router)
    app.include_router(api_router())
    app.include_router(pages.router)
    for router in page_routers():
        app.include_router(router)
    static_dir = settings.static_dir or PACKAGE_STATIC_DIR
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    return app
