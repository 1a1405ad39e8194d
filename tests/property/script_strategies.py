"""Hypothesis strategies for appup instruction scripts, using every high-level form.

Scripts are Erlang terms (``diffing.terms``), so they can be handed both to
relup's translation and, written as text, to systools.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from diffing.terms import Atom, ErlList, Term, erl_list, erl_string

PURGES = (Atom("soft_purge"), Atom("brutal_purge"))
MODULE_TYPES = (Atom("static"), Atom("dynamic"))


def _atoms(names: list[str]) -> ErlList:
    return erl_list(*(Atom(name) for name in names))


extras: st.SearchStrategy[Term] = st.one_of(
    st.just(erl_list()),
    st.integers(0, 3),
    st.sampled_from([Atom("x"), Atom("extra")]),
    st.builds(lambda n: (Atom("v"), n), st.integers(0, 9)),
)
timeouts: st.SearchStrategy[Term] = st.one_of(
    st.sampled_from([Atom("default"), Atom("infinity")]), st.integers(1, 10_000)
)
changes: st.SearchStrategy[Term] = st.one_of(
    st.just(Atom("soft")), st.builds(lambda extra: (Atom("advanced"), extra), extras)
)
purges = st.sampled_from(PURGES)


@st.composite
def dependency_instruction(draw: st.DrawFn, module: str, candidates: list[str]) -> Term:
    """One update/load_module/add_module/delete_module for ``module``, in any written form."""
    dep_mods = _atoms(draw(st.lists(st.sampled_from(candidates), max_size=3)) if candidates else [])
    name = Atom(module)
    forms: list[Term] = [
        (Atom("update"), name),
        (Atom("update"), name, Atom("supervisor")),
        (Atom("update"), name, draw(changes)),
        (Atom("update"), name, dep_mods),
        (Atom("update"), name, draw(changes), dep_mods),
        (Atom("update"), name, draw(changes), draw(purges), draw(purges), dep_mods),
        (Atom("update"), name, draw(timeouts), draw(changes), draw(purges), draw(purges), dep_mods),
        (
            Atom("update"),
            name,
            draw(st.sampled_from(MODULE_TYPES)),
            draw(timeouts),
            draw(changes),
            draw(purges),
            draw(purges),
            dep_mods,
        ),
        (Atom("load_module"), name),
        (Atom("load_module"), name, dep_mods),
        (Atom("load_module"), name, draw(purges), draw(purges), dep_mods),
        (Atom("add_module"), name),
        (Atom("add_module"), name, dep_mods),
        (Atom("delete_module"), name),
        (Atom("delete_module"), name, dep_mods),
    ]
    return draw(st.sampled_from(forms))


def apply_instruction(tag: int) -> Term:
    return (Atom("apply"), (Atom("io"), Atom("format"), erl_list(erl_string(f"step {tag}~n"))))


@dataclass(frozen=True)
class ScriptCase:
    """A set of scripts over ``modules`` (all in one application ``test``)."""

    scripts: tuple[ErlList, ...]
    modules: tuple[str, ...]
    deleted: tuple[str, ...]


@st.composite
def valid_scripts(draw: st.DrawFn, max_modules: int = 7) -> ScriptCase:
    """Scripts that systools accepts: one dependency instruction per module,
    DepMods only naming instructed modules, a few applies in between, split
    over one to three scripts."""
    count = draw(st.integers(1, max_modules))
    modules = [f"m{index}" for index in range(count)]
    instructions: list[Term] = []
    for module in modules:
        instructions.append(draw(dependency_instruction(module, modules)))
        if draw(st.booleans()) and draw(st.booleans()):
            instructions.append(apply_instruction(len(instructions)))
    order = draw(st.permutations(instructions))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=2)))
    pieces, start = [], 0
    for cut in [*cuts, len(order)]:
        pieces.append(erl_list(*order[start:cut]))
        start = cut
    deleted = tuple(
        instruction[1].name  # type: ignore[index,union-attr]
        for instruction in instructions
        if isinstance(instruction, tuple) and instruction[0] == Atom("delete_module")
    )
    return ScriptCase(tuple(pieces), tuple(modules), deleted)
