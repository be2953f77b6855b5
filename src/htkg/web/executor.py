"""Queries on the embedded store, evaluated in child processes that can be stopped.

pyoxigraph cannot cancel a query in-process, and it aborts the whole process on some inputs (very
deeply nested groups, exhausted memory). So each server worker keeps a small pool of child
processes (at most ``max_concurrent_queries``, started lazily from a fork server), each with the
release's store opened once. A query is sent to an idle child; when the time limit passes the child
is killed and a fresh one takes its place; a child that dies answers a clear error. The server
worker itself never runs a query.

:class:`QueryExecutor` implements the :class:`~htkg.store.base.Store` protocol (``query()`` returns a
:class:`~htkg.store.base.QueryResult`, with the time limit), so every page that queries through
``site().store`` gets the same protection; the endpoint uses :meth:`QueryExecutor.query_serialized`
to get the bytes of the negotiated format straight from the child, after the read-only policy
(:mod:`htkg.web.policy`) has been applied there too.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Mapping

import pyoxigraph as ox

from ..errors import QueryError, QueryRefused, QuerySyntaxError, QueryTimeout, QueryTooBusy, StoreError
from ..formats import Format, by_name
from ..store.base import QueryResult, Term

__all__ = ["QueryExecutor", "Answer", "QueryCrashed"]

log = logging.getLogger("htkg.web.executor")

# the policy parser (pyparsing) recurses per triple pattern and per nesting level: give it room
_CHILD_STACK_BYTES = 256 * 1024 * 1024
_CHILD_RECURSION = 40_000


class QueryCrashed(QueryError):
    """The process evaluating the query died (pyoxigraph aborted, or the memory limit was hit)."""

    status = 500

    def __init__(self, how: str, memory_mb: int):
        super().__init__(f"the query engine stopped abnormally on this query ({how}) and was restarted",
                         hint=f"queries that nest very deeply or need more than {memory_mb} MiB do this; "
                              "simplify the query")


@dataclass(frozen=True)
class Answer:
    """What the child sends back: the query form, the format used (None: no format fits), the bytes."""

    form: str
    format: Format | None
    body: bytes


# --------------------------------------------------------------------------------------------------
# the child side


def _child_main(conn, release_path: str, store_path: str | None, memory_mb: int) -> None:
    """Open the store once, then answer requests until the parent goes away."""
    import sys
    parent = os.getppid()

    def watchdog():  # a child orphaned mid-query (parent killed) must not run on
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)
    threading.Thread(target=watchdog, daemon=True).start()
    sys.setrecursionlimit(_CHILD_RECURSION)
    # the stack counts against the memory limit: at most a quarter of it
    threading.stack_size(min(_CHILD_STACK_BYTES, max(memory_mb // 4, 8) * 1024 * 1024) if memory_mb
                         else _CHILD_STACK_BYTES)
    worker = threading.Thread(target=_serve, args=(conn, release_path, store_path, memory_mb))
    worker.start()
    worker.join()


def _serve(conn, release_path: str, store_path: str | None, memory_mb: int) -> None:
    import resource
    from ..dataset.release import open_release
    store = open_release(release_path).open_store(store_path)
    graphs = set(store.graphs())
    if memory_mb:  # after loading: bulk loading takes a large buffer for a moment, queries must not
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok",) + _answer(store, graphs, **request))
        except QuerySyntaxError as exc:
            conn.send(("syntax", exc.detail, exc.position.line, exc.position.column, exc.snippet))
        except QueryRefused as exc:
            conn.send(("refused", exc.message, exc.hint, exc.status))
        except MemoryError:
            conn.send(("store", "the query needed more memory than this server allows"))
        except Exception as exc:  # reported to the client as a store error; the child stays usable
            conn.send(("store", f"{type(exc).__name__}: {exc}"))


def _answer(store, graphs, *, text, bindings, default_graphs, named_graphs, result_format,
            graph_format, check, prefixes) -> tuple:
    from ..store.oxigraph import run_query
    from .policy import check_query
    own_dataset = False
    if check:
        checked = check_query(text, graphs)
        # the protocol's dataset wins over the query's (SPARQL 1.1 Protocol §2.1.4)
        own_dataset = bool(checked.from_default or checked.from_named) and \
            default_graphs is None and named_graphs is None
    if own_dataset:
        # FROM / FROM NAMED in the query: its own dataset, checked above to be the store's graphs
        try:
            result = store.store.query(text, substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
        except SyntaxError as exc:
            from ..store.oxigraph import syntax_error
            raise syntax_error(exc, text) from None
    else:
        result = run_query(store.store, text, bindings=bindings, default_graphs=default_graphs,
                           named_graphs=named_graphs, raw=True)
    if isinstance(result, ox.QueryTriples):
        form = "graph"
        fmt = by_name(graph_format) if graph_format else None
    else:
        form = "ask" if isinstance(result, ox.QueryBoolean) else "select"
        fmt = by_name(result_format) if result_format else None
    if fmt is None:
        return form, None, b""
    if form == "graph":
        from ..store.base import serialize_triples
        return form, fmt.name, serialize_triples(list(result), fmt, prefixes)
    return form, fmt.name, result.serialize(format=getattr(ox.QueryResultsFormat, fmt.oxigraph))


# --------------------------------------------------------------------------------------------------
# the parent side


# Idle children by (release, store path, memory limit), shared by every app of this process over the
# same release (tests build many apps): a query borrows one, gives it back when it is done.
_IDLE: dict[tuple, list["_Child"]] = {}
_IDLE_LOCK = threading.Lock()


def _forget_inherited() -> None:
    """In a forked process (a gunicorn worker) the parent's children are not ours to use."""
    global _IDLE_LOCK
    _IDLE.clear()
    _IDLE_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_inherited)


