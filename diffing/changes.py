"""The difference between two releases: frozen values, produced by ``diffing.compare``.

Grouped per application, because appups are per application: an
:class:`AppDiff` holds the module, supervisor-child, ``.app`` key, config and
``priv/`` changes of one application.  Every tuple is sorted (modules by name,
children by the order of their supervisor's spec list) so output built from a
diff is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diffing.code_facts import ChildSpec, ModuleFacts, ReleaseCode
from diffing.release import AppName, ModuleName, first_named
from diffing.terms import Term

ChangeKind = Literal["added", "removed", "changed"]
AppStatus = Literal["added", "removed", "upgraded", "unchanged"]


@dataclass(frozen=True, slots=True)
class ModuleChange:
    """A module added, removed or changed (its ``beam_lib:md5`` differs).

    ``vsn_only`` marks a module whose code is identical but whose ``-vsn``
    attribute changed: nothing to load, but code_change sees the new vsn.
    """

    module: ModuleName
    kind: ChangeKind
    old: ModuleFacts | None
    new: ModuleFacts | None
    vsn_only: bool = False


@dataclass(frozen=True, slots=True)
class ChildChange:
    """A child spec added to, removed from or changed in a supervisor's literal specs."""

    supervisor: ModuleName
    kind: ChangeKind
    child_id: Term
    old: ChildSpec | None
    new: ChildSpec | None


@dataclass(frozen=True, slots=True)
class KeyChange:
    """An ``.app`` key whose value changed (applications, mod, start_phases, env, ...)."""

    key: str
    old: Term | None
    new: Term | None


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One ``sys.config`` parameter of an application added, removed or changed."""

    application: AppName
    parameter: str
    kind: ChangeKind
    path: str  # where inside the value, for nested changes ("" for the whole value)
    old: Term | None
    new: Term | None


@dataclass(frozen=True, slots=True)
class PrivChange:
    """A file under ``priv/`` added, removed or changed (NIFs, port programs, data)."""

    path: str
    kind: ChangeKind

    @property
    def is_native(self) -> bool:
        return self.path.endswith((".so", ".dll", ".dylib")) or "/bin/" in f"/{self.path}"


@dataclass(frozen=True, slots=True)
class AppDiff:
    name: AppName
    status: AppStatus
    old_vsn: str | None
    new_vsn: str | None
    modules: tuple[ModuleChange, ...] = ()
    children: tuple[ChildChange, ...] = ()
    keys: tuple[KeyChange, ...] = ()
    config: tuple[ConfigChange, ...] = ()
    priv: tuple[PrivChange, ...] = ()

    @property
    def version_not_bumped(self) -> bool:
        """Code changed but the version did not: systools would skip the application."""
        return self.status == "unchanged" and any(not m.vsn_only for m in self.modules)

    @property
    def is_empty(self) -> bool:
        return not (self.modules or self.children or self.keys or self.config or self.priv)


@dataclass(frozen=True, slots=True)
class DiffWarning:
    code: str  # stable, e.g. "behaviour-inferred", "version-not-bumped"
    application: AppName | None
    message: str


@dataclass(frozen=True, slots=True)
class ConsolidationDiff:
    """How a mix release's consolidated protocols changed (both releases have them).

    ``modules`` compares ``releases/VSN/consolidated`` of OLD and NEW; the same
    modules' changes in the applications' ebin directories are left out of the
    application diffs, since the consolidated beams are the ones that run.
    """

    old_directory: str  # relative to the release root: releases/0.1.0/consolidated
    new_directory: str
    modules: tuple[ModuleChange, ...]


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    old: ReleaseCode
    new: ReleaseCode
    erts: tuple[str, str] | None  # (old, new) when the ERTS version changed
    applications: tuple[AppDiff, ...]
    warnings: tuple[DiffWarning, ...] = ()
    consolidated: ConsolidationDiff | None = None  # None unless both have consolidated/

    def application(self, name: str) -> AppDiff | None:
        return first_named(self.applications, name)
