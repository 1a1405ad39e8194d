"""What a release's code is, read from its beams: frozen values, no I/O.

``diffing.code_reader`` fills these from BEAM chunks (md5 as ``beam_lib:md5``,
behaviours from ``Attr``, calls from ``ImpT``, child specs from ``LitT``);
``diffing.compare`` diffs them.  Only facts the planner needs are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diffing.release import AppName, ModuleName, Release, first_named
from diffing.terms import Term

ModuleKind = Literal["supervisor", "process", "special", "application", "library"]

# Behaviours whose processes release_handler suspends and code_changes.
PROCESS_BEHAVIOURS = frozenset(
    {
        "gen_server",
        "gen_statem",
        "gen_fsm",
        "gen_event",
        "Elixir.GenServer",
        "Elixir.GenStage",
        "Elixir.Agent",
    }
)
SUPERVISOR_BEHAVIOURS = frozenset({"supervisor", "supervisor_bridge", "Elixir.Supervisor"})
APPLICATION_BEHAVIOURS = frozenset({"application", "Elixir.Application"})


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """A child spec a supervisor's ``init/1`` returns, as far as it is a literal.

    ``modules`` is the spec's Modules list (what release_handler matches an
    ``update`` against), ``"dynamic"``, or None when not literal.  ``literal``
    is False when some field could not be read statically.
    """

    id: Term
    start_module: ModuleName | None
    type: Literal["worker", "supervisor"] | None
    modules: tuple[ModuleName, ...] | Literal["dynamic"] | None
    literal: bool
    term: Term
    # Elixir's shorthand (``Mod`` or ``{Mod, Arg}``): the spec is ``Mod.child_spec(Arg)``,
    # id and modules by convention ``Mod``; only Elixir's Supervisor functions take it.
    elixir_shorthand: bool = False


@dataclass(frozen=True, slots=True)
class SupervisorFacts:
    """A supervisor callback module's registered name and literal child specs."""

    registered_name: str | None  # from a literal {local, Name}
    child_specs: tuple[ChildSpec, ...]
    specs_complete: bool  # False: some specs could not be read statically
    # Supervisor.start_link(children, opts): its callback is Supervisor.Default.
    elixir_inline: bool = False


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    name: ModuleName
    md5: bytes
    vsn: Term | None
    behaviours: tuple[str, ...]
    behaviours_inferred: bool  # Attr was stripped: behaviours guessed from exports
    exports: frozenset[tuple[str, int]]
    calls: tuple[ModuleName, ...]  # modules named in ImpT, sorted
    supervisor: SupervisorFacts | None = None

    @property
    def exports_code_change(self) -> bool:
        return ("code_change", 3) in self.exports or ("code_change", 4) in self.exports

    @property
    def exports_system_code_change(self) -> bool:
        return ("system_code_change", 4) in self.exports

    @property
    def exports_config_change(self) -> bool:
        return ("config_change", 3) in self.exports

    @property
    def kind(self) -> ModuleKind:
        behaviours = self.behaviours  # most modules have none
        if behaviours and not SUPERVISOR_BEHAVIOURS.isdisjoint(behaviours):
            return "supervisor"
        if behaviours and not PROCESS_BEHAVIOURS.isdisjoint(behaviours):
            return "process"
        if self.exports_system_code_change:
            return "special"
        if behaviours and not APPLICATION_BEHAVIOURS.isdisjoint(behaviours):
            return "application"
        return "library"


@dataclass(frozen=True, slots=True)
class PrivFile:
    path: str  # relative to the application directory, "/"-separated
    sha256: str


@dataclass(frozen=True, slots=True)
class AppCode:
    """One application's code: its modules' facts and its ``priv/`` files, sorted."""

    name: AppName
    vsn: str
    modules: tuple[ModuleFacts, ...]
    priv_files: tuple[PrivFile, ...] = ()

    def module(self, name: str) -> ModuleFacts | None:
        return first_named(self.modules, name)


@dataclass(frozen=True, slots=True)
class ConsolidatedCode:
    """A mix release's consolidated protocols: ``releases/VSN/consolidated/*.beam``.

    The boot script puts this directory first on the code path, so these
    modules shadow the unconsolidated protocol modules of the same name in the
    applications' ebin directories.  ``directory`` is relative to the release
    root, ``/``-separated (``releases/0.1.0/consolidated``).
    """

    directory: str
    modules: tuple[ModuleFacts, ...]

    @property
    def version_directory(self) -> str:
        """The name of the ``releases/`` subdirectory holding it (the release version)."""
        return self.directory.split("/")[-2]

    @property
    def names(self) -> frozenset[ModuleName]:
        return frozenset(module.name for module in self.modules)

    def module(self, name: str) -> ModuleFacts | None:
        return first_named(self.modules, name)


@dataclass(frozen=True, slots=True)
class ReleaseCode:
    """A release with the code of every application that has its beams in the tree."""

    release: Release
    applications: tuple[AppCode, ...]
    sys_config: Term | None = None
    warnings: tuple[str, ...] = ()
    consolidated: ConsolidatedCode | None = None  # a mix release's protocols, if any

    def application(self, name: str) -> AppCode | None:
        return first_named(self.applications, name)
