"""A real ``oxigraph serve`` process (PyPI package ``oxigraph``) on a free loopback port, for the store tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve --union-default-graph`` on 127.0.0.1, started and stopped by the tests."""

    def __init__(self, location: Path, port: int | None = None):
        self.location = location
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def gsp_url(self) -> str:
        return self.base + "/store"

    def start(self) -> "OxigraphServer":
        exe = str(OXIGRAPH) if OXIGRAPH.exists() else shutil.which("oxigraph")
        assert exe, "the oxigraph server (PyPI package oxigraph) is not installed"
        self.proc = subprocess.Popen([exe, "serve", "--location", str(self.location), "--union-default-graph",
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):  # up to ~10 s
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=1) as r:
                    r.read()
                return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph did not start within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None


def publish(release_dir: Path, server: OxigraphServer):
    from click.testing import CliRunner
    from htkg.cli import cli
    result = CliRunner().invoke(cli, ["publish", "--to", server.gsp_url, "--release", str(release_dir)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def new_server(tmp_path):
    """Make servers (``new_server(location=None, port=None)``); every one is stopped after the test."""
    made = []

    def make(location: Path | None = None, port: int | None = None) -> OxigraphServer:
        server = OxigraphServer(location or tmp_path / f"db{len(made)}", port)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory, release_dir):
    """A running oxigraph server holding the curated release, loaded with ``htkg publish --to``."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    try:
        publish(release_dir, server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory, release_dir):
    """One private Virtuoso instance per test session, holding the curated release (``htkg publish``)."""
    from virtuoso import VirtuosoServer
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        publish(release_dir, server)
        yield server
    finally:
        server.stop()
