"""A static figure of the network as the explorer first shows it (the agencies), drawn by Graphviz ``dot``."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import HtkgError, QueryParameterError
from .network import UPWARD_RELATIONS, Network, compact
from .network_style import kind_style, relation_style, short_label

__all__ = ["figure_dot", "render_figure"]

# cytoscape shapes (the explorer's) → Graphviz shapes
_SHAPES = {"round-rectangle": "box", "rectangle": "box", "hexagon": "hexagon", "barrel": "cylinder",
           "ellipse": "ellipse", "diamond": "diamond", "tag": "cds", "cut-rectangle": "octagon", "star": "star",
           "round-triangle": "triangle", "vee": "invtriangle"}


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def figure_dot(net: Network, agencies: bool = True, caption: str | None = None) -> str:
    """DOT text of the network as the explorer first shows it: with ``agencies``, the agencies and their
    organisational relations (:meth:`Network.agency_view`); wholes above their parts, a funder above what it
    funds; each relation in its explorer style; a legend and a caption."""
    part = net.filter(net.agency_view()) if agencies else net
    upward = set(UPWARD_RELATIONS)
    lines = ["digraph htkg {",
             f'  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.15, ranksep=0.55, newrank=true, '
             f'label={_q(caption or "htkg: the agencies and their organisational relations")}, labelloc=b, labeljust=l];',
             '  node [fontname="Helvetica", fontsize=11, style="filled", fontcolor="white", penwidth=0, margin="0.06,0.03"];',
             '  edge [arrowsize=0.7];']
    for n in part.nodes.values():
        st = kind_style(n.kind)
        shape = _SHAPES.get(st["shape"], "ellipse")
        extra = ', style="filled,rounded"' if st["shape"] == "round-rectangle" else ""
        lines.append(f"  {_q(n.iri)} [label={_q(short_label(n.label, n.alt_labels))}, tooltip={_q(n.label)}, "
                     f"shape={shape}, fillcolor={_q(st['color'])}{extra}];")
    departments = [n.iri for n in part.nodes.values() if n.kind == "department"]
    if departments:
        lines.append("  { rank=min; " + " ".join(_q(d) for d in departments) + " }")
    used: dict[str, dict] = {}
    for e in part.edges:
        st = used.setdefault(e.relation_label, relation_style(e.relation_label))
        a, b, direction = ((e.target, e.source, ", dir=back") if compact(e.relation) in upward
                           else (e.source, e.target, ""))
        lines.append(f"  {_q(a)} -> {_q(b)} [style={st['style']}, color={_q(st['color'])}, "
                     f"penwidth={st['width']}, tooltip={_q(e.relation_label)}{direction}];")
    if used:   # the legend: one sample line per relation label
        lines.append('  subgraph cluster_legend { label="Relations"; fontsize=11; color="#d1d9e0"; rank=sink;')
        lines.append('    node [shape=plaintext, style="", fontcolor="#1b1f24", fontsize=10, width=0, height=0];')
        for i, (label, st) in enumerate(sorted(used.items())):
            lines.append(f'    legend_a{i} [label=""]; legend_b{i} [label={_q(label)}];')
            lines.append(f"    legend_a{i} -> legend_b{i} [style={st['style']}, color={_q(st['color'])}, "
                         f"penwidth={st['width']}, minlen=2];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_figure(net: Network, fmt: str = "svg", agencies: bool = True, caption: str | None = None) -> bytes:
    """The figure drawn by Graphviz ``dot`` (``svg`` or ``png``); an HtkgError if dot is missing."""
    if fmt not in ("svg", "png"):
        raise QueryParameterError("format", f"figure format must be svg or png, not {fmt!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise HtkgError("Graphviz `dot` is not installed", hint="apt-get install graphviz")
    proc = subprocess.run([dot, f"-T{fmt}"], input=figure_dot(net, agencies, caption).encode(), capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise HtkgError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
