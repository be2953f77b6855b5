"""A private Virtuoso open source instance (Debian ``virtuoso-opensource``) on free loopback ports.

Started the way docs/scaling.md tells users to: the packaged ``virtuoso.ini`` copied into a temporary
folder with its own database files and ports, ``virtuoso-t +foreground``, grants for anonymous SPARQL
update set through ``isql-vt``; stopped by its pid.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from server import free_port

PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
GRANTS = ('GRANT SPARQL_UPDATE TO "SPARQL";', "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")


def _ini(folder: Path, sql_port: int, http_port: int, settings: dict[str, dict[str, str]]) -> str:
    """The packaged ini with the database in ``folder``, the two ports on 127.0.0.1 and ``settings``."""
    section, out = None, []
    for line in PACKAGED_INI.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1)
        key = re.match(r"\s*([A-Za-z_]+)\s*=", line)
        if key and section in ("Database", "TempDatabase") and key.group(1) in (
                "DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"):
            name = Path(line.split("=", 1)[1].strip()).name
            line = f"{key.group(1)} = {folder / name}"
        elif key and section == "Parameters" and key.group(1) == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif key and section == "HTTPServer" and key.group(1) == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{http_port}"
        elif key and section == "Parameters" and key.group(1) == "DirsAllowed":
            line = line.rstrip() + f", {folder}"
        elif key and key.group(1) in settings.get(section, {}):
            line = f"{key.group(1)} = {settings[section].pop(key.group(1))}"
        out.append(line)
    text = "\n".join(out) + "\n"
    for section, values in settings.items():   # settings the packaged ini does not have
        for k, v in values.items():
            text = text.replace(f"[{section}]\n", f"[{section}]\n{k} = {v}\n", 1)
    return text


class VirtuosoServer:
    """``virtuoso-t`` in the foreground with its own ini and database under ``folder``."""

    def __init__(self, folder: Path, settings: dict[str, dict[str, str]] | None = None):
        self.folder = Path(folder)
        self.sql_port, self.http_port = free_port(), free_port()
        self.settings = {k: dict(v) for k, v in (settings or {}).items()}
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    @property
    def gsp_url(self) -> str:
        return self.base + "/sparql-graph-crud"

    def start(self) -> "VirtuosoServer":
        exe = shutil.which("virtuoso-t")
        assert exe, "Virtuoso (Debian package virtuoso-opensource) is not installed; .ci/run installs it"
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(_ini(self.folder, self.sql_port, self.http_port, self.settings), encoding="utf-8")
        self.log = open(self.folder / "stdout.log", "wb")
        self.proc = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90   # the first start creates the database
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited: {(self.folder / 'stdout.log').read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=2) as r:
                    r.read()
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("virtuoso did not answer within 90 s")
        self.isql(*GRANTS)
        return self

    def isql(self, *statements: str) -> str:
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba",
                               "exec=" + " ".join(statements)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "*** Error" not in done.stdout, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
