"""Queries on the embedded store, evaluated in child processes that can be stopped.

pyoxigraph cannot cancel a query in-process, and it aborts the whole process on some inputs (very
deeply nested groups, exhausted memory). So each server worker keeps a small pool of child
processes (at most ``max_concurrent_queries``, started lazily from a fork server), each with the
release's store opened once. A query is sent to an idle child; when the time limit passes the child
is killed and a fresh one takes its place; a child that dies answers a clear error. The server
worker itself runs only the queries that cannot run away (:mod:`htkg.store.bounded`: one triple pattern
with a constant, or a one-predicate path from a constant, that a probe has found to match at most
``bounded_cap`` quads): their work is bounded before they start, so there is nothing to stop.

Results stream: the child serializes as the engine produces solutions and sends the bytes in chunks
of :data:`CHUNK_BYTES`. An answer that fits in the first chunk comes back whole (``Answer.body``);
a larger one comes back as its first chunk and a :class:`ProcessStream` of the rest, which holds the
child (and its concurrency slot) until it is read to the end or closed. The time limit covers the
whole answer: when it passes mid-stream the child is killed and the stream raises, so the server
cuts the connection without the final chunk. Closing a stream early (the client went away) tells the
child to stop and takes it back into the pool once it has (or kills it if it does not, within a
second).

:class:`QueryExecutor` implements the :class:`~htkg.store.base.Store` protocol, so every page that
queries through ``site().store`` gets the same protection; :meth:`QueryExecutor.answer` gives the
bytes of the negotiated format straight from the child, after the read-only policy
(:mod:`htkg.store.policy`) has been applied there.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Iterable, Mapping

import pyoxigraph as ox

from ..errors import QueryError, QueryRefused, QuerySyntaxError, QueryTimeout, QueryTooBusy, StoreError
from ..formats import Format, by_name
from .base import CHUNK_BYTES, Answer, QueryResult, Term, time_limit
from .bounded import Probe, bounded_pattern
from ..turnstile import Turnstile, waiting

__all__ = ["QueryExecutor", "ProcessStream", "QueryCrashed"]

log = logging.getLogger("htkg.store.executor")

# the policy parser (pyparsing) recurses per triple pattern and per nesting level: give it room
_CHILD_STACK_BYTES = 256 * 1024 * 1024
_CHILD_RECURSION = 40_000
_CANCEL = "cancel"       # parent → child, mid-stream: stop serializing
_DRAIN_SECONDS = 1.0     # how long a cancelled child may take to stop before it is killed


class QueryCrashed(QueryError):
    """The process evaluating the query died: the memory limit was hit (pyoxigraph aborts when an
    allocation fails: SIGABRT) or it overflowed its stack. A limit of this server, like the time
    limit: 503, with what to change in the query."""

    status = 503

    def __init__(self, how: str, memory_mb: int):
        if "SIGABRT" in how:
            message = (f"the query was stopped: it needed more memory than this server gives one query "
                       f"({memory_mb} MiB)")
            hint = ("ORDER BY, GROUP BY and DISTINCT hold every row of the pattern in memory: narrow the pattern "
                    "or drop the ordering; the whole graph is in the dumps (/dumps/)")
        else:
            message = f"the query was stopped: the query engine failed on it ({how}) and was restarted"
            hint = f"queries that nest very deeply or need more than {memory_mb} MiB do this; simplify the query"
        super().__init__(message, hint=hint)


class _Cancelled(Exception):
    """Raised from the child's writer when the parent asks it to stop mid-stream."""


class _PipeWriter:
    """A binary file for pyoxigraph's serializers that sends what it is given in chunks over the pipe.

    The first chunk goes as ``("ok", form, format, more, bytes, done)``, the next ones as ``("chunk", bytes)``
    and the tail as ``("end", bytes)``. After each chunk it looks for a cancel from the parent.
    """

    def __init__(self, conn, form: str, fmt_name: str | None, more: bool | None):
        self.conn, self.header = conn, (form, fmt_name, more)
        self.buffer = bytearray()
        self.started = False

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) >= CHUNK_BYTES:
            self._send(bytes(self.buffer[:CHUNK_BYTES]))
            del self.buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        tail = bytes(self.buffer)
        self.buffer.clear()
        if self.started:
            self.conn.send(("end", tail))
        else:
            self.conn.send(("ok", *self.header, tail, True))

    def _send(self, data: bytes) -> None:
        if self.started:
            self.conn.send(("chunk", data))
        else:
            self.conn.send(("ok", *self.header, data, False))
            self.started = True
        if self.conn.poll() and self.conn.recv() == _CANCEL:
            raise _Cancelled()


# --------------------------------------------------------------------------------------------------
# the child side


def _child_main(conn, source: tuple, memory_mb: int) -> None:
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
    worker = threading.Thread(target=_serve, args=(conn, source, memory_mb))
    worker.start()
    worker.join()


