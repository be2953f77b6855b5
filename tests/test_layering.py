"""The core never imports the web: build, store, dataset and publish work without Flask."""

import subprocess
import sys

import pkgutil
from pathlib import Path

import htkg

# Every module of the core packages, found rather than listed, so a new module is checked too.
CORE_PACKAGES = ("build", "store", "dataset", "publish")
CORE = ["htkg.formats", "htkg.iris", "htkg.config", "htkg.errors", "htkg.namespaces"] + [
    f"htkg.{pkg}.{m.name}" for pkg in CORE_PACKAGES
    for m in pkgutil.iter_modules([str(Path(htkg.__file__).parent / pkg)])]


def test_core_modules_are_found():
    assert len(CORE) >= 20 and "htkg.dataset.network" in CORE and "htkg.publish.metadata" in CORE


def test_core_does_not_import_flask():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE) + \
        "bad = [m for m in sys.modules if m == 'flask' or m.startswith('flask.') or m.startswith('htkg.web')]\n" \
        "print(','.join(bad))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core modules pulled in: {out.stdout.strip()}"
