"""The core never imports the web: build, store, dataset and publish work without Flask."""

import subprocess
import sys

CORE = ["htkg.build.pipeline", "htkg.build.freeze", "htkg.store.oxigraph", "htkg.dataset.release",
        "htkg.dataset.queries", "htkg.formats", "htkg.iris", "htkg.config", "htkg.errors"]


def test_core_does_not_import_flask():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE) + \
        "bad = [m for m in sys.modules if m == 'flask' or m.startswith('flask.') or m.startswith('htkg.web')]\n" \
        "print(','.join(bad))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core modules pulled in: {out.stdout.strip()}"
