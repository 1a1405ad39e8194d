"""Shared pieces of the plan diagrams: node ids, label markup, colours and legends.

Node ids are derived from names so that the DOT text changes only where the
plan does (golden files stay byte-stable and diffs stay small).  Every id is
a plain DOT identifier made of ASCII letters, digits and ``_``, whatever the
atom: letters and digits are kept, ``_`` is doubled, any other character is
written ``_x<hex>_``, and the parts of an id are joined by ``_s_``.  Reading an
id left to right, ``_`` is always followed by ``_``, ``x`` or ``s``, so two
different part lists never give the same id.

Labels are graphviz HTML-like labels, built here only, from text that is
escaped here only: an atom named ``<b>`` or ``'weird name'`` is shown as
text, never interpreted.  Colours carry one meaning in every view (green: comes
into being, red: goes away, orange: suspended, purple: new code without any
suspension, blue: a supervisor updated, pink: restarted) and each view draws
its own legend.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz  # type: ignore[import-untyped]

from diffing.errors import one_line
from diffing.term_writer import format_term
from diffing.terms import Atom

FONT = "Helvetica,Arial,sans-serif"
ARROW = "\u2192"  # drawn in legends for an edge
DETAIL_COLOUR = "#444444"
LABEL_WIDTH = 44  # characters per detail line before it wraps


@dataclass(frozen=True, slots=True)
class Style:
    """How one kind of node looks; each view's legend says what it means there."""

    fill: str
    border: str
    dashed: bool = False
    bold: bool = False

    def attributes(self, rounded: bool = True) -> dict[str, str]:
        styles = ["filled", "rounded"] if rounded else ["filled"]
        if self.dashed:
            styles.append("dashed")
        if self.bold:
            styles.append("bold")
        return {"style": ",".join(styles), "fillcolor": self.fill, "color": self.border}


ADDED = Style("#dcf2dc", "#2e7d32")  # comes into being: started, added, loaded back
REMOVED = Style("#fde0de", "#c62828", dashed=True)  # goes away: stopped, deleted, purged
SUSPENDED = Style("#ffe3c2", "#e65100", bold=True)  # paused while its code changes
LOADED = Style("#ebe5f8", "#5e35b1")  # new code without any process suspended
SUPERVISOR_UPDATED = Style("#dbe8fd", "#1e40af", bold=True)  # init/1 re-runs
SPEC_CHANGED = Style("#fff4c2", "#a16207")  # a child spec changed, the process kept
RESTARTED = Style("#f9d2e6", "#ad1457", bold=True)  # stopped and started again
UNCHANGED = Style("#ffffff", "#9e9e9e")
NOTE = Style("#f5f5f5", "#bdbdbd")


# -- ids ----------------------------------------------------------------------------------


def node_id(*parts: str) -> str:
    """A DOT identifier for the node named by ``parts``; distinct parts give distinct ids.

    >>> node_id("tree", "shop_sup")
    'tree_s_shop__sup'
    >>> node_id("tree", "weird name")
    'tree_s_weird_x20_name'
    """
    return "_s_".join(_encoded(part) for part in parts)


def cluster_id(*parts: str) -> str:
    """A subgraph name graphviz draws as a box (it must start with ``cluster``)."""
    return "cluster_" + node_id(*parts)


def _encoded(part: str) -> str:
    pieces = []
    for char in part:
        if char.isascii() and char.isalnum():
            pieces.append(char)
        elif char == "_":
            pieces.append("__")
        else:
            pieces.append(f"_x{ord(char):x}_")
    return "".join(pieces)


# -- text ---------------------------------------------------------------------------------


def atom_text(name: str) -> str:
    """A module, application or process name as Erlang writes it (quoted when it must be)."""
    return format_term(Atom(name))


def names_text(names: Sequence[str], limit: int = 6) -> str:
    """``a, b, c`` for at most ``limit`` names, then how many more."""
    shown = [atom_text(name) for name in names[:limit]]
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def escaped(text: str) -> str:
    """``text`` safe inside an HTML-like label: one line, markup characters as entities.

    dot still reads ``\\`` in label text as one backslash, so each is doubled.
    """
    return "".join(_REPLACEMENTS.get(char, char) for char in one_line(text))


_REPLACEMENTS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\\": "\\\\"}


def tooltip(text: str) -> str:
    """``text`` as an attribute value graphviz shows literally (no escapes, no markup)."""
    shown: str = graphviz.escape(one_line(text))
    return shown


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a node label: a title (bold) or a detail (small, wrapped)."""

    text: str
    title: bool = False
    colour: str | None = None


def title(text: str) -> Line:
    return Line(text, title=True)


def detail(text: str, colour: str | None = None) -> Line:
    return Line(text, colour=colour)


def html_label(lines: Sequence[Line]) -> str:
    """An HTML-like label: titles bold, details smaller and wrapped at ``LABEL_WIDTH``."""
    rendered = []
    for line in lines:
        if line.title:
            rendered.append(f"<B>{escaped(line.text)}</B>")
            continue
        colour = line.colour or DETAIL_COLOUR
        # Names are never cut: a line only breaks between words.
        pieces = textwrap.wrap(
            one_line(line.text), LABEL_WIDTH, break_long_words=False, break_on_hyphens=False
        )
        for piece in pieces or [""]:
            rendered.append(f'<FONT POINT-SIZE="9" COLOR="{colour}">{escaped(piece)}</FONT>')
    return "<" + "<BR/>".join(rendered) + ">"


def heading_label(heading: str, subheading: str = "") -> str:
    """A cluster or graph title: bold, with an optional smaller line under it."""
    lines = f'<FONT POINT-SIZE="14"><B>{escaped(heading)}</B></FONT>'
    if subheading:
        lines += f'<BR/><FONT POINT-SIZE="10" COLOR="{DETAIL_COLOUR}">{escaped(subheading)}</FONT>'
    return f"<{lines}>"


def legend_label(entries: Sequence[tuple[Style | str, str]]) -> str:
    """A legend table: a swatch in each style (or a short text, for lines), and its meaning."""
    rows = ['<TR><TD COLSPAN="2" ALIGN="LEFT" BORDER="0"><B>Legend</B></TD></TR>']
    for style, meaning in entries:
        if isinstance(style, str):
            swatch = f'<TD BORDER="0"><FONT POINT-SIZE="12">{escaped(style)}</FONT></TD>'
        else:
            swatch = f'<TD BGCOLOR="{style.fill}" COLOR="{style.border}" WIDTH="28"> </TD>'
        text = f'<TD ALIGN="LEFT" BORDER="0"><FONT POINT-SIZE="10">{escaped(meaning)}</FONT></TD>'
        rows.append(f"<TR>{swatch}{text}</TR>")
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="3" CELLPADDING="3">'
    return f"<{table}{''.join(rows)}</TABLE>>"
