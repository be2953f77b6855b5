"""A static figure of the agency hierarchy with the funding and operation links, drawn by Graphviz ``dot``."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import HtkgError, QueryParameterError
from .network import GraphFilter, Network

__all__ = ["FIGURE_KINDS", "figure_dot", "render_figure"]

FIGURE_KINDS = ("department", "unit", "organization", "program", "hotline")
_FIGURE_STYLE = {  # kind → (shape, fill)
    "department": ("box", "#1f4e79"), "unit": ("box", "#4f81bd"), "organization": ("hexagon", "#8064a2"),
    "program": ("ellipse", "#9bbb59"), "hotline": ("diamond", "#f79646"),
}
_FIGURE_EDGE = {"is part of": ("solid", "#555555"), "funds": ("bold", "#c0504d"), "runs": ("dashed", "#2e7d32")}


def figure_dot(net: Network) -> str:
    """DOT text of the agency hierarchy with funding and operation links (parents to the left of their children)."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    part = net.filter(GraphFilter(kinds=frozenset(k for k in FIGURE_KINDS if k in net.kinds)))
    edges = [e for e in part.edges if e.relation_label in _FIGURE_EDGE]
    used = {e.source for e in edges} | {e.target for e in edges}
    lines = ["digraph htkg {", '  graph [rankdir=RL, fontname="Helvetica", fontsize=11, nodesep=0.25, '
             'ranksep=0.5, label="htkg: agency hierarchy, funding and operation", labelloc=t];',
             '  node [fontname="Helvetica", fontsize=10, style="filled", fontcolor="white", penwidth=0];',
             '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];']
    for n in part.nodes.values():
        if n.iri not in used and n.kind != "department":
            continue
        shape, fill = _FIGURE_STYLE.get(n.kind, ("ellipse", "#777777"))
        short = min([n.label, *n.alt_labels], key=len) if n.alt_labels else n.label
        lines.append(f"  {q(n.iri)} [label={q(short)}, tooltip={q(n.label)}, shape={shape}, fillcolor={q(fill)}];")
    for e in edges:
        style, colour = _FIGURE_EDGE[e.relation_label]
        extra = "" if e.relation_label == "is part of" else f", label={q(e.relation_label)}, constraint=false"
        lines.append(f"  {q(e.source)} -> {q(e.target)} [style={style}, color={q(colour)}, "
                     f"fontcolor={q(colour)}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_figure(net: Network, fmt: str = "svg") -> bytes:
    """The figure drawn by Graphviz ``dot`` (``svg`` or ``png``); an HtkgError if dot is missing."""
    if fmt not in ("svg", "png"):
        raise QueryParameterError("format", f"figure format must be svg or png, not {fmt!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise HtkgError("Graphviz `dot` is not installed", hint="apt-get install graphviz")
    proc = subprocess.run([dot, f"-T{fmt}"], input=figure_dot(net).encode(), capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise HtkgError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