def _serve(conn, source: tuple, memory_mb: int) -> None:
    """``source``: the arguments of :func:`~htkg.store.factory.embedded_store` (dump, on-disk store, counts)."""
    import resource
    from .factory import embedded_store
    store = embedded_store(*source)
    graphs = set(store.graphs())
    if memory_mb:  # after loading: bulk loading takes a large buffer for a moment, queries must not
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    prefixes: dict = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request == _CANCEL:   # came after the stream it was meant for had ended
            continue
        if request["prefixes"] is None:   # the same as the last request's (sent once: see QueryExecutor._run)
            request["prefixes"] = prefixes
        prefixes = request["prefixes"]
        try:
            _answer(conn, store, graphs, **request)
        except _Cancelled:
            conn.send(("cancelled",))
        except Exception as exc:  # reported to the client; the child stays usable
            _report(conn, exc)


def _report(conn, exc: Exception) -> None:
    """An error as a message: the parent raises it (or, mid-stream, cuts the answer)."""
    conn.send(_reply_for(exc))


def _reply_for(exc: Exception) -> tuple:
    """The message for an error (:func:`_error` makes the exception again on the other side)."""
    if isinstance(exc, QuerySyntaxError):
        return ("syntax", exc.detail, exc.position.line, exc.position.column, exc.snippet)
    if isinstance(exc, QueryRefused):
        return ("refused", exc.message, exc.hint, exc.status)
    if isinstance(exc, MemoryError):
        return ("store", "the query needed more memory than this server allows")
    return ("store", f"{type(exc).__name__}: {exc}")


def _answer(conn, store, graphs, **request) -> None:
    """Evaluate, then serialize into the pipe as the engine produces (``page``: only rows offset…offset+limit)."""
    _evaluate_into(store, graphs, lambda form, fmt_name, more: _PipeWriter(conn, form, fmt_name, more),
                   **request).finish()


