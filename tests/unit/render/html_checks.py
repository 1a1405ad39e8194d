"""A strict reading of generated HTML, for the review page tests.

Python's ``html.parser`` accepts anything; ``read_html`` adds the checks that
make "it parses" mean something: every element closed in order (the page
writes every end tag, SVG ones included), no duplicate ``id``, no character
HTML forbids in text, and it collects what the tests look at: the tags used,
the text as a reader sees it, the attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


@dataclass
class HtmlReading:
    problems: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    text_parts: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # tag, name, value
    ids: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    doctype: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


class _StrictParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.reading = HtmlReading()
        self.open: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.reading.doctype = decl

    def handle_comment(self, data: str) -> None:
        self.reading.comments.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reading.tags.add(tag)
        for name, value in attrs:
            self.reading.attributes.append((tag, name, value or ""))
            if name == "id":
                self.reading.ids.append(value or "")
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reading.problems.append(f"self-closing <{tag}/>: the page writes end tags")
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            self.reading.problems.append(f"end tag for void element </{tag}>")
        elif not self.open or self.open[-1] != tag:
            self.reading.problems.append(f"</{tag}> closes <{self.open[-1:]}>")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if _FORBIDDEN_IN_TEXT.search(data):
            self.reading.problems.append(f"forbidden character in text {data!r}")
        self.reading.text_parts.append(data)


def read_html(page: str) -> HtmlReading:
    parser = _StrictParser()
    parser.feed(page)
    parser.close()
    reading = parser.reading
    if parser.open:
        reading.problems.append(f"never closed: {parser.open}")
    duplicates = sorted({name for name in reading.ids if reading.ids.count(name) > 1})
    if duplicates:
        reading.problems.append(f"duplicate ids {duplicates}")
    return reading
