"""How the network is drawn — one table for the explorer (sent in ``/api/graph``), its exports and ``htkg render``.

A relation is styled by its label, so two properties that read the same way ("is part of") draw the same
way and share one legend entry. Colours are the Okabe–Ito set, darkened to at least 3:1 contrast on
white; relations drawn with the same line style differ in colour for colour-blind readers too (the
browser tests check both on what is drawn). A label the ontology adds later gets a colour and a line
style from its name.

>>> relation_style("funds")["color"]
'#d55e00'
>>> relation_style("a relation added later") == relation_style("a relation added later")
True
"""

from __future__ import annotations

import hashlib

__all__ = ["KIND_STYLE", "RELATION_STYLE", "kind_style", "relation_style", "styles_for", "short_label"]

KIND_STYLE = {   # kind → fill colour and cytoscape shape
    "department": {"color": "#1f4e79", "shape": "round-rectangle"},
    "unit": {"color": "#4f81bd", "shape": "rectangle"},
    "division": {"color": "#6f9bd1", "shape": "rhomboid"},
    "predecessor": {"color": "#6e6259", "shape": "octagon"},
    "organization": {"color": "#8064a2", "shape": "hexagon"},
    "group": {"color": "#7f7f7f", "shape": "barrel"},
    "program": {"color": "#5e7a2e", "shape": "ellipse"},
    "hotline": {"color": "#c55a11", "shape": "diamond"},
    "statute": {"color": "#953735", "shape": "tag"},
    "section": {"color": "#c0504d", "shape": "cut-rectangle"},
    "relief": {"color": "#31859c", "shape": "star"},
    "topic": {"color": "#a68400", "shape": "round-triangle"},
    "page": {"color": "#7f7f7f", "shape": "round-rectangle"},
    "source": {"color": "#404040", "shape": "vee"},
}
_FALLBACK_KIND = {"color": "#8c8c8c", "shape": "ellipse"}

_C = {"black": "#333333", "vermillion": "#d55e00", "blue": "#0072b2", "green": "#008060", "purple": "#a7307a",
      "indigo": "#332288", "brown": "#7a4a1a", "grey": "#777777", "forest": "#386641"}
# Within one line style every pair of colours stays at least 15 CIELAB units apart for normal, protan, deutan
# and tritan vision (Machado et al. 2009): solid and dotted use six of them each, dashed six others and a dark green.
RELATION_STYLE = {   # relation label → line colour, style (solid | dashed | dotted), width in px
    "is part of": {"color": _C["black"], "style": "solid", "width": 2.5},
    "funds": {"color": _C["vermillion"], "style": "solid", "width": 3},
    "provides": {"color": _C["blue"], "style": "solid", "width": 2},
    "works with": {"color": _C["purple"], "style": "solid", "width": 2},
    "addresses": {"color": _C["brown"], "style": "solid", "width": 1.2},
    "runs": {"color": _C["blue"], "style": "dashed", "width": 2.5},
    "supports": {"color": _C["brown"], "style": "dashed", "width": 2},
    "is a section of": {"color": _C["black"], "style": "dashed", "width": 1.5},
    "is listed as an initiative of": {"color": _C["indigo"], "style": "dashed", "width": 2},
    "has resource page": {"color": _C["grey"], "style": "dashed", "width": 1.2},
    "refers tips to": {"color": _C["vermillion"], "style": "dashed", "width": 2},
    "was established by": {"color": _C["purple"], "style": "dotted", "width": 3},
    "was authorized by": {"color": _C["green"], "style": "dotted", "width": 3},
    "is codified at": {"color": _C["black"], "style": "dotted", "width": 1.5},
    "is published by": {"color": _C["brown"], "style": "dotted", "width": 1.5},
    "gives service referrals to": {"color": _C["vermillion"], "style": "dotted", "width": 2},
    "processes": {"color": _C["indigo"], "style": "dotted", "width": 2},
    "replaces": {"color": _C["indigo"], "style": "solid", "width": 2},
    "was created within": {"color": _C["forest"], "style": "dashed", "width": 2},
}
_STYLES = ("solid", "dashed", "dotted")


def kind_style(kind: str) -> dict:
    return KIND_STYLE.get(kind, _FALLBACK_KIND)


def relation_style(label: str) -> dict:
    """The style of a relation label; an unknown one gets a (colour, line style) pair from its name."""
    if label in RELATION_STYLE:
        return RELATION_STYLE[label]
    h = int(hashlib.sha1(label.encode()).hexdigest(), 16)
    colours = list(_C.values())
    return {"color": colours[h % len(colours)], "style": _STYLES[(h // 7) % 3], "width": 1.5}


def styles_for(kinds, relation_labels) -> dict:
    """The style table of the given kinds and relation labels, as ``/api/graph`` sends it."""
    return {"kinds": {k: kind_style(k) for k in kinds},
            "relations": {label: relation_style(label) for label in sorted(set(relation_labels))}}


def short_label(label: str, alt_labels=()) -> str:
    """The name drawn: an alias of at most 18 characters if shorter (an acronym), else the name, cut at a word.

    >>> short_label("Office for Victims of Crime", ("OVC",))
    'OVC'
    """
    alts = sorted((a for a in alt_labels if len(a) < len(label) and len(a) <= 18), key=len)
    name = alts[0] if alts else label
    if len(name) <= 34:
        return name
    cut = name[:33]
    return (cut[:cut.rfind(" ")] if cut.rfind(" ") > 16 else cut) + "…"
