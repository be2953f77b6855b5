"""Shared fixtures: the repository, the compiled curated graph, an embedded store, a built release."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from htkg.store import open_store
from htkg.config import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def compiled():
    """The curated files parsed and enriched (a pyoxigraph store; do not change it)."""
    from htkg.compiler.compile import compile_project
    return compile_project(ROOT)


@pytest.fixture(scope="session")
def store(compiled):
    """The compiled graph in an embedded pyoxigraph store (union default graph)."""
    from htkg.store.oxigraph import OxigraphStore
    return OxigraphStore.from_quads(compiled)


@pytest.fixture(scope="session")
def named_queries():
    from htkg.dataset.queries import load_queries
    return load_queries(ROOT / "queries")


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """A release built from the curated files, once per test session."""
    from htkg.compiler.pipeline import build_release
    out = tmp_path_factory.mktemp("release") / "release"
    build_release(ROOT, out)
    return out


@pytest.fixture(scope="session")
def release(release_dir):
    from htkg.dataset.release import open_release
    return open_release(release_dir)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A writable copy of the curated files, for tests that break them."""
    dst = tmp_path / "project"
    for folder in ("ontology", "data", "shapes", "queries"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dst / folder)
    return dst


@pytest.fixture(scope="session")
def app(release_dir):
    """The Flask app over the session's release (in-process, for the test client)."""
    from htkg.config import Settings
    from htkg.web import create_app
    return create_app(Settings(release_dir=str(release_dir)))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def server(release_dir):
    """A real `htkg serve` process on a free loopback port, shared by the session."""
    from server import ServerProcess
    with ServerProcess(release_dir, query_timeout=3) as srv:
        yield srv


@pytest.fixture(scope="session")
def direct(release):
    """The release's store opened directly, without the web layer: the oracle for expected answers."""
    return open_store(Settings(), release)
