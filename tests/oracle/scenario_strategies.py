"""Generated upgrade scenarios: two or three tiny releases and the appups between them.

A scenario has user applications that are upgraded, unchanged, added or
removed; upgraded ones get an appup whose up-from and down-to lists mix exact
versions, regular expressions (including traps such as ``<<"1|1.0">>``, whose
first match on "1.0" is "1") and junk entries; their scripts use every
instruction form, DepMods across applications, cycles, purge methods,
timeouts, static/dynamic, supervisors, ``{advanced, Extra}``, apply,
restart_application and emulator restarts.  A share of scenarios carries one
deliberate error.

DepMods are drawn so that systools' order is forced (reference §4.10): the
dependency nodes are cut into chains, each member depending on the next, plus
any extra edges inside a chain (forward edges are transitive, backward edges
make cycles); the condensation of each chain is then a path, which has one
topological order.  ``free_dependencies=True`` drops that guarantee.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from diffing.terms import Atom, ErlList, Term, erl_list, erl_string
from oracle.release_factory import (
    AppDescription,
    OtpAppDescription,
    ReleaseScenario,
    modules,
    standard_release,
)
from property.script_strategies import apply_instruction, changes, purges, timeouts

START_TYPES = ("permanent", "transient", "temporary", "load", "none")
RELEASE_NAME = "rel"
OLD_VSN, NEW_VSN, OLDEST_VSN = "1.0", "2.0", "0.9"


@dataclass(frozen=True)
class AppHistory:
    name: str
    kind: str  # upgraded | unchanged | added | removed
    old_modules: tuple[str, ...]
    new_modules: tuple[str, ...]
    old_type: str | None
    new_type: str | None


@dataclass(frozen=True)
class UpgradeScenario:
    new: ReleaseScenario
    old: ReleaseScenario
    oldest: ReleaseScenario | None
    restart_emulator: bool


def _rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws (hypothesis favours small integers,
    so the rare outcome is the largest value, not zero)."""
    return draw(st.integers(1, one_in)) == one_in


def _atoms(names: list[str]) -> ErlList:
    return erl_list(*(Atom(name) for name in names))


@st.composite
def app_histories(draw: st.DrawFn) -> list[AppHistory]:
    count = draw(st.integers(1, 4))
    kinds = st.sampled_from(["upgraded", "upgraded", "upgraded", "unchanged", "added", "removed"])
    histories = []
    for index in range(count):
        name = f"a{index}"
        kind = draw(kinds)
        old_modules = tuple(f"{name}_m{i}" for i in range(draw(st.integers(1, 4))))
        kept = tuple(
            m for m in old_modules if kind != "upgraded" or draw(st.booleans()) or m.endswith("m0")
        )
        added = tuple(
            f"{name}_n{i}" for i in range(draw(st.integers(0, 2)) if kind == "upgraded" else 0)
        )
        new_modules = kept + added
        start = st.none() | st.sampled_from(START_TYPES)
        histories.append(AppHistory(name, kind, old_modules, new_modules, draw(start), draw(start)))
    return histories


@st.composite
def _forced_dependencies(
    draw: st.DrawFn, sources: list[str], sinks: list[str], free: bool
) -> dict[str, list[str]]:
    """DepMods per source module; every weak component's order is forced unless ``free``."""
    dependencies: dict[str, list[str]] = {module: [] for module in sources}
    nodes = draw(st.permutations(sources))
    chains: list[list[str]] = []
    for node in nodes:
        if chains and draw(st.booleans()):
            chains[-1].append(node)
        else:
            chains.append([node])
    free_sinks = list(sinks)
    for chain in chains:
        if free_sinks and _rarely(draw, 4):
            # A sink shared by two chains would join them into one component
            # whose order is no longer forced: each sink ends one chain at most.
            chain.append(free_sinks.pop(draw(st.integers(0, len(free_sinks) - 1))))
        for position, module in enumerate(chain[:-1]):
            dependencies[module].append(chain[position + 1])
        for module in chain:
            if module in dependencies and _rarely(draw, 4):
                dependencies[module].append(draw(st.sampled_from(chain)))
    if free and sources:
        for _ in range(draw(st.integers(0, 3))):
            dependencies[draw(st.sampled_from(sources))].append(
                draw(st.sampled_from(sources + sinks))
            )
    return dependencies


