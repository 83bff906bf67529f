"""Writing many rows' changed columns in few statements.

`update_each(Model, changes)` writes, for each primary key, its own values — different values
per row, and different columns per row — with one statement per set of columns (per batch),
instead of one `UPDATE` per row:

    WITH v (pk, a, b) AS (VALUES (%s, %s, %s), (%s, %s, %s))
    UPDATE table SET a = v.a, b = v.b FROM v WHERE table.pk = v.pk

Both databases run it (SQLite since 3.33). On PostgreSQL every value is cast to its column's
type, as the values of a `VALUES` list have no type of their own. Values are prepared by their
fields, as `QuerySet.update()` prepares them (an encrypted field encrypts, a JSON field dumps).
Nothing is told (no signals), as with `update()`. The rows must be locked by the caller, or
be its own: the update is by primary key only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def update_each(model: type[Model], changes: Iterable[tuple[Any, dict[str, Any]]]) -> int:
    """Write `changes` (primary key, {attname: value}) to `model`'s table; the number of
    statements run. A row with nothing to change is left alone."""
    groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    for pk, values in changes:
        if values:
            groups.setdefault(tuple(sorted(values)), []).append((pk, values))
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    pk_field: Field[Any, Any] = meta.pk
    stored = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
    statements = 0
    for names, rows in groups.items():
        if not set(names) <= stored.keys():
            raise ValueError(f"update_each writes stored columns by attname, not {names}")
        fields = [stored[name] for name in names]
        columns = [pk_field, *fields]
        batch = max(1, min(len(rows), connection.ops.bulk_batch_size(columns, rows)))
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            sql, params = _statement(connection, meta.db_table, columns, part)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            statements += 1
    return statements


def _statement(
    connection: Any,
    table: str,
    columns: list[Field[Any, Any]],
    rows: list[tuple[Any, dict[str, Any]]],
) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        placeholders = [f"%s::{column.db_type(connection)}" for column in columns]
    else:
        placeholders = ["%s"] * len(columns)
    row_sql = "(" + ", ".join(placeholders) + ")"
    names = ["pk", *(f"c{i}" for i in range(1, len(columns)))]
    params: list[Any] = []
    for pk, values in rows:
        params.append(columns[0].get_db_prep_save(pk, connection))
        for column in columns[1:]:
            params.append(column.get_db_prep_save(values[column.attname], connection))
    target = quote(table)
    assignments = ", ".join(
        f"{quote(column.column)} = v.{name}"
        for column, name in zip(columns[1:], names[1:], strict=True)
    )
    # Only quoted names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"WITH v ({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(rows))}) "  # noqa: S608
        f"UPDATE {target} SET {assignments} FROM v "
        f"WHERE {target}.{quote(columns[0].column)} = v.pk"
    )
    return sql, params
