"""A first-come, first-served turn for the Python work of a server worker's requests.

A server worker runs each request in one of its threads, and the threads share one interpreter lock.
When several requests are in Python at once, each takes several times as long and they finish in an
order the interpreter lock picks, not the order they came in: on two cores under sixteen clients, a
small query's 99th percentile was 16 ms with six threads against 9.5 ms with one (bench/RESULTS.md).
Fewer threads would give that back, but a thread also waits (on a query process, on a slow client
reading a dump, a client sending its request slowly), and with few threads a few slow clients take
them all.

So threads stay many, and a request takes a *turn* to run its Python: at most ``size`` requests of a
worker hold one at a time, handed on in the order they asked. A request gives its turn up while it
waits for something else — a concurrency slot, a query process's answer (:func:`waiting`, in
:mod:`htkg.store.executor`) — and asks again, at the back, once it has what it waited for. The response
body is sent after the turn has ended, so a slow reader of a large answer holds a thread, not the turn.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections import deque

__all__ = ["Turnstile", "TurnMiddleware", "waiting", "locked"]

_held = threading.local()   # .turnstile: the Turnstile whose turn this thread holds, if any


class Turnstile:
    """A counting semaphore that hands a freed turn to the thread that has waited longest.

    ``threading.Semaphore`` lets a thread that releases and asks again at once take the turn back
    before the woken waiter runs; the waiter then waits again behind newer ones, which is exactly the
    tail this exists to cut.
    """

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("a turnstile needs at least one turn")
        self._lock = threading.Lock()
        self._free = size
        self._queue: deque[threading.Lock] = deque()

    @property
    def free(self) -> int:
        """How many turns nobody holds now."""
        return self._free

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait for a turn (at most ``timeout`` seconds: False if none came)."""
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return True
            baton = threading.Lock()
            baton.acquire()
            self._queue.append(baton)
        # released by the thread that hands its turn to this one
        if baton.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
            return True
        with self._lock:
            try:
                self._queue.remove(baton)
                return False
            except ValueError:   # handed a turn between the timeout and the lock: it is this thread's
                return True

    def release(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().release()   # the turn passes on without becoming free
            else:
                self._free += 1

    @contextlib.contextmanager
    def turn(self):
        """Hold a turn for the block (this thread's :func:`waiting` gives it up meanwhile); a thread that
        already holds one keeps it (a second would wait for the first, for ever, with one turn)."""
        if getattr(_held, "turnstile", None) is self:
            yield
            return
        self.acquire()
        _held.turnstile = self
        try:
            yield
        finally:
            turnstile, _held.turnstile = getattr(_held, "turnstile", None), None
            if turnstile is not None:   # None: given up by a waiting() that could not get it back
                turnstile.release()


@contextlib.contextmanager
def waiting():
    """Give this thread's turn up for the block, which waits and does not run Python; a no-op in a thread
    that holds none (a test client, a body being sent, a query process's own thread)."""
    turnstile = getattr(_held, "turnstile", None)
    if turnstile is None:
        yield
        return
    _held.turnstile = None
    turnstile.release()
    try:
        yield
    finally:
        turnstile.acquire()
        _held.turnstile = turnstile


@contextlib.contextmanager
def locked(lock):
    """Hold ``lock`` for the block. A lock that is held across a wait (a store query) must be taken this
    way: its holder gives the turn up while it waits and needs one back to finish, so a thread that
    waited for the lock while keeping its turn would keep the holder from ever finishing."""
    if not lock.acquire(blocking=False):
        with waiting():
            lock.acquire()
    try:
        yield
    finally:
        lock.release()


class TurnMiddleware:
    """WSGI middleware: the app's call (not the sending of its answer) runs within a turn.

    A request body arrives at the client's pace, so it is read before the turn is taken: a client
    sending its body slowly would otherwise hold the worker's only turn for as long as it likes. A body
    of up to ``max_body`` bytes with a ``Content-Length`` is read here whole; any other body (larger,
    which the app refuses with 413 after reading it off, or chunked) is left to the app, which then runs
    without a turn.
    """

    def __init__(self, wsgi_app, size: int, max_body: int):
        self.app, self.turnstile, self.max_body = wsgi_app, Turnstile(size), max_body

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        if length not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ:
            if not (length.isdigit() and int(length) <= self.max_body):
                return self.app(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        with self.turnstile.turn():
            return self.app(environ, start_response)