@st.composite
def _module_instruction(draw: st.DrawFn, module: str, kind: str, dep_mods: list[str]) -> Term:
    name, deps = Atom(module), _atoms(dep_mods)
    if kind == "added":
        return draw(
            st.sampled_from(
                [(Atom("add_module"), name, deps)]
                + ([] if dep_mods else [(Atom("add_module"), name)])
            )
        )
    if kind == "deleted":
        return draw(
            st.sampled_from(
                [(Atom("delete_module"), name, deps)]
                + ([] if dep_mods else [(Atom("delete_module"), name)])
            )
        )
    forms: list[Term] = [
        (Atom("update"), name, deps),
        (Atom("update"), name, draw(changes), deps),
        (Atom("update"), name, draw(changes), draw(purges), draw(purges), deps),
        (Atom("update"), name, draw(timeouts), draw(changes), draw(purges), draw(purges), deps),
        (
            Atom("update"),
            name,
            draw(st.sampled_from([Atom("static"), Atom("dynamic")])),
            draw(timeouts),
            draw(changes),
            draw(purges),
            draw(purges),
            deps,
        ),
        (Atom("load_module"), name, deps),
        (Atom("load_module"), name, draw(purges), draw(purges), deps),
    ]
    if not dep_mods:
        forms += [
            (Atom("update"), name),
            (Atom("update"), name, Atom("supervisor")),
            (Atom("update"), name, draw(changes)),
            (Atom("load_module"), name),
        ]
    return draw(st.sampled_from(forms))


BAD_INSTRUCTIONS: tuple[Term, ...] = (
    (Atom("update"), Atom("m"), Atom("foo")),
    (Atom("load_module"), 42),
    (
        Atom("update"),
        Atom("zz"),
        (Atom("advanced"), erl_list()),
        Atom("soft_purge"),
        Atom("oops"),
        erl_list(),
    ),
    (Atom("suspend"), erl_list(Atom("zz"))),
    Atom("point_of_no_return"),
    (
        Atom("update"),
        Atom("zz"),
        0,
        Atom("soft"),
        Atom("soft_purge"),
        Atom("soft_purge"),
        erl_list(),
    ),
    (Atom("apply"), (Atom("m"), Atom("f"), Atom("a"))),
    (Atom("load_module"), Atom("not_in_any_app")),
    (Atom("restart_application"), Atom("nope")),
    Atom("mnesia_backup"),
    (Atom("update"), Atom("zz"), erl_list(Atom("ghost"))),
)


@st.composite
def _script(
    draw: st.DrawFn,
    instructed: dict[str, str],
    dependencies: dict[str, list[str]],
    histories: list[AppHistory],
) -> ErlList:
    instructions = [
        draw(_module_instruction(module, kind, dependencies.get(module, [])))
        for module, kind in instructed.items()
    ]
    extras_count = draw(st.integers(0, 2))
    for index in range(extras_count):
        position = draw(st.integers(0, len(instructions)))
        choice = draw(st.integers(0, 9))
        if choice <= 5:
            instructions.insert(position, apply_instruction(index))
        elif choice <= 7:
            both = [h.name for h in histories if h.kind in ("upgraded", "unchanged")]
            if both:
                instructions.insert(
                    position, (Atom("restart_application"), Atom(draw(st.sampled_from(both))))
                )
        elif choice == 8:
            instructions.insert(position, Atom("restart_new_emulator"))
        else:
            instructions.insert(position, Atom("restart_emulator"))
    if _rarely(draw, 6):
        instructions.insert(0, Atom("point_of_no_return"))
        instructions.insert(0, apply_instruction(99))
    return ErlList(tuple(instructions))


def _version_key(draw: st.DrawFn, version: str) -> Term:
    escaped = version.replace(".", "\\.")
    patterns = [
        erl_string(version),
        escaped.encode(),
        f"{escaped[:1]}(\\.[0-9]+)*".encode(),
        b"^.*$",
    ]
    return draw(st.sampled_from(patterns))


@st.composite
def _appup(draw: st.DrawFn, up: dict[str, ErlList], down: dict[str, ErlList]) -> Term:
    def entries(scripts: dict[str, ErlList]) -> ErlList:
        listed: list[Term] = []
        if draw(st.booleans()):
            listed.append((erl_string("0.1"), erl_list(Atom("garbage"))))
        if draw(st.booleans()):
            # The trap: the first match of 1|1.0 on "1.0" is "1", so it does not match.
            listed.append((b"1|1.0", erl_list(Atom("garbage"))))
        if _rarely(draw, 6):
            listed.append(Atom("junk_entry"))
        for version, script in scripts.items():
            if _rarely(draw, 26):
                continue  # no entry: no_relup
            listed.append((_version_key(draw, version), script))
        return ErlList(tuple(listed))

    vsn = NEW_VSN if not _rarely(draw, 11) else "2.0-mismatch"
    return (erl_string(vsn), entries(up), entries(down))


