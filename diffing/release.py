"""What a release is, once read from disk: frozen values, no I/O.

These mirror the records systools works on (``#release{}`` and
``#application{}`` in ``systools.hrl``), with names spelled out.  Everything
``load_release`` reads ends up here, so later stages never touch the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NewType, Protocol, TypeVar

from diffing.terms import Term

AppName = NewType("AppName", str)
ModuleName = NewType("ModuleName", str)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_NamedT = TypeVar("_NamedT", bound=_Named)


def first_named(items: Iterable[_NamedT], name: str) -> _NamedT | None:
    """The first item called ``name`` (systools' ``lists:keysearch``: first match wins)."""
    return next((item for item in items if item.name == name), None)


StartType = Literal["permanent", "transient", "temporary", "load", "none"]
START_TYPES: tuple[StartType, ...] = ("permanent", "transient", "temporary", "load", "none")


@dataclass(frozen=True, slots=True)
class RelApplication:
    """One application entry of a ``.rel`` file."""

    name: AppName
    vsn: str
    start_type: StartType = "permanent"
    # The .rel's 3rd/4th element, overriding the .app's included_applications.
    included_override: tuple[AppName, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReleaseSpec:
    """The contents of ``releases/VSN/NAME.rel``."""

    name: str
    vsn: str
    erts_vsn: str
    applications: tuple[RelApplication, ...]
    path: Path

    def find(self, name: str) -> RelApplication | None:
        return first_named(self.applications, name)


@dataclass(frozen=True, slots=True)
class Appup:
    """An ``.appup`` file as systools sees it: its first term only, or the problem reading it.

    ``term`` is the first term of the file when it could be read.  ``problem``
    says why not (``"enoent"`` when missing, or the syntax error text); systools
    only complains when it needs the appup, so the loader records the problem and
    translation raises it if, and only if, the appup is needed.
    """

    path: Path
    term: Term | None = None
    problem: str | None = None
    problem_line: int | None = None
    # How systools_lib:read_term fails: "open" (cannot open: problem is the
    # posix reason, e.g. "enoent"), "read" (no term, or bytes the scanner
    # rejects), "parse" (tokens that are not a term).
    problem_kind: Literal["open", "read", "parse"] | None = None
    generated_by_relup: bool = False  # starts with relup's marker: regenerate, don't honour


@dataclass(frozen=True, slots=True)
class Application:
    """A resolved application: systools' ``#application{}`` record plus where it was found.

    ``uses`` and ``includes`` are already rewritten and sorted the way
    ``systools_make`` does it (included apps replaced by their top includer,
    sorted by ``.rel`` position).
    """

    name: AppName
    vsn: str
    start_type: StartType
    description: str
    modules: tuple[ModuleName, ...]
    uses: tuple[AppName, ...]
    includes: tuple[AppName, ...]
    registered: tuple[str, ...]
    directory: Path  # the ebin directory holding NAME.app (systools' `dir`)
    id: str = ""
    optional: tuple[AppName, ...] = ()
    env: Term | None = None
    max_t: Term | None = None
    max_p: Term | None = None
    mod: Term | None = None
    start_phases: Term | None = None
    appup: Appup | None = None

    @property
    def app_file(self) -> Path:
        return self.directory / f"{self.name}.app"

    @property
    def appup_file(self) -> Path:
        return self.directory / f"{self.name}.appup"


@dataclass(frozen=True, slots=True)
class Release:
    """A release read from disk: its ``.rel`` and its applications in systools' sorted order."""

    spec: ReleaseSpec
    applications: tuple[Application, ...]
    root: Path | None = None
    source: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def vsn(self) -> str:
        return self.spec.vsn

    def application(self, name: str) -> Application | None:
        return first_named(self.applications, name)
