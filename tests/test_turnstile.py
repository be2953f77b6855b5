"""htkg.turnstile: turns handed on in the order they were asked for, given up while waiting."""

from __future__ import annotations

import io
import threading
import time

import pytest

from htkg.config import Settings
from htkg.errors import ConfigError
from htkg.turnstile import Turnstile, TurnMiddleware, locked, waiting

JOIN_S = 30   # a thread still running after this is stuck: the test fails instead of hanging


def _queued(t: Turnstile, n: int) -> None:
    """Wait until ``n`` threads are queued for a turn (each one asked before the next is started)."""
    for _ in range(10_000):
        if len(t._queue) == n:
            return
        time.sleep(0.001)
    raise AssertionError(f"{len(t._queue)} threads queued, expected {n}")


def _joined(*threads: threading.Thread) -> None:
    for th in threads:
        th.join(JOIN_S)
    assert not any(th.is_alive() for th in threads), "a thread never got its turn"


def test_turns_are_handed_on_in_the_order_they_were_asked_for():
    t = Turnstile(1)
    t.acquire()
    order: list[int] = []

    def ask(i):
        with t.turn():
            order.append(i)
    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=ask, args=(i,)))
        threads[-1].start()
        _queued(t, i + 1)
    t.release()
    _joined(*threads)
    assert order == list(range(6))


def test_a_thread_that_gives_its_turn_up_and_asks_again_goes_behind_the_waiting_one():
    # threading.Semaphore lets the releasing thread take the turn straight back; here the waiter has it
    t = Turnstile(1)
    order: list[str] = []
    t.acquire()
    waiter = threading.Thread(target=lambda: (t.acquire(), order.append("waiter"), t.release()))
    waiter.start()
    _queued(t, 1)
    t.release()
    t.acquire()
    order.append("again")
    t.release()
    _joined(waiter)
    assert order == ["waiter", "again"]


def test_size_turns_are_held_at_once_and_no_more():
    t = Turnstile(2)
    assert t.acquire(timeout=0) and t.acquire(timeout=0)
    assert t.acquire(timeout=0.05) is False
    t.release()
    assert t.acquire(timeout=0)


def test_a_wait_that_times_out_leaves_no_place_in_the_queue():
    t = Turnstile(1)
    t.acquire()
    assert t.acquire(timeout=0.05) is False
    assert not t._queue
    t.release()   # the turn is free again, not handed to the thread that stopped waiting
    assert t.acquire(timeout=0)


def test_a_turnstile_needs_a_turn():
    with pytest.raises(ValueError):
        Turnstile(0)


def test_waiting_gives_the_turn_up_and_takes_it_back():
    t = Turnstile(1)
    other_ran, release_waiter = threading.Event(), threading.Event()
    log: list[str] = []

    def holder():
        with t.turn():
            with waiting():          # e.g. a query process's answer: another request may run meanwhile
                release_waiter.wait(JOIN_S)
            log.append("holder back")

    def other():
        with t.turn():
            log.append("other")
            other_ran.set()
    h = threading.Thread(target=holder)
    h.start()
    for _ in range(10_000):            # the holder is inside waiting(): the turn is free
        if t.free == 1:
            break
        time.sleep(0.001)
    o = threading.Thread(target=other)
    o.start()
    assert other_ran.wait(JOIN_S), "the turn was not given up while waiting"
    release_waiter.set()
    _joined(h, o)
    assert log == ["other", "holder back"]
    assert t.free == 1 and not t._queue


def test_a_turn_within_a_turn_keeps_the_one_held():
    t = Turnstile(1)
    with t.turn():
        with t.turn():   # an app calling itself: waiting for a second turn would never end
            assert t.free == 0
        assert t.free == 0
    assert t.free == 1


def test_waiting_outside_a_turn_does_nothing():
    with waiting():
        pass
    t = Turnstile(1)
    with t.turn():
        pass
    with waiting():   # the turn has ended: nothing to give up, nothing taken afterwards
        pass
    assert t.free == 1