def _instructed_modules(
    draw: st.DrawFn, upgraded: list[AppHistory]
) -> tuple[dict[str, str], dict[str, str]]:
    """The dependency nodes of each direction's appup scripts, with their kind."""
    up: dict[str, str] = {}
    down: dict[str, str] = {}
    for history in upgraded:
        for module in history.new_modules:
            if module in history.old_modules:
                if draw(st.booleans()):
                    up[module] = down[module] = "changed"
            else:
                up[module], down[module] = "added", "deleted"
        for module in history.old_modules:
            if module not in history.new_modules:
                up[module], down[module] = "deleted", "added"
    return up, down


def _app(history: AppHistory, vsn: str, appup: Term | str | None = None) -> AppDescription:
    new = vsn == NEW_VSN
    return AppDescription(
        history.name,
        vsn,
        modules(*(history.new_modules if new else history.old_modules)),
        start_type=history.new_type if new else history.old_type,
        appup=appup,
    )


@st.composite
def _upgraded_appup(
    draw: st.DrawFn,
    history: AppHistory,
    instructed: tuple[dict[str, str], dict[str, str]],
    dependencies: tuple[dict[str, list[str]], dict[str, list[str]]],
    histories: list[AppHistory],
    versions: list[str],
) -> Term | str | None:
    own = [
        {m: k for m, k in by_module.items() if m.startswith(history.name + "_")}
        for by_module in instructed
    ]
    up_script = draw(_script(own[0], dependencies[0], histories))
    down_script = draw(_script(own[1], dependencies[1], histories))
    if _rarely(draw, 13):
        up_script = ErlList((*up_script.items, draw(st.sampled_from(BAD_INSTRUCTIONS))))
    if _rarely(draw, 31):
        return draw(st.sampled_from([None, '{"2.0", [}.\n']))
    return draw(_appup(dict.fromkeys(versions, up_script), dict.fromkeys(versions, down_script)))


@st.composite
def _core_applications(draw: st.DrawFn) -> list[OtpAppDescription] | None:
    if not _rarely(draw, 11):
        return None
    restart = erl_list((b".*", erl_list(Atom("restart_new_emulator"))))
    sasl_appup = (erl_string("9.9"), restart, restart)
    return [
        OtpAppDescription("kernel"),
        OtpAppDescription("stdlib"),
        OtpAppDescription("sasl", "9.9", appup=sasl_appup),
    ]


@st.composite
def upgrade_scenarios(draw: st.DrawFn, free_dependencies: bool = False) -> UpgradeScenario:
    histories = draw(app_histories())
    with_oldest = _rarely(draw, 4)
    versions = [OLD_VSN, OLDEST_VSN] if with_oldest else [OLD_VSN]
    instructed = _instructed_modules(draw, [h for h in histories if h.kind == "upgraded"])
    # Modules of applications added going up (removed going down) can be DepMods
    # targets: add_application expands to add_module.
    up_sinks = [m for h in histories if h.kind == "added" for m in h.new_modules]
    down_sinks = [m for h in histories if h.kind == "removed" for m in h.old_modules]
    dependencies = (
        draw(_forced_dependencies(list(instructed[0]), up_sinks, free_dependencies)),
        draw(_forced_dependencies(list(instructed[1]), down_sinks, free_dependencies)),
    )

    apps_new, apps_old, apps_oldest = [], [], []
    for history in histories:
        if history.kind == "upgraded":
            appup = draw(_upgraded_appup(history, instructed, dependencies, histories, versions))
            apps_new.append(_app(history, NEW_VSN, appup))
            apps_old.append(_app(history, OLD_VSN))
            apps_oldest.append(_app(history, OLDEST_VSN))
        elif history.kind == "unchanged":
            app = _app(history, OLD_VSN)
            apps_new.append(app)
            apps_old.append(app)
            apps_oldest.append(app)
        elif history.kind == "added":
            apps_new.append(_app(history, NEW_VSN))
        else:
            apps_old.append(_app(history, OLD_VSN))
            apps_oldest.append(_app(history, OLD_VSN))

    new_erts = "99.0" if _rarely(draw, 9) else None
    core = draw(_core_applications())
    new = standard_release(RELEASE_NAME, NEW_VSN, apps_new, erts_vsn=new_erts, core=core)
    old = standard_release(RELEASE_NAME, OLD_VSN, apps_old)
    oldest = standard_release(RELEASE_NAME, OLDEST_VSN, apps_oldest) if with_oldest else None
    return UpgradeScenario(new, old, oldest, _rarely(draw, 9))