_START_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_main():
    """Start a child without re-running the parent's ``__main__`` in it.

    multiprocessing re-imports the parent's main script in every spawned child; the child needs
    nothing from it (its target lives in this module), and the main may be the gunicorn or pytest
    launcher, or not a file at all (``python -`` reading stdin), which makes the child fail.
    """
    main = sys.modules.get("__main__")
    with _START_LOCK:
        saved = {k: main.__dict__.pop(k) for k in ("__file__",) if main is not None and k in main.__dict__}
        spec = getattr(main, "__spec__", None)
        if main is not None:
            main.__spec__ = None
        try:
            yield
        finally:
            if main is not None:
                main.__dict__.update(saved)
                main.__spec__ = spec


class _Child:
    def __init__(self, ctx, release_path: str, store_path: str | None, memory_mb: int):
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child_conn, release_path, store_path, memory_mb),
                                   daemon=True, name="htkg-query")
        with _without_main():
            self.process.start()
        child_conn.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()
        self.process.close()

    def how_it_died(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"


class QueryExecutor:
    """The embedded store behind killable child processes; a :class:`~htkg.store.base.Store`."""

    def __init__(self, store, release_path, *, store_path: str | None = None, timeout: float = 10.0,
                 max_concurrent: int = 4, memory_mb: int = 2048, metrics=None):
        self.store = store            # the in-process store: graphs(), len() and what other areas read
        self.release_path = str(release_path)
        self.store_path = store_path
        self.timeout = timeout
        self.max_concurrent = max_concurrent
        self.memory_mb = memory_mb
        self.metrics = metrics
        self._ctx = multiprocessing.get_context("forkserver")
        # children fork from a server that has already imported the parser and the store
        self._ctx.set_forkserver_preload([__name__, "htkg.web.policy", "htkg.store.oxigraph",
                                          "htkg.dataset.release"])
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._key = (self.release_path, store_path, memory_mb)

    # -- the Store protocol --------------------------------------------------------------------

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        """Evaluate in a child under the time limit (no read-only check: for the site's own queries)."""
        from ..store.oxigraph import to_result
        answer = self.query_serialized(sparql, bindings=bindings, default_graphs=default_graphs,
                                       named_graphs=named_graphs, timeout=timeout, check=False,
                                       result_format=by_name("json"), graph_format=by_name("ntriples"))
        if answer.form == "graph":
            quads = ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
            return QueryResult("graph", triples=[ox.Triple(q.subject, q.predicate, q.object) for q in quads])
        return to_result(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON))

    def graphs(self) -> dict[str, int]:
        return self.store.graphs()

    def __len__(self) -> int:
        return len(self.store)

    def __getattr__(self, name):  # anything else other areas read of the embedded store
        if name == "store":
            raise AttributeError(name)
        return getattr(self.store, name)

    def close(self) -> None:
        with _IDLE_LOCK:
            idle = _IDLE.pop(self._key, [])
        for child in idle:
            child.kill()

    # -- the endpoint's entry point ------------------------------------------------------------

    def limit(self, requested: float | None) -> float:
        """The time limit for a request: the client may lower the server's, never raise it."""
        if requested is None or requested <= 0:
            return self.timeout
        return min(requested, self.timeout)

    def query_serialized(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
                         bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
                         named_graphs: Iterable[str] | None = None, timeout: float | None = None,
                         check: bool = True, prefixes: Mapping[str, str] | None = None) -> Answer:
        """Policy check (``check``), evaluation and serialization in a child, within the time limit."""
        limit = self.limit(timeout)
        if not self._slots.acquire(timeout=1.0):
            self._count("refusals", reason="busy")
            raise QueryTooBusy(self.max_concurrent)
        try:
            return self._run(limit, {
                "text": sparql, "bindings": dict(bindings) if bindings else None,
                "default_graphs": list(default_graphs) if default_graphs is not None else None,
                "named_graphs": list(named_graphs) if named_graphs is not None else None,
                "result_format": result_format.name if result_format else None,
                "graph_format": graph_format.name if graph_format else None,
                "check": check, "prefixes": dict(prefixes or {}),
            })
        finally:
            self._slots.release()

    def _run(self, limit: float, request: dict) -> Answer:
        child = self._take()
        try:
            child.conn.send(request)
            if not child.conn.poll(limit):
                child.kill()
                child = None
                self._count("timeouts")
                raise QueryTimeout(limit)
            reply = child.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            how = child.how_it_died() if child else "unknown"
            if child:
                child.kill()
                child = None
            self._count("crashes")
            log.warning("query process died (%s); starting a new one", how)
            raise QueryCrashed(how, self.memory_mb) from None
        finally:
            if child is not None:
                self._give_back(child)
        kind = reply[0]
        if kind == "ok":
            _, form, fmt_name, body = reply
            return Answer(form, by_name(fmt_name) if fmt_name else None, body)
        if kind == "syntax":
            raise QuerySyntaxError(*reply[1:])
        if kind == "refused":
            raise QueryRefused(reply[1], hint=reply[2], status=reply[3])
        raise StoreError(f"the query failed in the store: {reply[1]}")

    def _take(self) -> _Child:
        dead, found = [], None
        with _IDLE_LOCK:
            idle = _IDLE.setdefault(self._key, [])
            while idle and found is None:
                child = idle.pop()
                if child.process.is_alive():
                    found = child
                else:
                    dead.append(child)
        for child in dead:
            child.kill()
        if found is not None:
            return found
        self._count("spawns")
        return _Child(self._ctx, self.release_path, self.store_path, self.memory_mb)

    def _give_back(self, child: _Child) -> None:
        with _IDLE_LOCK:
            idle = _IDLE.setdefault(self._key, [])
            if len(idle) < self.max_concurrent:
                idle.append(child)
                return
        child.kill()

    def _count(self, name: str, **labels) -> None:
        if self.metrics is not None:
            self.metrics.inc(f"query_{name}", **labels)
