"""The ``rapport`` command line: set-up, demo data, serving and user accounts.

Commands stay thin: they parse options, open the database and call the services.
Every command is documented in docs/cli.md (a test checks).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from rapport import migrate
from rapport.access import Actor
from rapport.analytics.cli import app as analyze_app
from rapport.analytics.cli_models import app as predictive_app
from rapport.audit.models import ChangeSource
from rapport.config import get_settings
from rapport.db import make_engine, make_sessionmaker, session_scope
from rapport.errors import ServiceError
from rapport.imports.reader import UnreadableFile
from rapport.users import service as user_service
from rapport.users.models import Role

app = typer.Typer(
    name="rapport",
    help="Rapport: a self-hosted CRM with customer analytics built in.",
    no_args_is_help=True,
    add_completion=False,
)
analyze_app.add_typer(predictive_app)  # their commands join ``rapport analyze``'s
app.add_typer(analyze_app, name="analyze")
console = Console()
err = Console(stderr=True)


def _engine() -> Engine:
    """An engine on the configured database."""
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.database_echo)


def _day(end: str | None, option: str = "--end") -> date | None:
    """The ``--end`` option (or ``option``) as a date; exit code 2 when it is not one."""
    try:
        return date.fromisoformat(end) if end else None
    except ValueError:
        err.print(f"[red]Error:[/red] {option}: {end!r} is not a date like 2026-06-30.")
        raise typer.Exit(code=2) from None


def _moment(end: str | None) -> datetime | None:
    """00:00 UTC of the ``--end`` day, or None when it is not given."""
    day = _day(end)
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


@app.command()
def init() -> None:
    """Create the database or migrate it to the newest schema."""
    engine = _engine()
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    engine.dispose()
    if before == after:
        console.print(f"Database is up to date (revision {after}).")
    else:
        console.print(f"Database migrated from {before or 'empty'} to revision {after}.")


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=1, help="How many customer records.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    end: Annotated[
        str | None,
        typer.Option(
            help="Where the history stops, YYYY-MM-DD: nothing happens on or after 00:00 UTC "
            "of this day (default: today)."
        ),
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Folder to write the ground truth into.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (and succeed) if data exists.")
    ] = False,
) -> None:
    """Fill an empty database with a realistic demo CRM and, optionally, its ground truth."""
    from rapport.demo import service as demo_service
    from rapport.demo.params import DemoParams

    last_day = _day(end)
    settings = get_settings()
    engine = _engine()
    try:
        migrate.upgrade(engine)
        if not demo_service.is_empty(engine):
            if if_empty:
                console.print("The database already holds data; no demo data loaded.")
                return
            err.print("[red]Error:[/red] the database is not empty; demo data needs an empty one.")
            raise typer.Exit(code=1)
        params = DemoParams(
            customers=customers, seed=seed, end=last_day, batch_size=settings.demo_batch_size
        )
        with Progress(
            TextColumn("Demo customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("demo", total=customers)
            summary = demo_service.load(
                engine=engine,
                params=params,
                thresholds=settings.lifecycle_thresholds(),
                truth_dir=truth,
                on_progress=lambda n: progress.advance(task, n),
            )
        demo_service.give_demo_passwords(engine)
    finally:
        engine.dispose()
    table = Table(
        "table", "rows", title=f"Demo data up to {summary.end} in {summary.seconds:.1f} s"
    )
    for name, count in summary.rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(
        "Sign in as admin@example.com (or any demo user: manager1@, rep1@, agent1@, "
        f"analyst@example.com) with the password {demo_service.DEMO_PASSWORD}"
    )
    if truth:
        console.print(f"Ground truth written to {truth}/")


@app.command()
def check(
    end: Annotated[
        str | None,
        typer.Option(
            help="Where the history stops, YYYY-MM-DD: nothing may be dated on or after "
            "00:00 UTC of this day (default: now)."
        ),
    ] = None,
) -> None:
    """Check that the data is consistent (orders, items, deals, dates …); exit 1 if not."""
    from rapport import checks

    moment = _moment(end)
    engine = _engine()
    try:
        failed = checks.violations(engine, end=moment)
    finally:
        engine.dispose()
    table = Table("check", "rows breaking it", title="Consistency checks")
    for name in checks.CHECKS:
        count = failed.get(name, 0)
        table.add_row(name, f"[red]{count:,}[/red]" if count else "[green]0[/green]")
    console.print(table)
    if failed:
        err.print(f"[red]Error:[/red] {len(failed)} of {len(checks.CHECKS)} checks failed.")
        raise typer.Exit(code=1)
    console.print(f"All {len(checks.CHECKS)} checks pass.")


@app.command()
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be purged.")
    ] = False,
) -> None:
    """Remove for good the records deleted more than RAPPORT_RECYCLE_BIN_DAYS ago."""
    from rapport import recycle

    settings = get_settings()
    before = datetime.now(UTC) - timedelta(days=settings.recycle_bin_days)
    engine = _engine()
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            report = recycle.purge(session=session, before=before, dry_run=dry_run)
    finally:
        engine.dispose()
    verb = "would be purged" if dry_run else "purged"
    table = Table(
        "records", verb, "kept (still needed)", title=f"Deleted before {before:%Y-%m-%d %H:%M} UTC"
    )
    for row in report:
        if row.purged or row.kept:
            table.add_row(row.entity, f"{row.purged:,}", f"{row.kept:,}")
    console.print(table)
    total = sum(r.purged for r in report)
    console.print(f"{'Would purge' if dry_run else 'Purged'} {total:,} deleted records.")


@app.command()
def score(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Last day of data scored (yesterday).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Read from this database URL or folder of files (the CRM's own)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Score every customer (stage, RFM, CLV, churn risk, cluster, …) and store the scores."""
    from rapport.analytics.cli import source_for
    from rapport.analytics.common import BadParameter
    from rapport.analytics.source import MissingTable
    from rapport.appsettings.service import effective_for
    from rapport.scores import service as score_service
    from rapport.scores.scoring import ScoringParams

    day = _day(as_of, "--as-of")
    engine = _engine()
    settings = effective_for(engine)  # the thresholds admins set in the pages win
    try:
        params = ScoringParams(
            as_of=day, currency=settings.default_currency,
            thresholds=settings.lifecycle_thresholds(),
            clv_horizon_days=settings.clv_horizon_days,
            annual_discount_rate=settings.clv_discount_rate,
            churn_horizon_days=settings.churn_horizon_days,
        )  # fmt: skip
        scoring = score_service.run(
            engine=engine, params=params, source=source_for(source) if source else None,
            keep_runs=settings.score_keep_runs,
        )  # fmt: skip
    except (BadParameter, MissingTable) as error:
        err.print(f"[red]Error:[/red] {error}")
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    if as_json:
        shown = {"version": scoring.version, "as_of": scoring.as_of.isoformat(),
                 "customers": scoring.customers, "models": scoring.models,
                 "timings": scoring.timings}  # fmt: skip
        console.print_json(json.dumps(shown, default=str, ensure_ascii=False))
        return
    console.print(f"Scored {scoring.customers:,} customers to {scoring.as_of} "
                  f"(version {scoring.version}).")  # fmt: skip
    table = Table("step", "seconds")
    for step, seconds in scoring.timings.items():
        table.add_row(step, f"{seconds:.2f}")
    console.print(table)
    console.print(f"Models: {', '.join(scoring.models) or 'none'}; "
                  "`rapport score --json` shows their parameters and evaluations.")  # fmt: skip


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes.")] = False,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "rapport.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
    )


