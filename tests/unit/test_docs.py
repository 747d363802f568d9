"""The repository's own docs: a short README, links that resolve, no team-only pointers.

Users read README.md, docs/ and runbooks/ in the repository (or on the forge), so every
relative link there must name a file or folder inside it, and nothing tracked may send a
reader to the team's folder outside the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 250
#: [text](target) and [text](<target>); images too. Reference-style links are not used.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
TEAM_FOLDER = "../" + "shared"  # spelled in two parts so this file does not match itself


def _pages() -> list[Path]:
    pages = [ROOT / "README.md"]
    for folder in ("docs", "runbooks"):
        pages += sorted((ROOT / folder).rglob("*.md"))
    return pages


def _relative_links(page: Path) -> list[str]:
    # Code blocks and code spans hold no links, only text that may look like one.
    text = CODE_SPAN.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    targets = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # https:, mailto: and in-page anchors
        targets.append(target.split("#", 1)[0])
    return targets


def test_readme_is_a_short_guide() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): "
        "move reference material to a page under docs/"
    )


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_names_a_file_in_the_repository(page: Path) -> None:
    for target in _relative_links(page):
        resolved = (page.parent / target).resolve()
        where = f"{page.relative_to(ROOT)} links to {target}"
        assert resolved.is_relative_to(ROOT), f"{where}: outside the repository"
        assert resolved.exists(), f"{where}: no such file"


def test_the_docs_link_checker_sees_links() -> None:
    # GIVEN the README, which links to the runbooks and the docs pages
    targets = _relative_links(ROOT / "README.md")
    # THEN the checker found them (a broken pattern would pass every page vacuously)
    assert "docs/architecture.md" in targets
    assert "runbooks/README.md" in targets


def test_no_tracked_file_points_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    offenders = []
    for name in tracked:
        path = ROOT / name
        if not name or name.startswith(".ci/") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binaries
        if TEAM_FOLDER in text:
            offenders.append(name)
    assert offenders == [], f"mention {TEAM_FOLDER}, which users never see: {offenders}"


def test_the_rule_catalogue_page_lists_exactly_the_rules_of_the_catalogue() -> None:
    # docs/rules.md is written by hand: it may word a rule its own way, but it lists every
    # rule the code defines, with its severity and default enforcement, and no other.
    from policies.rules import RULES

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| \w+ \| (\w+) \| (\w+) \|", page, flags=re.M)
    documented = {rule_id: (severity, default) for rule_id, severity, default in rows}
    defined = {r.id: (r.severity, r.enforcement) for r in RULES.values()}
    assert documented == defined
