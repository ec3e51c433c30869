"""The statements every command sends, run on the driver's own cursor.

A narrative entry sends ten statements. Sent the usual way, through SQLAlchemy's execution (an
execution context, a result object, the events), each costs some tens of microseconds of Python
around the few the driver spends; at a thousand commands a second that was a quarter of the
time. The statements a command sends on its hot path are therefore ``Direct``:

* compiled once per dialect and set of parameter names, by SQLAlchemy: the SQL is the very SQL
  it would send (casts, quoting, the dialect's parameter style);
* their parameters converted by the columns' own bind processors (the UTC times, the booleans),
  their results by the columns' result processors, as SQLAlchemy would convert them;
* run on the DBAPI cursor of the connection's own transaction, so that they commit and roll
  back with everything else the unit of work sends;
* the driver's errors raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``,
  ``DataError``), so that a conflict or a busy store is answered as any other statement's.

When anyone listens to the engine's statements (``echo``, a test counting them, a tracer), a
direct statement goes the usual way, so that nothing sent goes unheard.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

Params = Mapping[str, Any]
_Processor = Callable[[Any], Any] | None
_Into = Callable[[tuple[Any, ...] | None], None]
_UNSET = object()


class _Form:
    """One statement compiled for one dialect and one set of parameter names."""

    def __init__(self, statement: Any, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a statement with defaults computed in Python is sent the usual way")
        if any(b.expanding for b in compiled.bind_names):
            raise ValueError("a statement with an expanding IN is sent the usual way")
        self.sql: str = compiled.string
        by_name: dict[str, BindParameter[Any]] = {name: b for b, name in compiled.bind_names.items()}
        self.positional = bool(compiled.positional)
        names = list(compiled.positiontup or []) if self.positional else list(by_name)
        self.names = names
        self.sources: list[tuple[str | None, Any]] = []  # (the parameter's name, or None: a constant)
        self.processors: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(names):
            bind = by_name[name]
            self.sources.append((bind.key, None) if bind.key in keys else (None, bind.effective_value))
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.processors.append((i, process))
        columns = statement.selected_columns if isinstance(statement, Select) else ()
        self.results: list[_Processor] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.processed = any(p is not None for p in self.results)

    def parameters(self, params: Params) -> Any:
        values = [params[key] if key is not None else constant for key, constant in self.sources]
        for i, process in self.processors:
            values[i] = process(values[i])
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))

    def rows(self, found: list[Any]) -> list[tuple[Any, ...]]:
        if not self.processed:
            return [tuple(r) for r in found]
        return [tuple(v if p is None else p(v) for p, v in zip(self.results, r, strict=True)) for r in found]


class Direct:
    """One statement, sent on the driver's cursor (see the module's docstring)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._forms: dict[tuple[str, tuple[str, ...]], _Form | None] = {}
        self._lock = threading.Lock()

    def _form(self, dialect: Dialect, keys: tuple[str, ...]) -> _Form | None:
        found = self._forms.get((dialect.name, keys), _UNSET)
        if found is _UNSET:
            try:
                form: _Form | None = _Form(self.statement, dialect, keys)
            except ValueError:
                form = None
            with self._lock:
                self._forms[(dialect.name, keys)] = found = form
        return found  # type: ignore[return-value]

    def rows(self, conn: Connection, params: Params) -> list[tuple[Any, ...]]:
        """The rows a query finds. What the transaction holds back (see ``lead`` and
        ``hold_writes``) is sent first, in the same round trip: the query sees it."""
        info = conn.info
        driver = _driver(conn, info)
        form = None if driver is None else self._form(conn.dialect, tuple(params))
        if form is None:
            send_held(conn)
            return [tuple(r) for r in conn.execute(self.statement, dict(params))]
        parameters = form.parameters(params)
        cursor = _flush(conn, info, (form.sql, parameters), commit=False)
        if cursor is None:  # nothing was waiting: the query goes alone
            cursor = driver.cursor()
            try:
                _send(conn, cursor, form.sql, parameters, many=False)
            except BaseException:
                cursor.close()
                raise
        try:
            return form.rows(cursor.fetchall())
        finally:
            cursor.close()

    def lead(self, conn: Connection, params: Params, into: _Into) -> None:
        """Send this query ahead of whatever the transaction sends next, in the same round trip
        (PostgreSQL's pipeline), and give its first row to ``into`` then: a lock taken first
        costs no round trip of its own. Where nothing is held back (SQLite, listeners on the
        engine) it is sent now."""
        info = conn.info
        form = None if _driver(conn, info) is None else self._form(conn.dialect, tuple(params))
        if form is None or conn.dialect.name != "postgresql":
            into(self.first(conn, params))
            return
        info.setdefault(_LEAD, []).append((form, form.parameters(params), into))

    def first(self, conn: Connection, params: Params) -> tuple[Any, ...] | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def run(self, conn: Connection, params: Params | Sequence[Params]) -> None:
        """Send a statement that changes rows: once, or once per parameter set of a list; held
        back where the transaction holds its writes (see ``hold_writes``)."""
        many = type(params) is not dict and not isinstance(params, Mapping)
        sets: Sequence[Params] = params if many else [params]  # type: ignore[assignment,list-item]
        if not sets:
            return
        info = conn.info
        driver = _driver(conn, info)
        form = None if driver is None else self._form(conn.dialect, tuple(sets[0]))
        if form is None:
            send_held(conn)
            conn.execute(self.statement, [dict(p) for p in sets] if many else dict(sets[0])).close()
            return
        held: list[tuple[str, Any, bool]] | None = info.get(_HELD)
        if held is not None:
            if many:
                held.append((form.sql, [form.parameters(p) for p in sets], True))
            else:
                held.append((form.sql, form.parameters(sets[0]), False))
            return
        if _OWN not in info and not conn.in_transaction():  # (the driver left to itself would
            # commit each write: SQLite's does)
            conn.begin()
        if _LEAD in info or _BEGIN in info:  # (a query led, such as the head's lock, goes first)
            send_held(conn)
        cursor = driver.cursor()
        try:
            if many:
                _send(conn, cursor, form.sql, [form.parameters(p) for p in sets], many=True)
            else:
                _send(conn, cursor, form.sql, form.parameters(sets[0]), many=False)
        finally:
            cursor.close()