@app.command()
def createuser(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    name: Annotated[str, typer.Option(help="Name shown to colleagues.")],
    role: Annotated[Role, typer.Option(help="What the user may see and do.")] = Role.ADMIN,
    locale: Annotated[str, typer.Option(help="Language: en or zh_CN.")] = "en",
    password: Annotated[
        str | None,
        typer.Option(help="Password (asked for when left out).", envvar="RAPPORT_NEW_PASSWORD"),
    ] = None,
) -> None:
    """Create a user who can sign in (the first one is usually an admin).

    The database is migrated first, as ``init`` does.
    """
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _engine()
    try:
        migrate.upgrade(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            user = user_service.create(
                session=session,
                email=email,
                name=name,
                role=role,
                locale=locale,
                password=password,
            )
            console.print(f"Created {user.role.value} {user.email} (id {user.id}).")
    except user_service.UserError as error:
        err.print(f"[red]Error:[/red] {error}")
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()


@app.command("import")
def import_records(
    file: Annotated[Path, typer.Argument(help="CSV (any common encoding) or XLSX file.")],
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="What the file holds: customer, order, deal, interaction, ticket, "
            "survey_response or event.",
        ),
    ] = "customer",
    preset: Annotated[
        str | None,
        typer.Option(help="zoho, hubspot, salesforce, fxiaoke or generic (default: detect)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="JSON file mapping file headers to fields (see docs/import.md)."),
    ] = None,
    policy: Annotated[
        str, typer.Option(help="Existing records: skip, overwrite or fill (empty fields).")
    ] = "skip",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and report; write nothing.")
    ] = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="One bad row and nothing is imported.")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 2000,
    errors: Annotated[
        Path | None, typer.Option(help="Write the refused rows to this CSV file.")
    ] = None,
    resume: Annotated[
        int | None, typer.Option(help="Take up this job again where it stopped.")
    ] = None,
) -> None:
    """Import customers (or orders, deals …) from a file; every good row lands once, every
    bad one is reported."""
    import csv

    from rapport.imports import service as imports
    from rapport.imports.models import ImportStatus

    if policy not in ("skip", "overwrite", "fill"):
        err.print(f"[red]Error:[/red] --policy: {policy!r} is not skip, overwrite or fill.")
        raise typer.Exit(code=2)
    if not file.is_file():
        err.print(f"[red]Error:[/red] FILE: no file {file}")
        raise typer.Exit(code=2)
    actor = Actor.system(ChangeSource.IMPORT)
    engine = _engine()
    factory = make_sessionmaker(engine)
    try:
        migrate.upgrade(engine)
        try:
            columns = json.loads(mapping.read_text(encoding="utf-8")) if mapping else None
            if resume is None:
                with session_scope(factory) as session:
                    options = imports.Options(
                        policy=cast(imports.Policy, policy),  # checked above
                        dry_run=dry_run,
                        atomic=all_or_nothing,
                        batch_size=batch_size,
                    )
                    job_id = imports.start(
                        session=session,
                        actor=actor,
                        path=file,
                        entity=kind,
                        preset=preset,
                        mapping=columns,
                        options=options,
                    ).id
            else:
                job_id = resume
            with Progress(
                TextColumn("Rows"), MofNCompleteColumn(), TimeElapsedColumn(), console=err
            ) as progress:
                task = progress.add_task("rows", total=None)
                job = imports.run(
                    factory=factory,
                    actor=actor,
                    job_id=job_id,
                    path=file,
                    on_progress=lambda n: progress.advance(task, n),
                )
        except (ServiceError, UnreadableFile, json.JSONDecodeError, OSError) as error:
            err.print(f"[red]Error:[/red] {error}")
            raise typer.Exit(code=1) from None
        if errors is not None:
            with factory() as session, errors.open("w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(imports.error_lines(session=session, job_id=job.id))
    finally:
        engine.dispose()
    verb = "would be " if job.dry_run else ""
    title = f"Import job {job.id}: {job.entity} rows of {job.filename} ({job.preset})"
    table = Table("rows", "count", title=title)
    table.add_row(f"{verb}created", f"{job.created_rows:,}")
    table.add_row(f"{verb}updated", f"{job.updated_rows:,}")
    table.add_row(f"{verb}skipped (already there)", f"{job.skipped_rows:,}")
    table.add_row("refused", f"{job.error_rows:,}")
    console.print(table)
    if job.error_rows and errors is None:
        console.print("Refused rows are listed with --errors FILE.csv.")
    if job.status is ImportStatus.FAILED:
        err.print(f"[red]Error:[/red] {job.error}")
        raise typer.Exit(code=1)


@app.command()
def backup(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="PATH",
            help="File to write, or a folder to write it in "
            "(default: rapport-backup-YYYYmmdd-HHMMSS.db, or .dump on PostgreSQL, here).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace PATH if it already exists.")
    ] = False,
) -> None:
    """Write a consistent snapshot of the database to a file, while the app keeps running."""
    from rich.markup import escape

    from rapport import backup as backups

    try:
        result = backups.create(url=get_settings().database_url, path=path, overwrite=overwrite)
    except backups.BackupError as error:
        err.print(f"[red]Error:[/red] {escape(str(error))}")
        raise typer.Exit(code=1) from None
    console.print(
        f"Backed up the {backups.NAMES[result.kind]} database to {escape(str(result.path))} "
        f"({result.size:,} bytes): {result.tables} tables, {result.total_rows:,} rows, "
        f"schema revision {result.revision or 'none'}."
    )


@app.command()
def restore(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="A file written by `rapport backup`.")
    ],
) -> None:
    """Replace everything in the database with a backup made by `rapport backup`."""
    from rich.markup import escape

    from rapport import backup as backups

    try:
        result = backups.restore(url=get_settings().database_url, path=path)
    except backups.BackupError as error:
        err.print(f"[red]Error:[/red] {escape(str(error))}")
        raise typer.Exit(code=1) from None
    console.print(
        f"Restored {escape(str(result.path))} ({result.size:,} bytes) into the "
        f"{backups.NAMES[result.kind]} database: {result.tables} tables, "
        f"{result.total_rows:,} rows."
    )
    if result.needs_migration:
        console.print(
            f"Schema revision {result.revision or 'none'} is older than this version's "
            f"{result.head}: run `rapport init` to migrate it."
        )
    else:
        console.print(f"Schema revision {result.revision} (the newest).")


def main() -> None:
    """Run the command line."""
    app()
