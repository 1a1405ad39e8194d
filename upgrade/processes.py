"""Which supervised processes an ``update`` will suspend, worked out ahead of time.

At run time release_handler walks each running application's supervision
tree (``which_children``) and suspends every child whose child spec's Modules
list holds the module being updated (reference §5.1).  The top supervisor of
an application is found through the application master, not through a child
spec; a ``dynamic`` Modules list (gen_event managers) is resolved by asking
the process for its handlers.

The same walk is done here on the statically read child specs of the release
whose processes are running when the instruction executes: the old release on
upgrade, the new one on downgrade.  Labels are ``Supervisor/ChildId``, and
``Supervisor (top supervisor of App)`` for a top supervisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diffing.code_facts import ReleaseCode
from diffing.release import AppName, ModuleName
from diffing.term_writer import format_term
from diffing.terms import Atom, Term


@dataclass(frozen=True, slots=True)
class ProcessIndex:
    """The children of one release's supervisors, by the modules their specs list."""

    users: Mapping[ModuleName, tuple[str, ...]]
    dynamic: tuple[str, ...]  # children whose Modules is `dynamic` (event managers)
    top_supervisors: Mapping[ModuleName, AppName]
    incomplete: tuple[ModuleName, ...]  # supervisors whose specs could not all be read
    event_handlers: frozenset[ModuleName] = frozenset()  # gen_event callback modules


def child_label(supervisor: str, child_id: Term) -> str:
    shown = child_id.name if isinstance(child_id, Atom) else format_term(child_id)
    return f"{supervisor}/{shown}"


def process_index(code: ReleaseCode) -> ProcessIndex:
    """Index the child specs of every supervisor of ``code``, in application order."""
    users: dict[ModuleName, list[str]] = {}
    dynamic: list[str] = []
    incomplete: list[ModuleName] = []
    handlers: set[ModuleName] = set()
    for app in code.applications:
        for facts in app.modules:
            if "gen_event" in facts.behaviours:
                handlers.add(facts.name)
            if facts.supervisor is None:
                continue
            if not facts.supervisor.specs_complete:
                incomplete.append(facts.name)
            for spec in facts.supervisor.child_specs:
                label = child_label(facts.name, spec.id)
                if spec.modules == "dynamic":
                    dynamic.append(label)
                elif spec.modules is not None:
                    for module in spec.modules:
                        users.setdefault(module, []).append(label)
    return ProcessIndex(
        users={module: tuple(labels) for module, labels in users.items()},
        dynamic=tuple(dynamic),
        top_supervisors=_top_supervisors(code, users),
        incomplete=tuple(incomplete),
        event_handlers=frozenset(handlers),
    )


def _top_supervisors(
    code: ReleaseCode, users: Mapping[ModuleName, list[str]]
) -> dict[ModuleName, AppName]:
    """Per application, its one supervisor module that no child spec lists.

    When an application has several such supervisors (some started outside any
    spec), none is assumed to be the top one: the planner warns instead.
    """
    tops: dict[ModuleName, AppName] = {}
    for app in code.applications:
        unlisted = [
            facts.name
            for facts in app.modules
            # Most modules have no behaviour: skip working out their kind.
            if facts.behaviours and facts.kind == "supervisor" and facts.name not in users
        ]
        if len(unlisted) == 1:
            tops[unlisted[0]] = app.name
    return tops


def suspended_by(index: ProcessIndex, module: ModuleName) -> tuple[str, ...]:
    """The children release_handler will suspend for an ``update`` of ``module``."""
    labels = list(index.users.get(module, ()))
    top_of = index.top_supervisors.get(module)
    if top_of is not None:
        labels.insert(0, f"{module} (top supervisor of {top_of})")
    if module in index.event_handlers:
        # A handler is found through its event manager's answer to get_modules.
        labels.extend(f"{label} (if the handler is installed)" for label in index.dynamic)
    return tuple(labels)
