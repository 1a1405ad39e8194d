"""Appup and relup instructions as frozen values, named after ``systools_rc``'s vocabulary.

High-level instructions are held in their canonical (normalised) form, with the
defaults systools' ``expand_script`` fills in.  Low-level instructions keep
exactly what an appup may write by hand (``{suspend, [m, {m, default}]}`` keeps
its explicit ``default``), so that translating and rendering reproduce the
input term for term.

Module and application names are Python ``str`` once the syntax check has
proved they are atoms; free-form payloads (``Extra``, ``apply`` arguments,
``sync_nodes`` ids, library versions) stay Erlang terms, copied verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from diffing.release import AppName, ModuleName, StartType
from diffing.terms import Term

PurgeMethod = Literal["soft_purge", "brutal_purge"]
ModuleType = Literal["static", "dynamic"]
Timeout: TypeAlias = Literal["default", "infinity"] | int
CodeChangeMode = Literal["up", "down"]
Mode = Literal["up", "dn"]


# -- high level ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Update:
    """``{update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}``.

    ``extra`` is ``None`` for ``Change = soft``, else the ``Extra`` of
    ``{advanced, Extra}``.
    """

    module: ModuleName
    module_type: ModuleType = "dynamic"
    timeout: Timeout = "default"
    extra: Term | None = None
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"
    dep_mods: tuple[ModuleName, ...] = ()

    @property
    def is_advanced(self) -> bool:
        return self.extra is not None


@dataclass(frozen=True, slots=True)
class LoadModule:
    module: ModuleName
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"
    dep_mods: tuple[ModuleName, ...] = ()


@dataclass(frozen=True, slots=True)
class AddModule:
    module: ModuleName
    dep_mods: tuple[ModuleName, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteModule:
    module: ModuleName
    dep_mods: tuple[ModuleName, ...] = ()


@dataclass(frozen=True, slots=True)
class AddApplication:
    application: AppName
    start_type: StartType = "permanent"


@dataclass(frozen=True, slots=True)
class RemoveApplication:
    application: AppName


@dataclass(frozen=True, slots=True)
class RestartApplication:
    application: AppName


@dataclass(frozen=True, slots=True)
class LegacyRestart:
    """``restart`` or ``reboot``: accepted by systools and passed through unchanged."""

    kind: Literal["restart", "reboot"]


# -- low level -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadObjectCode:
    library: AppName
    library_vsn: Term  # a string in practice; systools only checks is_list
    modules: tuple[ModuleName, ...]


@dataclass(frozen=True, slots=True)
class PointOfNoReturn:
    pass


@dataclass(frozen=True, slots=True)
class Load:
    module: ModuleName
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"


@dataclass(frozen=True, slots=True)
class Remove:
    module: ModuleName
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"


@dataclass(frozen=True, slots=True)
class Purge:
    modules: tuple[ModuleName, ...]


@dataclass(frozen=True, slots=True)
class SuspendEntry:
    """``Mod`` (``timeout`` None) or ``{Mod, Timeout}`` inside a suspend list."""

    module: ModuleName
    timeout: Timeout | None = None


@dataclass(frozen=True, slots=True)
class Suspend:
    entries: tuple[SuspendEntry, ...]

    @property
    def modules(self) -> tuple[ModuleName, ...]:
        return tuple(entry.module for entry in self.entries)


@dataclass(frozen=True, slots=True)
class Resume:
    modules: tuple[ModuleName, ...]


@dataclass(frozen=True, slots=True)
class CodeChange:
    """``{code_change, Mode, [{Mod, Extra}]}``; ``mode`` None is the 2-tuple form."""

    mode: CodeChangeMode | None
    entries: tuple[tuple[ModuleName, Term], ...]


@dataclass(frozen=True, slots=True)
class Stop:
    modules: tuple[ModuleName, ...]


@dataclass(frozen=True, slots=True)
class Start:
    modules: tuple[ModuleName, ...]


@dataclass(frozen=True, slots=True)
class SyncNodes:
    """``{sync_nodes, Id, [Node]}`` or ``{sync_nodes, Id, {M, F, A}}``."""

    id: Term
    nodes: tuple[str, ...] | None = None
    node_function: tuple[str, str, Term] | None = None


@dataclass(frozen=True, slots=True)
class Apply:
    module: str
    function: str
    arguments: Term  # an Erlang list, copied verbatim


@dataclass(frozen=True, slots=True)
class RestartNewEmulator:
    pass


@dataclass(frozen=True, slots=True)
class RestartEmulator:
    pass


HighLevelInstruction: TypeAlias = (
    Update
    | LoadModule
    | AddModule
    | DeleteModule
    | AddApplication
    | RemoveApplication
    | RestartApplication
    | LegacyRestart
)
LowLevelInstruction: TypeAlias = (
    LoadObjectCode
    | PointOfNoReturn
    | Load
    | Remove
    | Purge
    | Suspend
    | Resume
    | CodeChange
    | Stop
    | Start
    | SyncNodes
    | Apply
    | RestartNewEmulator
    | RestartEmulator
    | LegacyRestart
)
Instruction: TypeAlias = HighLevelInstruction | LowLevelInstruction
LOW_LEVEL_TYPES = (
    LoadObjectCode,
    PointOfNoReturn,
    Load,
    Remove,
    Purge,
    Suspend,
    Resume,
    CodeChange,
    Stop,
    Start,
    SyncNodes,
    Apply,
    RestartNewEmulator,
    RestartEmulator,
    LegacyRestart,
)

# Instructions that take part in dependency ordering (systools_rc's DEP_INSTRS,
# after add_module has become load_module).
DependencyInstruction: TypeAlias = Update | LoadModule | DeleteModule

POINT_OF_NO_RETURN = PointOfNoReturn()
RESTART_NEW_EMULATOR = RestartNewEmulator()
RESTART_EMULATOR = RestartEmulator()
