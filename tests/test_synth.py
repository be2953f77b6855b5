"""``htkg synth``: deterministic, about the size asked for, laid out as a project, and valid."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from htkg.cli import cli
from htkg.synth import synth

ROOT = Path(__file__).resolve().parents[1]


def _data(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "data").rglob("synth-*.trig"))}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a = synth(tmp_path / "a", 3000, seed=7, project_root=ROOT)
    b = synth(tmp_path / "b", 3000, seed=7, project_root=ROOT)
    synth(tmp_path / "c", 3000, seed=8, project_root=ROOT)
    assert _data(tmp_path / "a") == _data(tmp_path / "b")
    assert _data(tmp_path / "a") != _data(tmp_path / "c")
    assert a.triples == b.triples and 3000 <= a.triples < 3000 + 1000


def test_statement_count_is_what_the_files_hold(tmp_path):
    import pyoxigraph as ox
    result = synth(tmp_path / "p", 5000, project_root=ROOT, per_file=1500)
    files = sorted((tmp_path / "p" / "data").glob("synth-*.trig"))
    assert len(files) == result.files >= 3
    quads = [q for f in files for q in ox.parse(path=str(f), format=ox.RdfFormat.TRIG)]
    # a shortcut triple can repeat across awards of one graph only if written twice: it is not
    assert len(quads) == result.triples
    assert not [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]


def test_synthetic_project_is_laid_out_and_conforms(tmp_path):
    out = tmp_path / "synth"
    runner = CliRunner()
    made = runner.invoke(cli, ["synth", "--triples", "2000", "--out", str(out), "--root", str(ROOT)],
                         catch_exceptions=False)
    assert made.exit_code == 0, made.output
    for folder in ("ontology", "shapes", "queries", "data/sources"):
        assert (out / folder).is_dir() and any((out / folder).iterdir()), folder
    checked = runner.invoke(cli, ["validate", "--root", str(out)], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output[:3000]