_HELD = "jprcc.direct.held"
_LEAD = "jprcc.direct.lead"
_BEGIN = "jprcc.direct.begin"
_BEGINS = "jprcc.direct.begins"  # (PostgreSQL) the BEGIN of every transaction of this write
_OWN = "jprcc.direct.own"  # (SQLite) the driver's connection, whose own transaction this is
_DRIVER = "jprcc.direct.driver"  # the driver's connection, no one listening (see ``unheard``)


def unheard(conn: Connection) -> None:
    """Whether anyone listens to the engine's statements is asked once, as a write transaction
    begins, not at every statement: if no one does, its direct statements go to the driver's
    connection until it ends (``release_writes``). A listener added meanwhile hears the next."""
    if not _heard(conn):
        conn.info[_DRIVER] = conn.connection.dbapi_connection


def _driver(conn: Connection, info: dict[Any, Any]) -> Any:
    """The driver's connection for a direct statement; None where anyone listens."""
    driver = info.get(_DRIVER)
    if driver is None and not _heard(conn):
        driver = conn.connection.dbapi_connection
    return driver


def begin_with_first_send(conn: Connection, statement: str) -> None:
    """Open the transaction with ``statement`` (``BEGIN ...``) sent at the head of whatever the
    connection sends first, in the same round trip, not in one of its own: the driver, left to
    itself, sends its ``BEGIN`` and waits for the answer before anything else (PostgreSQL, with
    the driver in autocommit so that it sends none). A transaction that sends nothing sends no
    ``BEGIN`` and no ``COMMIT`` either."""
    info = conn.info
    info[_BEGIN] = info[_BEGINS] = statement


def hold_writes(conn: Connection) -> None:
    """From now on in this transaction, the direct statements that change rows are held back and
    sent together, in one round trip (PostgreSQL's pipeline), when the transaction next reads
    (every direct query sends them with it, and every statement sent the usual way sends them
    first) or commits (``commit``). A command's writes after its last read cost no round trip of
    their own. An error of a held write is raised where they are sent."""
    if conn.dialect.name == "postgresql":
        conn.info.setdefault(_HELD, [])


def send_held(conn: Connection) -> None:
    """Send what the transaction holds back, in order, in one round trip."""
    _flush(conn, conn.info, None, commit=False)


def begin_on_driver(conn: Connection, statement: str) -> bool:
    """Open the transaction with ``statement`` (SQLite's ``BEGIN IMMEDIATE``) on the driver's own
    connection, SQLAlchemy's transaction begun only if a statement then goes the usual way (its
    ``BEGIN`` is then not sent again: see the SQLite engine's ``begin`` listener). A command's
    transaction then costs two statements on the driver, not SQLAlchemy's transaction machinery
    around them. Such a transaction ends with ``commit`` or ``rollback`` here: the connection's
    own ``commit`` does not reach it when no statement went the usual way.

    False (nothing sent) on PostgreSQL, and where anyone listens to the engine's statements: the
    caller begins the usual way, and everything is heard."""
    if conn.dialect.name != "sqlite" or _heard(conn):
        return False
    driver = conn.connection.dbapi_connection
    _send(conn, driver, statement, (), many=False)
    info = conn.info
    info[_OWN] = info[_DRIVER] = driver
    return True


def commit(conn: Connection) -> None:
    """Commit the transaction, and send what it holds back in the same round trip."""
    info = conn.info
    _flush(conn, info, None, commit=True)
    own = info.pop(_OWN, None)  # (a write after the commit begins a transaction again, the usual way)
    if conn.in_transaction():  # (begun on the driver too: SQLAlchemy's commit is the driver's)
        conn.commit()  # (the driver's transaction, if it went with them, is over: nothing is sent)
    elif own is not None:
        try:
            own.commit()
        except conn.dialect.loaded_dbapi.Error as e:
            info[_OWN] = own  # (still the driver's, to roll back)
            error = conn.dialect.loaded_dbapi.Error
            raise DBAPIError.instance("COMMIT", (), e, error, dialect=conn.dialect) from e


