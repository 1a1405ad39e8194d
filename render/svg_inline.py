"""An SVG document made fit to sit inside an HTML page, several to a page.

graphviz writes a standalone document: an XML prolog, a DOCTYPE naming the
W3C's DTD, comments (holding node names), then ``<svg>`` whose element ids
(``graph0``, ``node1``, ...) restart in every file.  Inlined as they are, two
diagrams would share ids, and a comment or DOCTYPE is parsed by HTML rules,
not XML ones.  So the document is parsed as XML (which proves it well formed)
and written again: the ``<svg>`` element only, without comments, every id
prefixed with the diagram's own name (references ``#id`` and ``url(#id)``
follow), every text and attribute escaped for HTML.  Scripts and
``foreignObject`` are refused: a diagram is drawing, never code.
"""

from __future__ import annotations

import re
from html import escape
from xml.etree import ElementTree

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
_REFUSED = frozenset({"script", "foreignObject"})
_REFERENCE = re.compile(r"url\(#([^)]*)\)")
_WIDTH = re.compile(r"([0-9]+(?:\.[0-9]+)?)(pt|px)")


class SvgError(ValueError):
    """The text given as a diagram is not an SVG document fit to inline."""


def inline_svg(document: str, id_prefix: str, min_scale: float | None = None) -> str:
    """The ``<svg>`` element of ``document``, rewritten to be inlined into HTML.

    Args:
        document: an SVG document, as ``dot -Tsvg`` writes it.
        id_prefix: put before every element id (``tree`` makes ``node1`` ``tree-node1``).
        min_scale: when given, the drawing gets a CSS ``min-width`` of that share of
            its own width, so a page that shrinks it to fit stops before its text
            becomes unreadable (and its frame scrolls instead).

    Returns:
        The element as text, without prolog, DOCTYPE or comments.

    Raises:
        SvgError: ``document`` is not well-formed XML, its root is not ``svg``,
            or it holds a script.

    >>> inline_svg('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    ...            'id="g"><!-- a --><text>a&lt;b</text></svg>', "tree")
    '<svg xmlns="http://www.w3.org/2000/svg" id="tree-g"><text>a&lt;b</text></svg>'
    """
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise SvgError(f"diagram {id_prefix} is not well-formed XML: {error}") from error
    if _local_name(root.tag) != "svg" or _namespace(root.tag) != SVG_NAMESPACE:
        raise SvgError(f"diagram {id_prefix}: the root element is {root.tag}, not svg")
    ids = {value for element in root.iter() if (value := element.get("id")) is not None}
    if min_scale is not None:
        width = _WIDTH.fullmatch(root.get("width", ""))
        if width is not None:
            minimum = float(width.group(1)) * min_scale
            root.set("style", f"min-width: {minimum:.0f}{width.group(2)}")
    parts: list[str] = []
    _write(root, id_prefix, ids, parts, is_root=True)
    return "".join(parts)


def _write(
    element: ElementTree.Element, prefix: str, ids: set[str], parts: list[str], is_root: bool
) -> None:
    name = _local_name(element.tag)
    if name in _REFUSED or _namespace(element.tag) != SVG_NAMESPACE:
        raise SvgError(f"diagram {prefix}: element {element.tag} is not allowed in a diagram")
    attributes = [f'xmlns="{SVG_NAMESPACE}"'] if is_root else []
    if is_root and any(_namespace(key) == XLINK_NAMESPACE for key in _all_keys(element)):
        attributes.append(f'xmlns:xlink="{XLINK_NAMESPACE}"')
    for key, value in element.attrib.items():
        attribute = _attribute(key, value, prefix, ids)
        if attribute is not None:
            attributes.append(attribute)
    parts.append("<" + " ".join([name, *attributes]) + ">")
    parts.append(escape(element.text or "", quote=False))
    for child in element:
        _write(child, prefix, ids, parts, is_root=False)
        parts.append(escape(child.tail or "", quote=False))
    parts.append(f"</{name}>")


def _attribute(key: str, value: str, prefix: str, ids: set[str]) -> str | None:
    namespace, name = _namespace(key), _local_name(key)
    if name.lower().startswith("on"):
        raise SvgError(f"diagram {prefix}: event handler attribute {name} is not allowed")
    if namespace == XLINK_NAMESPACE:
        name = f"xlink:{name}"
    elif namespace is not None:
        return None  # graphviz writes no other namespaced attribute; nothing to keep
    if name == "id":
        value = f"{prefix}-{value}"
    elif name in ("href", "xlink:href") and value.startswith("#") and value[1:] in ids:
        value = f"#{prefix}-{value[1:]}"
    else:
        value = _REFERENCE.sub(lambda found: _reference(found, prefix, ids), value)
    return f'{name}="{escape(value, quote=True)}"'


def _reference(found: re.Match[str], prefix: str, ids: set[str]) -> str:
    target = found.group(1)
    return f"url(#{prefix}-{target})" if target in ids else found.group(0)


def _all_keys(root: ElementTree.Element) -> list[str]:
    return [key for element in root.iter() for key in element.attrib]


def _namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def _local_name(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag
