"""A real ``htkg serve`` process on a free loopback port, for tests with real clients."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["ServerProcess", "free_port"]

HTKG = str(Path(sys.executable).with_name("htkg"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``with ServerProcess(release_dir, query_timeout=2) as srv: srv.url + "/sparql"``."""

    def __init__(self, release_dir: Path, *, workers: int = 2, env: dict | None = None, cwd: Path | None = None,
                 **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.release_dir = release_dir
        self.workers = workers
        self.settings = settings
        self.env = env or {}
        self.cwd = cwd          # the directory the command runs in (a relative release_dir is read from it)
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def start(self, timeout: float = 60.0) -> "ServerProcess":
        args = [HTKG, "serve", "--release-dir", str(self.release_dir), "--port", str(self.port),
                "--workers", str(self.workers)]
        for key, value in self.settings.items():
            args += ["--" + key.replace("_", "-"), str(value)]
        env = {**os.environ, **{k: str(v) for k, v in self.env.items()}}
        import tempfile
        self.log_path = Path(tempfile.mkstemp(prefix="htkg-serve-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.cwd, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"htkg serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/-/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"htkg serve did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def at_once(ask, n: int, timeout: float = 90) -> tuple[list, list]:
    """``ask(i)`` for i in 0…n-1, each in its own thread, all started before any is awaited: (results,
    exceptions). A thread still running after ``timeout`` counts as an exception."""
    import threading
    results, errors = [], []

    def run(i):
        try:
            results.append(ask(i))
        except Exception as exc:   # returned to the test
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    errors += [TimeoutError(f"{t.name} did not finish in {timeout} s") for t in threads if t.is_alive()]
    return results, errors
