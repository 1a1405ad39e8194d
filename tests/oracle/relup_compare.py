"""Comparing relup terms modulo the orders OTP itself leaves open (reference §4.10)."""

from __future__ import annotations

from diffing.terms import Atom, ErlList, Term

BLOCK_STEPS = {"load", "remove", "purge", "load_object_code"}


def _tag(term: Term) -> Term:
    return term[0] if isinstance(term, tuple) and term else term


def canonical(relup: Term) -> Term:
    """The relup with the orders §4.10 leaves open sorted: module lists inside
    one instruction, and runs of consecutive load/remove/purge steps and of
    load_object_code (whose library order follows the first load of each)."""
    assert isinstance(relup, tuple)
    vsn, up, down = relup

    def entries(listed: Term) -> Term:
        assert isinstance(listed, ErlList)
        return ErlList(tuple((e[0], e[1], _canonical_script(e[2])) for e in listed.items))  # type: ignore[index]

    return (vsn, entries(up), entries(down))


def _canonical_script(script: Term) -> Term:
    assert isinstance(script, ErlList)
    result: list[Term] = []
    run: list[Term] = []
    for instruction in script.items:
        instruction = _sorted_lists(instruction)
        if isinstance(instruction, tuple) and _tag(instruction) in {Atom(s) for s in BLOCK_STEPS}:
            run.append(instruction)
            continue
        result.extend(sorted(run, key=repr))
        run = []
        result.append(instruction)
    result.extend(sorted(run, key=repr))
    return ErlList(tuple(result))


def _sorted_lists(instruction: Term) -> Term:
    if not isinstance(instruction, tuple):
        return instruction
    items = list(instruction)
    for index, item in enumerate(items):
        if isinstance(item, ErlList):
            items[index] = ErlList(tuple(sorted(item.items, key=repr)))
        elif isinstance(item, tuple) and len(item) == 3 and isinstance(item[2], ErlList):
            items[index] = (item[0], item[1], ErlList(tuple(sorted(item[2].items, key=repr))))
    return tuple(items)