def rollback(conn: Connection) -> None:
    """Roll the transaction back, whether begun the usual way or on the driver."""
    if conn.in_transaction():
        conn.rollback()
    own = conn.info.pop(_OWN, None)
    if own is not None and own.in_transaction:
        own.rollback()


def in_transaction(conn: Connection) -> bool:
    """Whether a transaction is open on the connection, begun the usual way or on the driver."""
    if conn.in_transaction():
        return True
    own = conn.info.get(_OWN)
    return own is not None and bool(own.in_transaction)


def send_held_and_commit(conn: Connection) -> None:
    """As a transaction commits (PostgreSQL's engine listens: ``commit`` here, or the connection's
    own): what it holds back goes with the ``COMMIT``, and what is sent after it opens a
    transaction of its own again, with the same ``BEGIN`` (the driver, in autocommit under ours,
    would otherwise commit it statement by statement)."""
    info = conn.info
    _flush(conn, info, None, commit=True)
    begins = info.get(_BEGINS)
    if begins is not None:
        info[_BEGIN] = begins


def _flush(conn: Connection, info: dict[Any, Any], query: tuple[str, Any] | None, *, commit: bool) -> Any:
    """Send the leading queries, the held writes, then ``query`` and the commit, in one pipeline;
    the cursor holding ``query``'s rows, or None where nothing was waiting (nothing was sent)."""
    begin: str | None = info.pop(_BEGIN, None)
    leads: list[tuple[_Form, Any, _Into]] | None = info.pop(_LEAD, None)
    held: list[tuple[str, Any, bool]] | None = info.get(_HELD)
    if not leads and not held and (begin is None or commit):
        # (a transaction that sent nothing has nothing to commit: its BEGIN is not sent either)
        return None
    if held:
        info[_HELD] = []
    driver = conn.connection.driver_connection
    writes = driver.cursor()  # type: ignore[union-attr]
    lead_cursors = [driver.cursor() for _ in leads or ()]  # type: ignore[union-attr]
    asked = driver.cursor() if query is not None else None  # type: ignore[union-attr]
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            if begin is not None:
                _send(conn, writes, begin, None, many=False)
            for cursor, (form, parameters, _) in zip(lead_cursors, leads or (), strict=True):
                _send(conn, cursor, form.sql, parameters, many=False)
            for sql, parameters, many in held or ():
                _send(conn, writes, sql, parameters, many=many)
            if asked is not None and query is not None:
                _send(conn, asked, query[0], query[1], many=False)
            if commit:  # (a statement in the pipeline: the driver's own commit would sync on
                # its own, one more round trip, before the pipeline's closing sync)
                _send(conn, writes, "COMMIT", None, many=False)
        for cursor, (form, _, into) in zip(lead_cursors, leads or (), strict=True):
            found = form.rows(cursor.fetchall())
            into(found[0] if found else None)
    except BaseException as e:
        if asked is not None:
            asked.close()
        if isinstance(e, conn.dialect.loaded_dbapi.Error) and not isinstance(e, DBAPIError):
            # (raised as the pipeline is synced)
            error = conn.dialect.loaded_dbapi.Error
            raise DBAPIError.instance(None, None, e, error, dialect=conn.dialect) from e
        raise
    finally:
        writes.close()
        for cursor in lead_cursors:
            cursor.close()
    return asked


def release_writes(conn: Connection) -> None:
    """The transaction ends: nothing more is held back (what was, and was not sent, is dropped),
    and whoever listens to the engine from now on is asked for again."""
    info = conn.info
    info.pop(_HELD, None)
    info.pop(_LEAD, None)
    info.pop(_BEGIN, None)
    info.pop(_BEGINS, None)
    info.pop(_OWN, None)
    info.pop(_DRIVER, None)


def run_sql(conn: Connection, sql: str) -> None:
    """One statement of plain SQL with no parameters (``BEGIN IMMEDIATE``), sent directly."""
    info = conn.info
    if _HELD in info or _LEAD in info or _BEGIN in info:
        send_held(conn)
    driver = _driver(conn, info)
    if driver is None:
        conn.exec_driver_sql(sql)
        return
    cursor = driver.cursor()
    try:
        _send(conn, cursor, sql, (), many=False)
    finally:
        cursor.close()


def _heard(conn: Connection) -> bool:
    """Whether anyone listens to the statements the connection's engine sends (the engine's own
    events: the connection's would be joined to them anew for every connection checked out)."""
    engine = conn.engine
    dispatch = engine.dispatch
    return bool(engine.echo or dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def _send(conn: Connection, cursor: Any, sql: str, parameters: Any, *, many: bool) -> None:
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
    except conn.dialect.loaded_dbapi.Error as e:  # (looked up only when something was raised)
        error = conn.dialect.loaded_dbapi.Error
        raise DBAPIError.instance(sql, parameters, e, error, dialect=conn.dialect) from e
