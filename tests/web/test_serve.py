"""`htkg serve` as a server: the access log, the limits it sets on a request's head, graceful shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _raw(server, head: bytes) -> bytes:
    """Send a request head as bytes; the first bytes of the answer (the status line and headers)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(head)
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    return out


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_access_log_has_a_line_per_request_with_its_status(server):
    marker = f"access-log-probe-{time.monotonic_ns()}"
    with urllib.request.urlopen(f"{server.url}/sparql?{urlencode({'query': 'ASK {} #' + marker})}", timeout=60) as r:
        assert r.status == 200
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{server.url}/id/no-such-thing-{marker}", timeout=60)
    missing.value.close()
    assert missing.value.code == 404
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in server.log().splitlines() if marker in line]
        if len(lines) == 2:
            break
        time.sleep(0.2)
    assert len(lines) == 2, server.log()[-2000:]
    assert '"GET /sparql?query=ASK' in lines[0] and " 200 " in lines[0] and "127.0.0.1" in lines[0]
    assert f'"GET /id/no-such-thing-{marker}' in lines[1] and " 404 " in lines[1]


def test_a_long_request_line_under_the_head_limit_reaches_the_app(server):
    # 20 KB of query text in the URL: longer than gunicorn's old 8 KB line limit, under max_request_head_bytes;
    # the app answers it (its 414 says to POST, as JSON here), not the HTTP server
    query = "ASK {} #" + "x" * 20_000
    answer = _raw(server, f"GET /sparql?{urlencode({'query': query})} HTTP/1.1\r\nHost: t\r\n"
                          "Accept: application/json\r\nConnection: close\r\n\r\n".encode())
    assert _status(answer) == 414, answer[:300]
    head = answer.lower()
    assert b"content-type: application/json" in head and b"access-control-allow-origin" in head, answer[:600]


def test_a_request_head_over_the_limit_is_431(server):
    line = b"GET /sparql?query=" + b"x" * 150_000 + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    assert _status(_raw(server, line)) == 431
    many = b"GET /-/health HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + \
        b"Connection: close\r\n\r\n"
    assert _status(_raw(server, many)) == 431
    # and the server goes on answering
    with urllib.request.urlopen(server.url + "/-/health", timeout=30) as r:
        assert r.status == 200


def test_the_head_limit_is_a_setting(release_dir):
    from server import ServerProcess
    with ServerProcess(release_dir, workers=1, max_request_head_bytes=9000) as srv:
        line = f"GET /sparql?{urlencode({'query': 'ASK {} #' + 'x' * 40_000})} HTTP/1.1\r\nHost: t\r\n" \
               "Connection: close\r\n\r\n"
        assert _status(_raw(srv, line.encode())) == 431
        assert _status(_raw(srv, b"GET /-/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")) == 200


def test_sigterm_lets_the_answer_under_way_finish_then_stops(release_dir):
    """SIGTERM to the server's main process: no new connection is taken, the request under way gets
    its whole answer (here the time limit's 503 after 3 s), then every process exits."""
    from server import ServerProcess
    srv = ServerProcess(release_dir, workers=2).start()
    try:
        # a query process in each worker, so that the slow request does not wait for one to start
        for i in range(4):
            with urllib.request.urlopen(f"{srv.url}/sparql?{urlencode({'query': f'ASK {{}} #{i}'})}", timeout=60):
                pass
        outcome = {}

        def slow():
            try:
                urllib.request.urlopen(f"{srv.url}/sparql?{urlencode({'query': RUNAWAY, 'timeout': '3'})}", timeout=60)
            except urllib.error.HTTPError as e:
                with e:
                    outcome["status"], outcome["body"] = e.code, e.read()
        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(1.0)
        os.kill(srv.proc.pid, signal.SIGTERM)
        thread.join(60)
        assert outcome["status"] == 503
        assert "time limit" in json.loads(outcome["body"])["error"]["message"]
        assert srv.proc.wait(timeout=30) == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(srv.url + "/-/health", timeout=5)
    finally:
        srv.stop()


def test_a_refused_body_is_read_before_the_413_so_the_client_gets_the_answer(server):
    """Regression: granian answered 413 and closed while a client was still sending its 1.1 MB body, so the
    client saw a broken pipe instead of the answer (17 of 200 such POSTs under load). Here the body comes
    slowly, after the head: a server that answers and closes at once breaks the sends that follow."""
    size = 1_100_000
    head = (f"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: {size}\r\nAccept: application/json\r\nConnection: close\r\n\r\n").encode()
    body = b"ASK {} #" + b"x" * (size - 8)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(head)
        time.sleep(0.5)   # the app has decided by now
        for start in range(0, size, 100_000):
            s.sendall(body[start:start + 100_000])
            time.sleep(0.05)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert _status(answer) == 413, answer[:300]
    assert b"1000000 bytes" in answer


