"""What a query reads of each CRM table: the columns, and the ``column = constant``
conditions that every reading of the table applies (found on the query's SQL with
sqlglot), so that a source loads only those columns of only those rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
from sqlalchemy import JSON

from rapport.analytics.columns import DUCK_TYPES, arrow_type
from rapport.models import metadata

# ``column = constant`` conditions: only the rows meeting them are read.
Equalities = frozenset[tuple[str, str | int]]


@dataclass(frozen=True)
class Read:
    """What a query reads of a table: these columns, of the rows meeting ``equal``."""

    columns: frozenset[str]
    equal: Equalities


def query_reads(expr: Any) -> dict[str, Read]:
    """What ``expr`` reads of each CRM table: its columns, and the ``column = constant``
    conditions every reading of the table applies (only its rows meeting them count).

    Ibis's own SQL selects every column of a joined table, so the columns are found on
    the query after sqlglot has qualified it and pushed projections down (unused
    columns of subqueries dropped). Should sqlglot fail on a query, every column of
    each table it names is read, every row: slower, never wrong.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.optimizer.pushdown_projections import pushdown_projections
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import traverse_scope

    names = {t.name for t in expr.op().find(ops.UnboundTable) if t.name in metadata.tables}
    everything = {n: frozenset(c.name for c in metadata.tables[n].c) for n in names}
    schema: dict[str, object] = {
        n: {c.name: DUCK_TYPES[arrow_type(c.type)] for c in metadata.tables[n].c} for n in names
    }
    try:
        tree = sqlglot.parse_one(ibis.to_sql(expr, dialect="duckdb"), dialect="duckdb")
        tree = pushdown_projections(qualify(tree, schema=schema, dialect="duckdb"))
        used: dict[str, set[str]] = {n: set() for n in names}
        equal: dict[str, Equalities | None] = dict.fromkeys(names)  # None: not yet seen
        for scope in traverse_scope(tree):
            for column in scope.columns:
                table = scope.sources.get(column.table)
                if isinstance(table, exp.Table) and table.name in used:
                    used[table.name].add(column.name)
            for alias, table in scope.sources.items():
                if isinstance(table, exp.Table) and table.name in equal:
                    found = _equalities(scope, alias) if len(scope.sources) == 1 else frozenset()
                    seen = equal[table.name]
                    equal[table.name] = found if seen is None else seen & found
    except sqlglot.errors.SqlglotError:
        return {n: Read(everything[n], frozenset()) for n in names}
    # A table read only for its row count still needs one column to count.
    return {
        n: Read(frozenset(cols or {min(everything[n])}), _typed_alike(n, equal[n] or frozenset()))
        for n, cols in used.items()
    }


def _typed_alike(name: str, equal: Equalities) -> Equalities:
    """The equalities whose constant is of its column's type (text to text, whole
    numbers to whole numbers): those a database compares as DuckDB does."""
    table = metadata.tables[name]
    kinds = {str: pa.string(), int: pa.int64()}
    return frozenset(
        (column, value) for column, value in equal
        if arrow_type(table.c[column].type) == kinds[type(value)]
        and not isinstance(table.c[column].type, JSON)  # PostgreSQL's json has no =
    )  # fmt: skip


def _equalities(scope: Any, alias: str) -> Equalities:
    """The ``column = constant`` conditions (text or a whole number) of a query on one
    table (``scope``, the table named ``alias`` there) that every row it keeps meets."""
    from sqlglot import exp

    where = scope.expression.args.get("where") if isinstance(scope.expression, exp.Select) else None
    if where is None:
        return frozenset()
    found = set()
    for condition in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        if not isinstance(condition, exp.EQ):
            continue
        column, value = condition.this, condition.expression
        if isinstance(value, exp.Column):
            column, value = value, column
        if not (isinstance(column, exp.Column) and column.table == alias):
            continue
        if isinstance(value, exp.Literal) and value.is_string:
            found.add((column.name, value.this))
        elif isinstance(value, exp.Literal) and value.is_int:
            found.add((column.name, int(value.this)))
    return frozenset(found)