def test_a_lock_held_across_a_wait_does_not_stall_the_turns():
    """The search index is built under a lock and queries the store meanwhile (a wait): a second request
    waiting for the lock with its turn held would keep the builder from its turn for ever."""
    t = Turnstile(1)
    lock = threading.Lock()
    store_answered = threading.Event()
    second_asked = threading.Event()
    log: list[str] = []

    def builder():
        with t.turn(), locked(lock):
            with waiting():
                store_answered.wait(JOIN_S)
            log.append("built")

    def second():
        with t.turn():
            second_asked.set()
            with locked(lock):
                log.append("second")
    b = threading.Thread(target=builder)
    b.start()
    for _ in range(10_000):
        if lock.locked() and t.free == 1:
            break
        time.sleep(0.001)
    s = threading.Thread(target=second)
    s.start()
    assert second_asked.wait(JOIN_S)
    store_answered.set()
    _joined(b, s)
    assert log == ["built", "second"]


def test_the_middleware_holds_a_turn_for_the_call_not_for_the_body():
    seen: list[int] = []
    mw = None

    def app(environ, start_response):
        seen.append(mw.turnstile.free)
        start_response("200 OK", [])

        def body():
            seen.append(mw.turnstile.free)
            yield b"x"
        return body()
    mw = TurnMiddleware(app, 1, max_body=100)
    assert b"".join(mw({}, lambda *a: None)) == b"x"
    assert seen == [0, 1]   # in the call the one turn is taken; while the body is sent it is free


def test_request_turns_is_a_setting_checked_at_start():
    assert Settings().request_turns == 1
    with pytest.raises(ConfigError, match="request_turns"):
        Settings(request_turns=-1)


class _Body(io.BytesIO):
    """A request body that records each read."""

    def __init__(self, data: bytes, log: list):
        super().__init__(data)
        self.log = log

    def read(self, n=-1):
        self.log.append(n)
        return super().read(n)


@pytest.mark.parametrize("headers, body, turn_taken", [
    ({"CONTENT_LENGTH": "5"}, b"query", True),                  # read first, then a turn
    ({"CONTENT_LENGTH": "500"}, b"q" * 500, False),             # over the limit: the app's 413, no turn
    ({"HTTP_TRANSFER_ENCODING": "chunked"}, b"query", False),   # no length to read up to
    ({"CONTENT_LENGTH": "x"}, b"query", False),                 # the app's own error
    ({}, b"", True),                                            # no body: a GET
])
def test_a_request_body_is_read_before_the_turn_is_taken(headers, body, turn_taken):
    seen, reads = [], []
    mw = None

    def app(environ, start_response):
        seen.append((mw.turnstile.free, environ["wsgi.input"].read()))
        start_response("200 OK", [])
        return [b""]
    mw = TurnMiddleware(app, 1, max_body=100)
    b"".join(mw({"wsgi.input": _Body(body, reads), **headers}, lambda *a: None))
    free_in_app, read_in_app = seen[0]
    assert read_in_app == body                  # the app reads the whole body either way
    assert (free_in_app == 0) is turn_taken     # 0 free: the app ran within the one turn
    if turn_taken and body:
        assert reads[0] == len(body)            # read by the middleware, before the turn


def test_a_query_gives_its_turn_up_only_while_it_really_waits(release):
    """With a free slot and an idle query process, a query waits once, for the answer: it keeps its turn
    (and its place) through taking the slot and the process; the first query, which starts the process,
    waits for that too."""
    from htkg.formats import by_name
    from htkg.store.executor import QueryExecutor
    from htkg.store.factory import open_store

    class Counted(Turnstile):
        given_up = 0

        def release(self):
            Counted.given_up += 1
            super().release()
    ex = QueryExecutor(open_store(Settings(), release), release, timeout=30, max_concurrent=1, memory_mb=900)
    t = Counted(1)
    try:
        counts = []
        for i in range(2):
            with t.turn():
                Counted.given_up = 0
                answer = ex.answer(f"SELECT ?s WHERE {{ ?s ?p ?o . ?o ?q ?r }} LIMIT 1 # {i}",
                                   result_format=by_name("json"), graph_format=None)
                assert answer.form == "select"
                counts.append(Counted.given_up)
        assert counts == [2, 1]   # start the process + the answer; then the answer alone
    finally:
        ex.close()
