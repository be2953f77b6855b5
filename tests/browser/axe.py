"""axe-core (from npm, ``node_modules/axe-core``) run inside a playwright page: WCAG 2.1 AA, zero violations.

The script is injected by the test into the page it checks (``add_script_tag(path=...)``); the site
never serves it. ``assert_no_axe_violations(page, "the editor after a run")`` fails with one line per
violation: the rule, its impact, the elements it found and axe's own hint for the fix.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["AXE_JS", "WCAG21AA", "axe_violations", "assert_no_axe_violations"]

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, *, include: str | None = None) -> list[dict]:
    """axe's violations on the page as it is now (all of it, or the part ``include`` selects)."""
    if not AXE_JS.is_file():
        raise AssertionError(f"axe-core is missing ({AXE_JS.name} under node_modules/axe-core): run `make setup`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """([include, tags]) => window.axe.run(include ? document.querySelector(include) : document,
               {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
           .then(r => r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), fix: n.failureSummary || ''}))})))""",
        [include, WCAG21AA])


def describe(violations: list[dict], limit: int = 5) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)] {v['helpUrl']}")
        for n in v["nodes"][:limit]:
            fix = " ".join(n["fix"].split())
            lines.append(f"    {n['target']}: {fix}")
        if len(v["nodes"]) > limit:
            lines.append(f"    … and {len(v['nodes']) - limit} more")
    return "\n".join(lines)


def assert_no_axe_violations(page, context: str, *, include: str | None = None) -> None:
    """Fail unless axe-core finds no WCAG 2.1 AA violation; ``context`` names the page state checked."""
    violations = axe_violations(page, include=include)
    assert not violations, (f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {context} "
                            f"({page.url}):\n{describe(violations)}")
