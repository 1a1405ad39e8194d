"""Every relative link and image in the README and docs/ names a file that exists.

The docs are kept true as the code moves (house style): a renamed module,
a moved screenshot or a deleted page must not leave a dead link behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("README.md")]
)
# [text](target) and ![alt](target), without the #anchor; web links are not checked.
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")


def relative_links(page: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if not re.match(r"[a-z]+:", target)
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    dead = [target for target in relative_links(page) if not (page.parent / target).exists()]
    assert dead == [], f"{page.relative_to(ROOT)} links to missing files: {dead}"


def test_the_link_pattern_finds_links_and_images(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "See [cli](cli.md#relup-plan), ![view](images/tree.png) and [web](https://x.org).\n"
    )
    assert relative_links(page) == ["cli.md", "images/tree.png"]
