"""Diff two releases into application-, module- and process-level changes.

How the comparison goes (set algebra, in sorted order, as ``systools_relup``
compares ``.rel`` files):

* applications: those only in NEW are added, only in OLD removed; in both,
  upgraded when the version differs, else unchanged.  An unchanged version
  whose code differs is still diffed, so the planner can warn that systools
  would skip it;
* modules, for applications whose code was read on both sides: added,
  removed, or changed when ``beam_lib:md5`` differs (so rebuilt-but-identical
  and stripped beams are not "changed"); same md5 but another ``-vsn`` is a
  vsn-only change;
* supervisor children: each supervisor's literal child specs, matched by id;
* ``.app`` keys that matter at run time (applications, included_applications,
  mod, start_phases, registered, env);
* ``sys.config``: per application and parameter; where a value changed, the
  paths inside it that changed (deepdiff, inside :func:`_config_paths` only);
* ``priv/`` files by SHA-256;
* a mix release's consolidated protocols (``releases/VSN/consolidated``), when
  both releases have them: compared like modules, and the same-named modules
  of the applications' ebin directories (which they shadow) are left out of
  the application diffs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from diffing.changes import (
    AppDiff,
    ChildChange,
    ConfigChange,
    ConsolidationDiff,
    DiffWarning,
    KeyChange,
    ModuleChange,
    PrivChange,
    ReleaseDiff,
)
from diffing.code_facts import AppCode, ModuleFacts, ReleaseCode
from diffing.release import Application, AppName
from diffing.terms import Atom, ErlList, ErlMap, Term, as_text, exactly_equal


def diff_releases(old: ReleaseCode, new: ReleaseCode) -> ReleaseDiff:
    """The changes from ``old`` to ``new``.

    >>> # diff_releases(code, code).applications are all unchanged and empty
    """
    old_names = {app.name for app in old.release.spec.applications}
    new_names = {app.name for app in new.release.spec.applications}
    order = [app.name for app in new.release.applications] + sorted(old_names - new_names)
    consolidated = _consolidation_diff(old, new)
    shadowed = _shadowed_modules(old, new) if consolidated is not None else frozenset()
    applications = tuple(_app_diff(name, old, new, shadowed) for name in order)
    warnings = [
        DiffWarning("code-reading", None, message) for message in (*old.warnings, *new.warnings)
    ]
    warnings.extend(_consolidation_warnings(old, new))
    old_erts, new_erts = old.release.spec.erts_vsn, new.release.spec.erts_vsn
    erts = None if old_erts == new_erts else (old_erts, new_erts)
    return ReleaseDiff(old, new, erts, applications, tuple(warnings), consolidated)


def _app_diff(
    name: AppName, old: ReleaseCode, new: ReleaseCode, shadowed: Collection[str]
) -> AppDiff:
    old_app, new_app = old.release.application(name), new.release.application(name)
    if old_app is None:
        assert new_app is not None
        return AppDiff(name, "added", None, new_app.vsn)
    if new_app is None:
        return AppDiff(name, "removed", old_app.vsn, None)
    status = "unchanged" if old_app.vsn == new_app.vsn else "upgraded"
    old_code, new_code = old.application(name), new.application(name)
    modules = tuple(
        change for change in _module_changes(old_code, new_code) if change.module not in shadowed
    )
    return AppDiff(
        name,
        status,  # type: ignore[arg-type]
        old_app.vsn,
        new_app.vsn,
        modules=modules,
        children=_child_changes(old_code, new_code),
        keys=_key_changes(old_app, new_app),
        config=_config_changes(name, old.sys_config, new.sys_config),
        priv=_priv_changes(old_code, new_code),
    )


def _module_changes(old: AppCode | None, new: AppCode | None) -> tuple[ModuleChange, ...]:
    if old is None or new is None:
        return ()
    return _compare_modules(old.modules, new.modules)


def _compare_modules(
    old: Sequence[ModuleFacts], new: Sequence[ModuleFacts]
) -> tuple[ModuleChange, ...]:
    before = {facts.name: facts for facts in old}
    after = {facts.name: facts for facts in new}
    changes: list[ModuleChange] = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was is None:
            changes.append(ModuleChange(name, "added", None, now))
        elif now is None:
            changes.append(ModuleChange(name, "removed", was, None))
        elif was.md5 != now.md5:
            changes.append(ModuleChange(name, "changed", was, now))
        elif was.vsn != now.vsn:
            changes.append(ModuleChange(name, "changed", was, now, vsn_only=True))
    return tuple(changes)


def _consolidation_diff(old: ReleaseCode, new: ReleaseCode) -> ConsolidationDiff | None:
    if old.consolidated is None or new.consolidated is None:
        return None
    modules = _compare_modules(old.consolidated.modules, new.consolidated.modules)
    return ConsolidationDiff(old.consolidated.directory, new.consolidated.directory, modules)


def _shadowed_modules(old: ReleaseCode, new: ReleaseCode) -> frozenset[str]:
    names: set[str] = set()
    for code in (old, new):
        if code.consolidated is not None:
            names.update(code.consolidated.names)
    return frozenset(names)


def _consolidation_warnings(old: ReleaseCode, new: ReleaseCode) -> list[DiffWarning]:
    if (old.consolidated is None) == (new.consolidated is None):
        return []
    only = "OLD" if old.consolidated is not None else "NEW"
    return [
        DiffWarning(
            "protocols-consolidated-once",
            None,
            f"only {only} has consolidated protocols (releases/VSN/consolidated): a hot "
            "upgrade cannot switch between consolidated and unconsolidated protocols, so "
            "they are left as they run; restart the node to change that",
        )
    ]


def _child_changes(old: AppCode | None, new: AppCode | None) -> tuple[ChildChange, ...]:
    if new is None:
        return ()
    changes: list[ChildChange] = []
    for now in new.modules:
        if now.supervisor is None:
            continue
        was = old.module(now.name) if old is not None else None
        changes.extend(_supervisor_child_changes(was, now))
    return tuple(changes)


def _supervisor_child_changes(was: ModuleFacts | None, now: ModuleFacts) -> list[ChildChange]:
    assert now.supervisor is not None
    if was is None or was.supervisor is None:
        return []  # a new supervisor's children start with it
    before = {spec.id: spec for spec in was.supervisor.child_specs}
    after = {spec.id: spec for spec in now.supervisor.child_specs}
    changes = [
        ChildChange(now.name, "removed", child_id, spec, None)
        for child_id, spec in before.items()
        if child_id not in after
    ]
    for child_id, spec in after.items():
        previous = before.get(child_id)
        if previous is None:
            changes.append(ChildChange(now.name, "added", child_id, None, spec))
        elif previous.term != spec.term:
            changes.append(ChildChange(now.name, "changed", child_id, previous, spec))
    return changes


def _key_changes(old: Application, new: Application) -> tuple[KeyChange, ...]:
    pairs: Sequence[tuple[str, Term | None, Term | None]] = (
        ("applications", _atoms(old.uses), _atoms(new.uses)),
        ("included_applications", _atoms(old.includes), _atoms(new.includes)),
        ("mod", old.mod, new.mod),
        ("start_phases", old.start_phases, new.start_phases),
        ("registered", _atoms(old.registered), _atoms(new.registered)),
        ("env", old.env, new.env),
    )
    return tuple(KeyChange(key, was, now) for key, was, now in pairs if not exactly_equal(was, now))


def _atoms(names: Sequence[str]) -> Term:
    return ErlList(tuple(Atom(name) for name in names))


def _config_changes(
    name: AppName, old_config: Term | None, new_config: Term | None
) -> tuple[ConfigChange, ...]:
    before, after = _app_config(name, old_config), _app_config(name, new_config)
    changes: list[ConfigChange] = []
    for parameter in sorted(before.keys() | after.keys()):
        was, now = before.get(parameter), after.get(parameter)
        if exactly_equal(was, now):
            continue
        if was is None:
            changes.append(ConfigChange(name, parameter, "added", "", None, now))
        elif now is None:
            changes.append(ConfigChange(name, parameter, "removed", "", was, None))
        else:
            for path in _config_paths(was, now):
                changes.append(ConfigChange(name, parameter, "changed", path, was, now))
    return tuple(changes)


def _app_config(name: str, config: Term | None) -> dict[str, Term]:
    if not isinstance(config, ErlList):
        return {}
    for entry in config.items:
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == Atom(name):
            return _parameters(entry[1])
    return {}


def _parameters(entries: Term) -> dict[str, Term]:
    parameters: dict[str, Term] = {}
    if isinstance(entries, ErlList):
        for entry in entries.items:
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], Atom):
                parameters.setdefault(entry[0].name, entry[1])
    return parameters


def _config_paths(was: Term, now: Term) -> list[str]:
    """Where inside a config value it changed; deepdiff never leaves this function."""
    from deepdiff import DeepDiff

    try:
        difference = DeepDiff(_plain(was), _plain(now), ignore_order=False, view="tree")
    except RecursionError:
        # Values nested hundreds deep (the reader allows up to a thousand) are
        # too deep to walk; the parameter still shows as changed, as a whole.
        return [""]
    paths = sorted(
        {
            item.path(output_format="list").__repr__()
            for items in difference.values()
            for item in items
        }
    )
    return paths[:20] or [""]


def _plain(term: Term) -> object:
    """A term as plain Python data, so deepdiff can walk it."""
    text = as_text(term)
    if text is not None and isinstance(term, ErlList) and term.items:
        return text
    if isinstance(term, Atom):
        return f"'{term.name}'"
    if isinstance(term, tuple):
        return {"tuple": [_plain(item) for item in term]}
    if isinstance(term, ErlList):
        return [_plain(item) for item in term.items]
    if isinstance(term, ErlMap):
        return {repr(key): _plain(value) for key, value in term.entries}
    if isinstance(term, bytes):
        return term.decode("latin-1")
    return term


def _priv_changes(old: AppCode | None, new: AppCode | None) -> tuple[PrivChange, ...]:
    if old is None or new is None:
        return ()
    before = {file.path: file.sha256 for file in old.priv_files}
    after = {file.path: file.sha256 for file in new.priv_files}
    changes = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            changes.append(PrivChange(path, "added"))
        elif path not in after:
            changes.append(PrivChange(path, "removed"))
        elif before[path] != after[path]:
            changes.append(PrivChange(path, "changed"))
    return tuple(changes)
