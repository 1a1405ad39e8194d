"""The errors ``systools_rc`` and ``systools_relup`` report, as ``TranslationError``.

Each carries the exact reason term systools returns (so differential tests can
compare causes) and a message in words.
"""

from __future__ import annotations

from pathlib import Path

from diffing.errors import EXIT_FAILED, TranslationError
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term

_EXPLANATIONS = {
    "too_many_point_of_no_return": "more than one point_of_no_return in one script",
    "bad_op_before_point_of_no_return": "only apply and load_object_code may come before "
    "point_of_no_return, found",
    "bad_instruction": "unknown instruction",
    "bad_module": "module must be an atom, got",
    "bad_change": "change must be soft or {advanced, Extra}, got",
    "bad_mod_type": "module type must be static or dynamic, got",
    "bad_purge_method": "purge method must be soft_purge or brutal_purge, got",
    "bad_list": "expected a list, got",
    "bad_args_list": "apply arguments must be a list, got",
    "bad_node": "node must be an atom, got",
    "bad_application": "application must be an atom, got",
    "bad_func": "function must be an atom, got",
    "bad_lib": "library must be an atom, got",
    "bad_lib_vsn": "library version must be a string, got",
    "bad_timeout": "timeout must be default, infinity or an integer > 0, got",
    "bad_mode": "code_change mode must be up or down, got",
    "bad_start_type": "start type must be permanent, transient, temporary, load or none, got",
    "bad_code_change": "code_change entries must be {Mod, Extra}, got",
    "not_yet_implemented": "not implemented by systools:",
    "no_object_code": "low-level load without a load_object_code for module",
    "suspended_not_resumed": "suspended but never resumed:",
    "resumed_not_suspended": "resumed but never suspended:",
    "start_not_stop": "started but never stopped:",
    "stop_not_start": "stopped but never started:",
    "no_such_application": "no such application in the release:",
    "removed_application_present": "remove_application of an application still in the "
    "target release:",
    "muldef_module": "more than one instruction (update/load_module/add_module/delete_module) "
    "for module",
    "undef_module": "DepMods names a module that has no update/load_module/add_module/"
    "delete_module instruction of its own:",
    "no_such_module": "module is in no application of the target release:",
}


def rc_error(tag: str, *arguments: Term) -> TranslationError:
    """The ``systools_rc`` error ``{Tag, Arguments...}`` (or the bare atom ``Tag``)."""
    reason: Term = Atom(tag) if not arguments else (Atom(tag), *arguments)
    explanation = _EXPLANATIONS.get(tag, tag.replace("_", " "))
    shown = " ".join(_short(argument) for argument in arguments)
    message = f"{explanation} {shown}".strip() + f" (systools_rc: {tag})"
    return TranslationError("systools_rc", reason, message)


def conflicting_versions(library: str, first: Term, other: Term) -> TranslationError:
    reason = (Atom("conflicting_versions"), Atom(library), first, other)
    message = (
        f"load_object_code for library {library} with conflicting versions "
        f"{_short(first)} and {_short(other)} (systools_rc: conflicting_versions)"
    )
    return TranslationError("systools_rc", reason, message)


def crash(origin: str, what: str, path: Path | None = None) -> TranslationError:
    """Where systools itself crashes (a function_clause or badarg) instead of returning an error."""
    reason = (Atom("EXIT"), Atom("crash"))
    return TranslationError(origin, reason, f"{what} (systools would crash here)", path)


def relup_error(
    reason: Term, message: str, path: Path | None = None, exit_code: int = EXIT_FAILED
) -> TranslationError:
    return TranslationError("systools_relup", reason, message, path, exit_code)


def _short(term: Term, limit: int = 200) -> str:
    text = format_term(term).replace("\n", " ")
    text = " ".join(text.split())
    if isinstance(term, ErlList) and not term.items:
        text = "[]"
    return text if len(text) <= limit else text[: limit - 3] + "..."
