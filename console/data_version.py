"""The data version: a token that changes after every committed write to the database.

Cached answers (`console.page_cache`) are keyed by it, so none outlives the data it was made from. Every
connection gets an execute wrapper that sees INSERT, UPDATE and DELETE statements; the first write of a
transaction schedules one bump for after its commit (at once in autocommit). Bumping after the commit, in its
own statement, means no transaction ever waits for another on the version row, and a rolled-back transaction
bumps nothing. Session writes do not count: the pages do not show sessions, and they are written on their own
schedule.
"""

import secrets

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Subquery

from console.models import DataVersion

VERSION_ROW = 1
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
VERSION_QUERY = 'SELECT "token" FROM "console_dataversion" WHERE "id" = %s'
# Tables whose writes leave every page as it was.
UNWATCHED_TABLES = ('"django_session"', '"django_migrations"', f'"{DataVersion._meta.db_table}"')


def current_data_version(using: str = DEFAULT_DB_ALIAS) -> str:
    """The token of the data as committed now; "" before the first write.

    Read on every cached view, so in plain SQL: the ORM would spend longer building the query than the
    database answering it."""
    with connections[using].cursor() as cursor:
        cursor.execute(VERSION_QUERY, [VERSION_ROW])
        row = cursor.fetchone()
    return row[0] if row else ""


def data_version_subquery() -> Subquery:
    """The data version as a column, for a query that is run anyway (an API token's)."""
    return Subquery(DataVersion.objects.filter(pk=VERSION_ROW).values("token"))


def request_data_version(request) -> str:
    """The data version read with this request's credentials: its session (`console.sessions`) or its API
    token (`tokens.authentication`); read now when neither did."""
    for holder in (request, getattr(request, "session", None)):
        if (version := getattr(holder, "data_version", None)) is not None:
            return version
    return current_data_version()


def bump_data_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the data a new token: one upsert, so two processes bumping at once cannot fail."""
    DataVersion.objects.using(using).bulk_create(
        [DataVersion(pk=VERSION_ROW, token=secrets.token_hex(16))],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["token"],
    )


class _Bump:
    """The after-commit callback; its own class, so a transaction's pending bump is recognised."""

    def __init__(self, alias: str):
        self.alias = alias

    def __call__(self):
        bump_data_version(self.alias)


def changes_data(sql: str) -> bool:
    statement = sql.lstrip()
    if not statement[:7].upper().startswith(WRITE_VERBS):
        return False
    head = statement[:80]
    return not any(table in head for table in UNWATCHED_TABLES)


class _Watching:
    """Off while `migrate` runs: migrations write before the version table exists; one bump follows."""

    on = True


def stop_watching_for_migrate(sender, **kwargs) -> None:
    _Watching.on = False


def bump_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Connected to `post_migrate` (sent once per app): data migrations may have changed any page."""
    _Watching.on = True
    if (
        sender.label == "console"
        and DataVersion._meta.db_table in connections[using].introspection.table_names()
    ):
        bump_data_version(using)


def watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    connection = context["connection"]
    if not _Watching.on or not changes_data(sql):
        return result
    if not connection.in_atomic_block and not connection.get_autocommit():
        # Manual transaction management has no commit hook: the bump joins the transaction.
        bump_data_version(connection.alias)
    elif not any(isinstance(callback, _Bump) for _, callback, _ in connection.run_on_commit):
        # robust: the write is committed whatever happens to the bump; the entries expire on their own.
        transaction.on_commit(_Bump(connection.alias), using=connection.alias, robust=True)
    return result


def install_write_watcher(sender, connection, **kwargs) -> None:
    """Connected to `connection_created`: every connection, in every thread, reports its writes."""
    if watch_writes not in connection.execute_wrappers:
        # First, not last: `connection.execute_wrapper()` blocks pop the last wrapper when they end.
        connection.execute_wrappers.insert(0, watch_writes)


def install_on_open_connections() -> None:
    """For connections opened before the app was ready (a test database created early)."""
    for connection in connections.all(initialized_only=True):
        install_write_watcher(None, connection)