def _counter(server, name: str) -> float:
    with urllib.request.urlopen(server.url + "/-/metrics", timeout=30) as r:
        text = r.read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def test_bounded_lookups_are_answered_in_the_worker_and_joins_in_a_query_process(server):
    org = "https://w3id.org/htkg/id/org/"
    lookup = f"SELECT ?p ?o WHERE {{ <{org}ojp> ?p ?o }} # {time.monotonic_ns()}"
    join = f"SELECT ?p ?q WHERE {{ <{org}ojp> ?p ?x . ?x ?q ?y }} # {time.monotonic_ns()}"
    before = _counter(server, "htkg_query_in_worker_total")
    answers = []
    for text in (lookup, join):
        with urllib.request.urlopen(f"{server.url}/sparql?{urlencode({'query': text})}", timeout=60) as r:
            answers.append(json.loads(r.read())["results"]["bindings"])
    assert answers[0] and answers[1]
    # both workers write their counts; the scrape adds them up (one lookup: one more, the join: none)
    assert _counter(server, "htkg_query_in_worker_total") == before + 1


def test_a_worker_keeps_the_apps_objects_out_of_garbage_collection(release_dir):
    """A full collection over the app's objects stopped a worker for 16-25 ms; the worker freezes them."""
    import gc
    from htkg.config import Settings
    from htkg.web.serve import _load
    gc.unfreeze()
    try:
        app = _load(Settings(release_dir=str(release_dir)), "htkg.web.app:create_app")
        assert app.extensions["htkg"] is not None
        assert gc.get_freeze_count() > 10_000   # the app and everything it loaded
    finally:
        gc.unfreeze()


def test_metrics_files_are_named_by_the_process_that_writes_them(tmp_path):
    """prometheus_client names a worker's files by its process id, which htkg keeps (no getpid per count)."""
    import subprocess
    import sys
    code = ("import os\nfrom htkg.web.metrics import Metrics\nm = Metrics(os.environ['D'])\n"
            "m.inc('http_requests', method='GET', route='/', status='200')\n"
            "pid = os.fork()\n"
            "if pid == 0:\n    m.inc('http_requests', method='GET', route='/', status='200')\n    os._exit(0)\n"
            "os.waitpid(pid, 0)\nprint(os.getpid(), pid)\n")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "D": str(tmp_path),
                         "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}, capture_output=True, text=True, check=True)
    parent, child = out.stdout.split()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"counter_{parent}.db", f"counter_{child}.db"])


def test_many_first_searches_at_once_all_answer_with_one_turn_per_worker(release_dir):
    """The first /search of a worker builds the index under a lock, querying the store meanwhile: the
    builder gives its turn up while a query process answers (htkg.turnstile), and the requests waiting for
    the lock must give theirs up too, or the builder never gets one back and the worker hangs."""
    from server import ServerProcess, at_once
    with ServerProcess(release_dir, workers=1, request_turns=1) as srv:
        def ask(i):
            with urllib.request.urlopen(f"{srv.url}/search?{urlencode({'q': 'trafficking', 'format': 'json', 'n': i})}",
                                        timeout=60) as r:
                return r.status
        statuses, errors = at_once(ask, 6)
        assert not errors and statuses == [200] * 6, (errors, srv.log()[-2000:])


def test_turns_are_taken_with_the_embedded_store_and_can_be_turned_off(release_dir):
    from htkg.config import Settings
    from htkg.turnstile import TurnMiddleware
    from htkg.web import create_app
    def chain(app):   # the WSGI middlewares from the outside in
        out, layer = [], app.wsgi_app
        while hasattr(layer, "app"):
            out.append(type(layer).__name__)
            layer = layer.app
        return out
    # the response cache answers its hits outside the turns; everything else takes one
    assert chain(create_app(Settings(release_dir=str(release_dir))))[:2] == ["ResponseCache", "TurnMiddleware"]
    assert TurnMiddleware.__name__ not in chain(create_app(Settings(release_dir=str(release_dir), request_turns=0)))


def test_a_client_sending_its_body_slowly_does_not_hold_up_the_worker(release_dir):
    """A request body comes at the client's pace: it is read before the request takes its turn, so a POST
    whose body trickles in holds one thread, not the worker's one turn (before, a GET behind it waited for
    as long as the client kept the body coming)."""
    from server import ServerProcess
    body = urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
    with ServerProcess(release_dir, workers=1, request_turns=1) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=60) as slow:
            slow.sendall(b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                         b"Accept: application/sparql-results+json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
            time.sleep(0.5)   # the head and part of the body are in: the request waits for the rest
            with urllib.request.urlopen(f"{srv.url}/sparql?{urlencode({'query': 'ASK {}'})}", timeout=20) as r:
                assert r.status == 200
            slow.sendall(body[5:])
            assert slow.recv(64).startswith(b"HTTP/1.1 200")