def _evaluate_into(store, graphs, open_writer, *, text, result_format, graph_format, check, prefixes,
                   bindings=None, default_graphs=None, named_graphs=None, page=None, base_iri=None):
    """The one evaluation of a query, in a child or (a bounded query) in the server worker: the read-only
    policy when ``check`` (against ``graphs``), pyoxigraph's evaluation, then the answer serialized into the
    writer ``open_writer(form, format name or None, more)`` gives, which is returned."""
    from .oxigraph import evaluate, serialize_result
    form, result, more = evaluate(store.store, text, bindings=bindings, default_graphs=default_graphs,
                                  named_graphs=named_graphs, check_graphs=graphs if check else None,
                                  page=page, base_iri=base_iri)
    fmt_name = graph_format if form == "graph" else result_format
    writer = open_writer(form, fmt_name, more)
    if fmt_name is not None:
        serialize_result(result, by_name(fmt_name), writer, prefixes)
    return writer


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
    def __init__(self, ctx, source: tuple, memory_mb: int):
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child_conn, source, memory_mb),
                                   daemon=True, name="htkg-query")
        with _without_main():
            self.process.start()
        child_conn.close()
        self.killed = False
        self.prefixes: dict | None = None   # the prefixes this child last received

    def kill(self) -> None:
        if self.killed:
            return
        self.killed = True
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

    def __init__(self, store, release, *, store_path: str | None = None, timeout: float = 10.0,
                 max_concurrent: int = 2, memory_mb: int = 2048, metrics=None, bounded_cap: int = 0):
        """``release``: a :class:`~htkg.dataset.release.ReleaseInfo` (its dump and counts per graph),
        which every child opens (``store_path``: its on-disk store) as ``store`` was opened here.
        ``bounded_cap``: see :meth:`_bounded` (0: every query goes to a child)."""
        from .factory import release_graph_counts
        self.store = store            # the in-process store: graphs(), len() and what other areas read
        self.source = (str(release.nquads_path), store_path, release_graph_counts(release))
        self.store_path = store_path
        self.timeout = timeout
        self.max_concurrent = max_concurrent
        self.memory_mb = memory_mb
        self.metrics = metrics
        self._ctx = multiprocessing.get_context("forkserver")
        # children fork from a server that has already imported the parser and the store
        self._ctx.set_forkserver_preload([__name__, "htkg.store.policy", "htkg.store.oxigraph",
                                          "htkg.store.factory"])
        self._slots = Turnstile(max_concurrent)   # first come, first served, as the requests' turns
        self._key = (self.source[0], store_path, memory_mb)
        self._probe = Probe(store.store, bounded_cap) if bounded_cap > 0 else None
        self._graph_set: set[str] | None = None

    # -- the Store protocol --------------------------------------------------------------------

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        """Evaluate in a child under the time limit (no read-only check: for the site's own queries)."""
        answer = self._serialized(sparql, bindings=bindings, default_graphs=default_graphs,
                                  named_graphs=named_graphs, timeout=timeout, check=False,
                                  result_format=by_name("json"), graph_format=by_name("ntriples"))
        return _parsed(answer)

    def query_page(self, sparql: str, *, offset: int, limit: int, bindings: Mapping[str, Term] | None = None,
                   timeout: float | None = None) -> tuple[QueryResult, bool]:
        """Rows ``offset`` to ``offset + limit`` of a SELECT (triples of a CONSTRUCT), and whether more follow.

        The child reads the rows before the page and one after it, and sends only the page.
        """
        answer = self._serialized(sparql, bindings=bindings, check=False, page=(offset, limit), timeout=timeout,
                                  result_format=by_name("json"), graph_format=by_name("ntriples"))
        return _parsed(answer), bool(answer.more)

    def answer(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
               bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
               named_graphs: Iterable[str] | None = None, timeout: float | None = None,
               prefixes: Mapping[str, str] | None = None, check: bool = False, base_iri: str | None = None) -> Answer:
        """Policy check (``check``), evaluation and serialization in a child, within the time limit.

        A large answer comes with a :class:`ProcessStream`, which keeps the child and the
        concurrency slot until it ends or is closed.
        """
        return self._serialized(sparql, result_format=result_format, graph_format=graph_format, bindings=bindings,
                                default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout,
                                prefixes=prefixes, check=check, base_iri=base_iri)

    def graphs(self) -> dict[str, int]:
        return self.store.graphs()

    def __len__(self) -> int:
        return len(self.store)

    def close(self) -> None:
        with _IDLE_LOCK:
            idle = _IDLE.pop(self._key, [])
        for child in idle:
            child.kill()

    # -- the endpoint's entry point ------------------------------------------------------------

    def limit(self, requested: float | None) -> float:
        """The time limit for a request (:func:`~htkg.store.base.time_limit`)."""
        return time_limit(requested, self.timeout)

    def _serialized(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
                    bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
                    named_graphs: Iterable[str] | None = None, timeout: float | None = None,
                    check: bool = True, prefixes: Mapping[str, str] | None = None,
                    page: tuple[int, int] | None = None, base_iri: str | None = None) -> Answer:
        if (self._probe is not None and page is None and not bindings and default_graphs is None
                and named_graphs is None):
            pattern = bounded_pattern(sparql)
            if pattern is not None and self._probe.within(pattern):
                return self._bounded(sparql, result_format, graph_format, check, prefixes, base_iri)
        limit = self.limit(timeout)
        free = self._slots.acquire(timeout=0)
        if not free:   # only a real wait gives the turn up (and queues for it again)
            with waiting():
                free = self._slots.acquire(timeout=1.0)
        if not free:
            self._count("refusals", reason="busy")
            raise QueryTooBusy(self.max_concurrent)
        answer = None
        try:
            answer = self._run(limit, {
                "text": sparql, "bindings": dict(bindings) if bindings else None,
                "default_graphs": list(default_graphs) if default_graphs is not None else None,
                "named_graphs": list(named_graphs) if named_graphs is not None else None,
                "result_format": result_format.name if result_format else None,
                "graph_format": graph_format.name if graph_format else None,
                "check": check, "prefixes": prefixes or {}, "page": page, "base_iri": base_iri,
            })
            return answer
        finally:
            if answer is None or answer.stream is None:
                self._slots.release()

    def _bounded(self, sparql: str, result_format: Format | None, graph_format: Format | None, check: bool,
                 prefixes: Mapping[str, str] | None, base_iri: str | None) -> Answer:
        """A query of a bounded shape, within the cap: evaluated here by the children's own
        :func:`_evaluate_into`, its errors those a child reports, without the trip to a child."""
        if check and self._graph_set is None:
            self._graph_set = set(self.store.graphs())
        form_and_format = []

        def open_writer(form, fmt_name, _more):
            form_and_format[:] = [form, by_name(fmt_name) if fmt_name else None]
            return io.BytesIO()
        try:
            out = _evaluate_into(self.store, self._graph_set, open_writer, text=sparql, check=check,
                                 result_format=result_format.name if result_format else None,
                                 graph_format=graph_format.name if graph_format else None,
                                 prefixes=prefixes or {}, base_iri=base_iri)
        except Exception as exc:   # as a child would report it
            raise _error(_reply_for(exc)) from None
        self._count("in_worker")
        return Answer(*form_and_format, out.getvalue())

    def _run(self, limit: float, request: dict) -> Answer:
        child = self._take()
        # the limit is the query's: it starts once a process has it (starting one after a kill is
        # the server's cost, which on a loaded machine took most of a 1.5 s limit)
        deadline = time.monotonic() + limit
        # the prefixes (for graph answers) rarely change: a child that has them gets None, "as before",
        # which saves pickling about 1.5 KB on both sides of every query
        if request["prefixes"] == child.prefixes:
            request = {**request, "prefixes": None}
        else:
            child.prefixes = request["prefixes"] = dict(request["prefixes"])
        try:
            with contextlib.suppress(OSError):   # a child that died idle: _receive says how
                child.conn.send(request)
            reply = self._receive(child, deadline, limit)
        except BaseException:
            child.kill()   # already done when it was late or died; in any other case its state is unknown
            raise
        kind = reply[0]
        if kind == "ok":
            _, form, fmt_name, more, body, done = reply
            fmt = by_name(fmt_name) if fmt_name else None
            if done:
                self._give_back(child)
                return Answer(form, fmt, body, more=more)
            self._count("streams")
            return Answer(form, fmt, body, ProcessStream(self, child, deadline, limit), more=more)
        self._give_back(child)
        raise _error(reply)

    def _receive(self, child: _Child, deadline: float, limit: float) -> tuple:
        """The child's next message by the deadline; kills it (and raises) when it is late or dead."""
        try:
            # strictly by the clock: a child ahead of a slow client does not earn it more time
            remaining = deadline - time.monotonic()
            with waiting():
                ready = remaining > 0 and child.conn.poll(remaining)
            if not ready:
                child.kill()
                self._count("timeouts")
                raise QueryTimeout(limit)
            return child.conn.recv()
        except (EOFError, OSError):
            how = child.how_it_died()
            child.kill()
            self._count("crashes")
            log.warning("query process died (%s); starting a new one", how)
            raise QueryCrashed(how, self.memory_mb) from None

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
        if found is not None and not dead:
            return found
        with waiting():   # killing dead children and starting a new one are waits: the turn is given up
            for child in dead:
                child.kill()
            if found is not None:
                return found
            self._count("spawns")
            return _Child(self._ctx, self.source, self.memory_mb)

    def _give_back(self, child: _Child) -> None:
        if child.killed:
            return
        with _IDLE_LOCK:
            idle = _IDLE.setdefault(self._key, [])
            if len(idle) < self.max_concurrent:
                idle.append(child)
                return
        child.kill()

    def _count(self, name: str, **labels) -> None:
        if self.metrics is not None:
            self.metrics.inc(f"query_{name}", **labels)


