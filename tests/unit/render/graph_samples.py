"""A planned upgrade with every shape the diagrams draw, for the graph tests.

``store_plan(name)`` plans, with the real planner and translation, an upgrade
of release ``rel`` 1 -> 2 where:

* ``store`` 1.0 -> 2.0 has a top supervisor ``store_sup`` (changed) with a
  gen_server child ``store_cart`` (changed: update, suspended), a nested
  supervisor ``store_pool_sup`` (unchanged) holding ``store_worker``, a child
  ``store_mailer`` that is new (module added) and a child ``store_old`` that is
  gone (module removed); libraries ``store_a`` and ``store_b`` changed and call
  each other (a dependency cycle), and ``store_cart`` calls ``store_a``;
* ``tools`` 1.0 -> 1.1 has no supervisor: one library changed;
* ``fresh`` is added, ``gone`` removed, ``sasl`` unchanged.

``name`` maps each of those base names to the name actually used, so the
property tests can rename everything to awkward atoms.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from diffing.changes import AppDiff, ChildChange
from diffing.code_facts import ChildSpec, ModuleFacts
from relup.planning import relup_of_plan
from unit.upgrade.plan_builders import (
    M,
    added,
    changed,
    gen_server,
    library,
    release_diff,
    removed,
    side,
    supervisor,
    supervisor_spec,
    upgraded,
    worker_spec,
)
from upgrade.options import PlanOptions
from upgrade.plan import UpgradePlan
from upgrade.planner import plan_upgrade

BASE_NAMES = (
    "store",
    "store_sup",
    "store_cart",
    "store_pool_sup",
    "store_worker",
    "store_mailer",
    "store_old",
    "store_a",
    "store_b",
    "tools",
    "tools_util",
    "fresh",
    "fresh_mod",
    "gone",
    "gone_mod",
)
Namer = Callable[[str], str]


def same_name(base: str) -> str:
    return base


def renamer(names: Mapping[str, str]) -> Namer:
    return lambda base: names.get(base, base)


def _child(spec: ChildSpec, change: str, supervisor_name: str) -> ChildChange:
    old, new = (None, spec) if change == "added" else (spec, None)
    return ChildChange(M(supervisor_name), change, spec.id, old, new)  # type: ignore[arg-type]


def _store(name: Namer) -> tuple[list[ModuleFacts], list[ModuleFacts], AppDiff]:
    cart_old = gen_server(name("store_cart"), b"1", [name("store_a")])
    cart_new = gen_server(name("store_cart"), b"2", [name("store_a")])
    a_old, a_new = (library(name("store_a"), md5, [name("store_b")]) for md5 in (b"1", b"2"))
    b_old, b_new = (library(name("store_b"), md5, [name("store_a")]) for md5 in (b"1", b"2"))
    worker = gen_server(name("store_worker"))
    pool = supervisor(name("store_pool_sup"), [worker_spec(name("store_worker"))])
    mailer, old = gen_server(name("store_mailer")), gen_server(name("store_old"))
    common = [worker_spec(name("store_cart")), supervisor_spec(name("store_pool_sup"))]
    mailer_spec, old_spec = worker_spec(name("store_mailer")), worker_spec(name("store_old"))
    sup_old = supervisor(name("store_sup"), [*common, old_spec], b"1")
    sup_new = supervisor(name("store_sup"), [*common, mailer_spec], b"2")
    old_modules = [cart_old, a_old, b_old, worker, pool, old, sup_old]
    new_modules = [cart_new, a_new, b_new, worker, pool, mailer, sup_new]
    diff = upgraded(
        name("store"),
        modules=[
            changed(cart_old, cart_new),
            changed(a_old, a_new),
            changed(b_old, b_new),
            changed(sup_old, sup_new),
            added(mailer),
            removed(old),
        ],
        children=[
            _child(old_spec, "removed", name("store_sup")),
            _child(mailer_spec, "added", name("store_sup")),
        ],
    )
    return old_modules, new_modules, diff


def store_plan(name: Namer = same_name, with_relup: bool = True) -> UpgradePlan:
    """The plan described in the module docstring, translated unless ``with_relup`` is off."""
    store_old, store_new, store_diff = _store(name)
    util_old, util_new = (library(name("tools_util"), md5) for md5 in (b"1", b"2"))
    sasl = side("sasl", "4.2", [library("sasl_mod")])
    diff = release_diff(
        [
            side(name("store"), "1.0", store_old),
            side(name("tools"), "1.0", [util_old]),
            side(name("gone"), "1.0", [library(name("gone_mod"))]),
            sasl,
        ],
        [
            side(name("store"), "2.0", store_new),
            side(name("tools"), "1.1", [util_new]),
            side(name("fresh"), "1.0", [library(name("fresh_mod"))]),
            sasl,
        ],
        [
            store_diff,
            upgraded(name("tools"), "1.0", "1.1", modules=[changed(util_old, util_new)]),
            AppDiff(name("fresh"), "added", None, "1.0"),  # type: ignore[arg-type]
            AppDiff(name("gone"), "removed", "1.0", None),  # type: ignore[arg-type]
        ],
    )
    plan = plan_upgrade(diff, PlanOptions(fallback="restart"))
    if not with_relup:
        return plan
    return replace(plan, relup=relup_of_plan(plan, diff.new.release, diff.old.release))


def restart_plan() -> UpgradePlan:
    """``tools`` 1.0 -> 1.1, whose gen_server became a library: restart_application."""
    server, library_now = gen_server("tools_srv", b"1"), library("tools_srv", b"2")
    top = supervisor("tools_sup", [worker_spec("tools_srv")])
    sasl = side("sasl", "4.2", [library("sasl_mod")])
    diff = release_diff(
        [side("tools", "1.0", [server, top]), sasl],
        [side("tools", "1.1", [library_now, top]), sasl],
        [upgraded("tools", "1.0", "1.1", modules=[changed(server, library_now)])],
    )
    plan = plan_upgrade(diff, PlanOptions(fallback="restart"))
    return replace(plan, relup=relup_of_plan(plan, diff.new.release, diff.old.release))


# -- reading DOT back -------------------------------------------------------------------

_NODE = re.compile(r"^\t+([^\s\[]+) \[")
_EDGE = re.compile(r"^\t+(\S+) -> (\S+)(?: \[(.*)\])?$")
_DEFAULTS = ("graph", "node", "edge")  # attribute statements, not nodes
_GRAPH = re.compile(r"^\t*(?:di)?(?:sub)?graph (\S+) \{$")


@dataclass(frozen=True)
class DotShape:
    """The ids a DOT text declares: graphs and subgraphs, nodes (with their attribute
    text, in order), and edges (with theirs)."""

    graphs: list[str]
    nodes: list[tuple[str, str]]
    edges: list[tuple[str, str, str]]

    def node(self, identifier: str) -> str:
        (attributes,) = [text for name, text in self.nodes if name == identifier]
        return attributes

    def visible_edges(self) -> set[tuple[str, str]]:
        return {(tail, head) for tail, head, text in self.edges if "invis" not in text}


def dot_shape(source: str) -> DotShape:
    graphs, nodes, edges = [], [], []
    for line in source.splitlines():
        if (match := _EDGE.match(line)) is not None:
            edges.append((match[1], match[2], match[3] or ""))
        elif (match := _NODE.match(line)) is not None and match[1] not in _DEFAULTS:
            nodes.append((match[1], line[match.end() :]))
        elif (match := _GRAPH.match(line)) is not None:
            graphs.append(match[1])
    return DotShape(graphs, nodes, edges)


def label_text(attributes: str) -> str:
    """The words of a node's HTML label, lines joined by spaces, entities decoded."""
    label = attributes[attributes.index("label=<") + len("label=<") :]
    label = label[: label.rindex(">>") + 1] if ">>" in label else label
    words = re.sub(r"<[^>]*>", " ", label)
    return " ".join(html.unescape(words).split())
