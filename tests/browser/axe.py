"""`assert_accessible(page)`: run axe-core on the page as it is now and fail on any WCAG 2.2 AA violation.

axe-core comes from `node_modules/axe-core/axe.min.js` (package.json; `npm ci`). The AXE_CORE_JS
environment variable may point at another copy. Without it the test is skipped locally and fails
under CI=true.
"""

import os
from pathlib import Path

from tests.conftest import require

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js")
    require(path.is_file(), f"axe-core is missing at {path} (run `npm ci`)")
    return path.read_text(encoding="utf-8")


def axe_violations(page, *, tags: list[str] | None = None, exclude: list[str] | None = None) -> list[dict]:
    """The axe violations on `page` for `tags` (default WCAG 2.0/2.1/2.2 A and AA)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol rather than added as an inline <script>, which the
        # site's Content-Security-Policy (rightly) refuses to run.
        page.evaluate(axe_source())
    context = {"exclude": [[selector] for selector in exclude]} if exclude else {"include": [["html"]]}
    result = page.evaluate(
        "async ([context, tags]) => await window.axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [context, tags or AXE_TAGS],
    )
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
    return "\n".join(lines)


def assert_accessible(page, *, tags: list[str] | None = None, exclude: list[str] | None = None) -> None:
    """Fail with one line per violation (rule id, help text, target nodes) if axe finds any."""
    violations = axe_violations(page, tags=tags, exclude=exclude)
    assert not violations, (
        f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n" + format_violations(violations)
    )
