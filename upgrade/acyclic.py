"""Plain-loop graph walks for the usual case of dependency ordering: no cycles.

``upgrade.order`` and ``upgrade.dependencies`` order modules with networkx
(condensation of the strongly connected components, then
``lexicographical_topological_sort``).  Almost every real dependency graph
is acyclic, and then the condensation is the graph itself and that sort is
Kahn's algorithm taking the ready node with the smallest key first, which is
what :func:`acyclic_order` does, so the result is the same.  It returns None
at the first sign of a cycle, and the caller hands the graph to networkx;
importing networkx costs a tenth of a second, and its per-call overhead
dominated the translation of releases with thousands of small components.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from typing import Any, TypeVar

Node = TypeVar("Node", bound=Hashable)


def weak_components(
    nodes: Iterable[Node], successors: Mapping[Node, Collection[Node]]
) -> list[list[Node]]:
    """The weakly connected components, each listing its nodes in the order met.

    >>> weak_components("abcd", {"a": {"c"}})
    [['a', 'c'], ['b'], ['d']]
    """
    neighbours: dict[Node, list[Node]] = {}
    for node, targets in successors.items():
        for target in targets:
            neighbours.setdefault(node, []).append(target)
            neighbours.setdefault(target, []).append(node)
    seen: set[Node] = set()
    components = []
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        component = [start]
        for node in component:  # grows while walked: a breadth-first search
            for neighbour in neighbours.get(node, ()):
                if neighbour not in seen:
                    seen.add(neighbour)
                    component.append(neighbour)
        components.append(component)
    return components


def acyclic_order(
    nodes: Collection[Node],
    successors: Mapping[Node, Collection[Node]],
    key: Callable[[Node], Any],
) -> list[Node] | None:
    """``nodes`` with each before its successors, the ready node of smallest ``key`` first.

    Keys must be distinct.  Returns None when the graph has a cycle (a
    self-loop included).  Successors outside ``nodes`` are not allowed.

    >>> acyclic_order("abc", {"c": {"a"}}, key=str)
    ['b', 'c', 'a']
    >>> acyclic_order("ab", {"a": {"b"}, "b": {"a"}}, key=str) is None
    True
    """
    indegree = dict.fromkeys(nodes, 0)
    for node in nodes:
        for target in successors.get(node, ()):
            indegree[target] += 1
    ready = [(key(node), node) for node, count in indegree.items() if count == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for target in successors.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, (key(target), target))
    return order if len(order) == len(indegree) else None
