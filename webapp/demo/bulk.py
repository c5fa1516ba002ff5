"""Bulk loading inside the session's transaction: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Going through the ORM costs tens of microseconds a row; a million applications with their children,
parents, preferences, claims and audit events are several million rows, so the demo writes them
through the driver. Columns the demo does not set get their model's scalar default, so a column
added to a model later with a default does not break the demo.
"""
import queue
import threading
from contextlib import contextmanager
from itertools import islice

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.schema import AddConstraint

from ..extensions import db


class BulkWriter:
    def __init__(self, session):
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.raw = session.connection().connection.driver_connection
        self.counts: dict[str, int] = {}
        if self.dialect == "sqlite":
            # A bigger page cache keeps the indexes' B-trees in memory while rows go in at random keys.
            self.raw.execute("PRAGMA cache_size = -131072")
        else:
            self.session.execute(text("SET LOCAL synchronous_commit = off"))

    def next_id(self, table: str, column: str = "id") -> int:
        return self.session.execute(text(f'SELECT coalesce(max({column}), 0) FROM "{table}"')).scalar_one() + 1

    def write(self, table: str, columns: tuple, rows) -> int:
        columns, rows = self._with_defaults(table, columns, rows)
        counted = _Counter(rows)
        names = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "postgresql":
            # COPY is parsed by the server process, on the other core, while Python makes more rows.
            with self.raw.cursor() as cursor, cursor.copy(
                f'COPY "{table}" ({names}) FROM STDIN', writer=QueuedLibpqWriter(cursor)
            ) as copy:
                for row in counted:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            _pipelined(self.raw, f'INSERT INTO "{table}" ({names}) VALUES ({marks})', counted)
        self.counts[table] = self.counts.get(table, 0) + counted.count
        return counted.count

    @contextmanager
    def loading(self, tables: tuple):
        """Drop the plain indexes of ``tables`` (and on PostgreSQL their foreign keys) while rows go
        in, then build them again from the models: one sort per index and one join per foreign key
        instead of millions of B-tree inserts at random places and millions of trigger calls. The
        schema afterwards is what it was (same names, same definitions); PostgreSQL re-validates
        every foreign key when it is added back, so a wrong id still fails the seeding."""
        indexes = [index for table in tables for index in db.metadata.tables[table].indexes]
        foreign_keys = []
        if self.dialect == "postgresql":
            foreign_keys = [fk for table in tables for fk in db.metadata.tables[table].foreign_key_constraints]
        for fk in foreign_keys:
            self.session.execute(text(f'ALTER TABLE "{fk.table.name}" DROP CONSTRAINT IF EXISTS "{fk.name}"'))
        for index in indexes:
            self.session.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
        yield
        connection = self.session.connection()
        for index in indexes:
            index.create(bind=connection)
        for fk in foreign_keys:
            connection.execute(AddConstraint(fk))

    def upsert_counters(self, counters: dict[str, int]) -> None:
        """Number counters (services.locks.next_value) continue after the bulk-issued numbers."""
        for name, value in sorted(counters.items()):
            self.session.execute(
                text("INSERT INTO lock (name, counter) VALUES (:n, :v) "
                     "ON CONFLICT (name) DO UPDATE SET counter = excluded.counter"),
                {"n": name, "v": value},
            )

    def finish(self) -> None:
        """PostgreSQL sequences must continue after the ids written explicitly."""
        if self.dialect != "postgresql":
            return
        for table in ("user", "child", "application", "application_preference", "privilege_claim"):
            self.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table}\"), false)"
            ))

    def _with_defaults(self, table: str, columns: tuple, rows):
        extra_names, extra_values = [], []
        for column in db.metadata.tables[table].columns:
            if column.name in columns or column.primary_key:
                continue
            default = column.default
            if default is not None and default.is_scalar:
                extra_names.append(column.name)
                extra_values.append(default.arg)
            elif not column.nullable:
                raise RuntimeError(f"the demo does not know what to write into {table}.{column.name}")
        if not extra_names:
            return columns, rows
        extra = tuple(extra_values)
        return tuple(columns) + tuple(extra_names), (row + extra for row in rows)


def _pipelined(connection, sql: str, rows, chunk_size: int = 20_000) -> None:
    """executemany in a second thread: sqlite3 releases the GIL while SQLite stores a chunk, so
    Python makes the next chunk meanwhile on the other core."""
    chunks: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def store():
        while (chunk := chunks.get()) is not None:
            if not failure:
                try:
                    connection.executemany(sql, chunk)
                except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
                    failure.append(error)

    worker = threading.Thread(target=store, name="demo-bulk-insert")
    worker.start()
    try:
        for chunk in iter(lambda: list(islice(rows, chunk_size)), []):
            chunks.put(chunk)
            if failure:
                break
    finally:
        chunks.put(None)
        worker.join()
    if failure:
        raise failure[0]


class _Counter:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def analyze(session) -> None:
    """Fresh statistics, so the planner uses the queue index on the big tables at once; on
    PostgreSQL also VACUUM the applications, whose visibility map lets position lookups count
    straight from the queue index (index-only scans)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit = 1000"))
        session.execute(text("ANALYZE"))
        session.commit()
        return
    with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) application"))
        connection.execute(text("ANALYZE"))