class ProcessStream:
    """The rest of a large answer, chunk by chunk as the child sends it; holds the child until closed
    (an :class:`~htkg.store.base.AnswerStream`).

    Iterating raises :class:`QueryTimeout` when the time limit passes, :class:`QueryCrashed` when the
    child dies, and a :class:`StoreError` when the engine fails: the answer is then incomplete.
    """

    def __init__(self, executor: QueryExecutor, child: _Child, deadline: float, limit: float):
        self._executor, self._child = executor, child
        self._deadline, self._limit = deadline, limit

    def __iter__(self) -> "ProcessStream":
        return self

    def __next__(self) -> bytes:
        if self._child is None:
            raise StopIteration
        try:
            reply = self._executor._receive(self._child, self._deadline, self._limit)
        except BaseException:
            self._child.kill()
            self._release()
            raise
        if reply[0] == "chunk":
            return reply[1]
        self._release()
        if reply[0] == "end":
            if reply[1]:
                return reply[1]
            raise StopIteration
        raise _error(reply)

    def close(self) -> None:
        """Stop the child (the client went away): back into the pool once it has stopped, else killed."""
        child = self._child
        if child is None:
            return
        try:
            child.conn.send(_CANCEL)
            deadline = time.monotonic() + _DRAIN_SECONDS
            with waiting():
                while child.conn.poll(max(0.0, deadline - time.monotonic())):
                    if child.conn.recv()[0] != "chunk":   # "cancelled", "end" or an error: it is idle again
                        break
                else:
                    child.kill()
        except (EOFError, OSError):
            child.kill()
        self._executor._count("stream_cancels")
        self._release()

    def _release(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            self._executor._give_back(child)
            self._executor._slots.release()

    def __del__(self):  # a response dropped without being sent still frees its child
        with contextlib.suppress(Exception):
            self.close()


def _error(reply: tuple) -> Exception:
    kind = reply[0]
    if kind == "syntax":
        return QuerySyntaxError(*reply[1:])
    if kind == "refused":
        return QueryRefused(reply[1], hint=reply[2], status=reply[3])
    return StoreError(f"the query failed in the store: {reply[1]}")


def _parsed(answer: Answer) -> QueryResult:
    """A JSON or N-Triples answer as a :class:`QueryResult`."""
    from .oxigraph import to_result
    body = answer.read()
    if answer.form == "graph":
        quads = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        return QueryResult("graph", triples=[ox.Triple(q.subject, q.predicate, q.object) for q in quads])
    return to_result(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
