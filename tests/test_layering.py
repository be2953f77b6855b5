"""The packages' layers: which may import which (an allowed-edges table, no cycles), and the core
never imports the web: compiler, store, dataset and publish work without Flask."""

import ast
import subprocess
import sys

import pkgutil
from pathlib import Path

import htkg

SRC = Path(htkg.__file__).parent

# Every module of the core packages, found rather than listed, so a new module is checked too.
CORE_PACKAGES = ("compiler", "store", "dataset", "publish")
CORE = ["htkg.formats", "htkg.iris", "htkg.config", "htkg.errors", "htkg.namespaces", "htkg.turnstile"] + [
    f"htkg.{pkg}.{m.name}" for pkg in CORE_PACKAGES
    for m in pkgutil.iter_modules([str(SRC / pkg)])]

# A layer is a package of htkg; "base" is the top-level modules every layer may use. A layer imports
# itself, base, and the layers listed here — nothing else. ``store`` is the seam: it knows only the
# base; only the CLI starts the web layer.
BASE_MODULES = {"__init__", "errors", "formats", "iris", "config", "namespaces", "turnstile"}
ALLOWED = {
    "base": set(),
    "store": {"base"},
    "dataset": {"base"},
    "publish": {"base", "dataset", "store"},
    "compiler": {"base", "dataset", "store", "publish"},
    "synth": {"base"},
    "web": {"base", "store", "dataset", "publish"},
    "cli": {"base", "store", "dataset", "publish", "compiler", "synth", "web"},
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "htkg":
        return None
    name = parts[1] if len(parts) > 1 else "__init__"
    if name in BASE_MODULES:
        return "base"
    return "cli" if name in ("cli", "cli_scale") else name


def _imports():
    """(module, imported module) for every import in src/htkg, also those inside functions."""
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if parts[-1] == "__init__" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((module, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    yield module, ".".join(base + ([node.module] if node.module else []))
                else:
                    yield module, node.module


def test_every_layer_is_in_the_table():
    found = {_layer(m) for m, _ in _imports()}
    assert found <= set(ALLOWED), f"a package without a layer: {found - set(ALLOWED)}"
    assert {"store", "dataset", "compiler", "web", "cli"} <= found


def test_the_table_has_no_cycles():
    seen, done = set(), set()

    def visit(layer, path):
        assert layer not in seen or layer in done, f"cycle: {' -> '.join(path + [layer])}"
        if layer in done:
            return
        seen.add(layer)
        for dep in ALLOWED[layer]:
            visit(dep, path + [layer])
        done.add(layer)

    for layer in ALLOWED:
        visit(layer, [])


def test_imports_follow_the_table():
    bad = sorted(f"{m} -> {t}" for m, t in _imports()
                 if _layer(t) is not None and _layer(t) != _layer(m) and _layer(t) not in ALLOWED[_layer(m)])
    assert not bad, "imports across layers the table does not allow:\n" + "\n".join(bad)


def test_core_modules_are_found():
    assert len(CORE) >= 20 and "htkg.dataset.network" in CORE and "htkg.publish.metadata" in CORE
    assert "htkg.store.executor" in CORE and "htkg.store.policy" in CORE


def test_core_does_not_import_flask():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE) + \
        "bad = [m for m in sys.modules if m == 'flask' or m.startswith('flask.') or m.startswith('htkg.web')]\n" \
        "print(','.join(bad))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core modules pulled in: {out.stdout.strip()}"
