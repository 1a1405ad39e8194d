"""An upgrade plan as JSON-able data, and its JSON and YAML text (``relup plan --format``).

The data is made of dicts, lists, strings, integers, booleans and None only,
built in a fixed key order so the text is byte-stable.  Its shape is
``docs/plan-schema.json`` (explained in ``docs/plan-format.md``); bump
``SCHEMA_VERSION`` on any change a consumer could notice.

Free-form Erlang terms (``Extra``, ``apply`` arguments, child ids, config
values, relup descriptions) are given as Erlang text on one line, written by
``diffing.term_writer``: a consumer can show them, or parse them with any
Erlang term reader, without relup guessing a JSON mapping for atoms, strings
and tuples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import cast

from diffing.changes import AppDiff, ChildChange, ConfigChange, KeyChange, ModuleChange, ReleaseDiff
from diffing.term_writer import one_line_term
from diffing.terms import Atom, Term
from diffing.workers import ChildMessages, in_child
from render.appup_file import short_term
from render.json_text import Rendered, indented_json
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, PlanWarning, ProtocolPlan, UpgradePlan
from upgrade.relup_builder import Relup, RelupEntry

SCHEMA_VERSION = 2
Data = dict[str, object]

# Instruction fields that hold free-form Erlang terms, given as Erlang text.
_TERM_FIELDS = frozenset({"extra", "arguments", "library_vsn", "id"})


def plan_to_data(plan: UpgradePlan) -> Data:
    """The whole plan as JSON-able data, in the shape of ``docs/plan-schema.json``.

    Args:
        plan: the upgrade plan.

    Returns:
        A dict whose first key is ``schema_version``.  An application's up
        and down steps holding the same instruction share its data (one
        dict): copy it before changing it.
    """
    data: Data = {
        "schema_version": SCHEMA_VERSION,
        "release": _release_data(plan.diff),
        "verdict": plan.verdict,
        "verdict_reasons": list(plan.verdict_reasons),
        "warnings": [_warning_data(warning) for warning in plan.warnings],
        "applications": [_app_plan_data(app_plan) for app_plan in plan.applications],
        "added_applications": list(plan.added_applications),
        "removed_applications": list(plan.removed_applications),
    }
    if plan.protocols is not None:  # only mix releases have it: optional in the schema
        data["protocols"] = _protocols_data(plan.protocols)
    data["diff"] = _diff_data(plan.diff)
    data["relup"] = None if plan.relup is None else _relup_data(plan.relup)
    return data


def render_plan_json(plan: UpgradePlan, translate: Callable[[], Relup] | None = None) -> str:
    """The plan as JSON: keys in the data's order, 2-space indent, a final newline.

    ``translate``, for a plan without its relup, is the call that makes it
    (``relup.planning.plan_before_translation``): the text is then that of the
    plan with the relup it returns, and the call raises what it raises.
    """
    if translate is None:
        relup = plan.relup
        if relup is None or _instruction_count(relup) < FORK_MIN_INSTRUCTIONS:
            return indented_json(plan_to_data(plan)) + "\n"  # json.dumps(..., indent=2), faster
        translate = partial(_as_is, relup)
    elif _step_count(plan) < FORK_MIN_INSTRUCTIONS:
        return render_plan_json(replace(plan, relup=translate()))
    # A big relup is translated by a second process while this one writes the
    # rest of the plan; then the child writes the up entries while this one
    # writes the down entries.  "relup" is the data's last key, so its text is
    # appended.
    child = in_child(_translated_in_halves, translate)
    head = indented_json(plan_to_data(replace(plan, relup=None)))
    return head[: -len("null\n}")] + _shared_relup_json(child, translate) + "\n}\n"


# From this many instructions (in the relup, or planned when it is still to
# translate) a second process saves more than forking it costs.
FORK_MIN_INSTRUCTIONS = 2000


def _instruction_count(relup: Relup) -> int:
    return sum(len(entry.instructions) for entry in (*relup.up, *relup.down))


def _step_count(plan: UpgradePlan) -> int:
    return sum(len(app_plan.up) + len(app_plan.down) for app_plan in plan.applications)


def _as_is(relup: Relup) -> Relup:
    return relup


def _translated_in_halves(translate: Callable[[], Relup]) -> Iterator[Relup | str]:
    """In the child: the relup without its up entries, for the parent to write, then
    the JSON text of the up entries."""
    relup = translate()
    yield replace(relup, up=())
    yield indented_json([_relup_entry_data(entry) for entry in relup.up])


def _shared_relup_json(
    child: ChildMessages[Relup | str] | None, translate: Callable[[], Relup]
) -> str:
    """The text of the plan data's ``"relup"`` value, from what ``child`` sends.

    Where there is no child, or it failed, the relup is made again in this
    process, so that the error raised is the one a single process raises.
    """
    if child is not None:
        with child:
            rest = child.next()
            if isinstance(rest, Relup):
                # The down entries are written while the child writes the up ones.
                data = _relup_data(rest)
                data["down"] = Rendered(indented_json(data["down"]))
                up_text = child.next()
                if isinstance(up_text, str):
                    data["up"] = Rendered(up_text)
                    return indented_json(data, level=1)
    return _translated_relup_json(translate)


def _translated_relup_json(translate: Callable[[], Relup]) -> str:
    """The text of the plan data's ``"relup"`` value, indented to stand at its key."""
    return indented_json(_relup_data(translate()), level=1)


def render_plan_yaml(plan: UpgradePlan) -> str:
    """The plan as YAML (safe subset), keys in the data's order."""
    import yaml  # only --format yaml needs it: kept out of start-up

    class Dumper(yaml.SafeDumper):
        # The data shares a dict where two steps are one instruction: written out
        # each time, as JSON has it, not as a YAML anchor and alias.
        def ignore_aliases(self, data: object) -> bool:
            return True

    text: str = yaml.dump(
        plan_to_data(plan),
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )
    return text


def erlang_text(term: Term) -> str:
    """``term`` as Erlang text on a single line."""
    return one_line_term(term)


# -- instructions ---------------------------------------------------------------------


def instruction_data(instruction: ins.Instruction) -> Data:
    """One instruction: its short Erlang text, ``op`` (its tag), then its fields by name.

    >>> instruction_data(ins.LoadModule("shop_util"))["erlang"]
    '{load_module,shop_util}'
    """
    short = short_term(instruction)
    data: Data = {"erlang": erlang_text(short), "op": _op(short, instruction)}
    is_update = isinstance(instruction, ins.Update)
    for name in _field_names(type(instruction)):
        value = getattr(instruction, name)
        if is_update and name == "extra":
            data["change"] = "soft" if value is None else "advanced"
        data[name] = _field_data(name, value)
    return data


def _op(short: Term, instruction: ins.Instruction) -> str:
    # The short form keeps the full form's tag (it only leaves out defaults),
    # so the instruction is not turned into a term a second time.
    match short:
        case Atom(name=name) | (Atom(name=name), *_):
            return name
    raise TypeError(f"not an instruction: {instruction!r}")


def _field_names(kind: type[ins.Instruction]) -> tuple[str, ...]:
    # dataclasses.fields builds its tuple on every call: once per class instead.
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))
    return names


_FIELD_NAMES: dict[type[ins.Instruction], tuple[str, ...]] = {}


def _field_data(name: str, value: object) -> object:
    if value is None:
        return None
    if name in _TERM_FIELDS:
        return erlang_text(cast(Term, value))
    match value:
        case str() | int():
            return value
        case (str() as module, str() as function, arguments) if name == "node_function":
            arguments_text = erlang_text(cast(Term, arguments))
            return {"module": module, "function": function, "arguments": arguments_text}
        case tuple():
            return [_item_data(item) for item in value]
    raise TypeError(f"no data form for instruction field {name}={value!r}")


def _item_data(item: object) -> object:
    """An element of a tuple field: a name, a suspend entry or a code_change entry."""
    match item:
        case str():
            return item
        case ins.SuspendEntry(module=module, timeout=timeout):
            return {"module": module, "timeout": timeout}
        case (str() as module, extra):
            return {"module": module, "extra": erlang_text(cast(Term, extra))}
    raise TypeError(f"no data form for instruction field item {item!r}")


def _step_data(step: PlannedInstruction, made: dict[ins.Instruction, Data] | None = None) -> Data:
    """A step's data; ``made`` holds instructions' data made before, to reuse."""
    instruction = None if made is None else made.get(step.instruction)
    if instruction is None:
        instruction = instruction_data(step.instruction)
        if made is not None:
            made[step.instruction] = instruction
    return {
        "instruction": instruction,
        "reason": {"rule": step.reason.rule, "text": step.reason.text},
        "suspends": list(step.suspends),
    }


def _app_plan_data(app_plan: AppPlan) -> Data:
    # Most modules' downgrade step is the very instruction of their upgrade step.
    made: dict[ins.Instruction, Data] = {}
    return {
        "name": app_plan.name,
        "old_vsn": app_plan.old_vsn,
        "new_vsn": app_plan.new_vsn,
        "source": app_plan.source,
        "verdict": app_plan.verdict,
        "verdict_reasons": list(app_plan.verdict_reasons),
        "up": [_step_data(step, made) for step in app_plan.up],
        "down": [_step_data(step, made) for step in app_plan.down],
    }


def _protocols_data(protocols: ProtocolPlan) -> Data:
    return {
        "old_directory": protocols.old_directory,
        "new_directory": protocols.new_directory,
        "up_check": [_step_data(step) for step in protocols.up_check],
        "up": [_step_data(step) for step in protocols.up],
        "down_check": [_step_data(step) for step in protocols.down_check],
        "down": [_step_data(step) for step in protocols.down],
    }


def _warning_data(warning: PlanWarning) -> Data:
    return {"code": warning.code, "application": warning.application, "message": warning.message}


# -- the diff -------------------------------------------------------------------------


def _release_data(diff: ReleaseDiff) -> Data:
    old, new = diff.old.release.spec, diff.new.release.spec
    return {
        "old": {"name": old.name, "vsn": old.vsn, "erts_vsn": old.erts_vsn},
        "new": {"name": new.name, "vsn": new.vsn, "erts_vsn": new.erts_vsn},
    }


def _diff_data(diff: ReleaseDiff) -> Data:
    data: Data = {
        "erts": None if diff.erts is None else {"old": diff.erts[0], "new": diff.erts[1]},
        "applications": _status_data(diff.applications),
        "changes": [_app_diff_data(app) for app in diff.applications if not app.is_empty],
        "warnings": [
            {"code": warning.code, "application": warning.application, "message": warning.message}
            for warning in diff.warnings
        ],
    }
    if diff.consolidated is not None:  # mix releases only
        data["consolidated"] = {
            "old_directory": diff.consolidated.old_directory,
            "new_directory": diff.consolidated.new_directory,
            "modules": _modules_data(diff.consolidated.modules),
        }
    return data


def _status_data(applications: tuple[AppDiff, ...]) -> Data:
    def versions(app: AppDiff) -> Data:
        if app.status == "upgraded":
            return {"name": app.name, "old_vsn": app.old_vsn, "new_vsn": app.new_vsn}
        return {"name": app.name, "vsn": app.new_vsn if app.status == "added" else app.old_vsn}

    statuses = ("added", "removed", "upgraded", "unchanged")
    return {
        status: [versions(app) for app in applications if app.status == status]
        for status in statuses
    }


def _app_diff_data(app: AppDiff) -> Data:
    return {
        "application": app.name,
        "status": app.status,
        "version_not_bumped": app.version_not_bumped,
        "modules": _modules_data(app.modules),
        "children": [_child_data(change) for change in app.children],
        "keys": [_key_data(change) for change in app.keys],
        "config": [_config_data(change) for change in app.config],
        "priv": [
            {"path": change.path, "kind": change.kind, "native": change.is_native}
            for change in app.priv
        ],
    }


def _modules_data(modules: tuple[ModuleChange, ...]) -> Data:
    def named(kind: str, vsn_only: bool = False) -> list[str]:
        return [
            change.module
            for change in modules
            if change.kind == kind and change.vsn_only == vsn_only
        ]

    return {
        "added": named("added"),
        "removed": named("removed"),
        "changed": named("changed"),
        "vsn_only": named("changed", vsn_only=True),
    }


def _child_data(change: ChildChange) -> Data:
    return {
        "supervisor": change.supervisor,
        "kind": change.kind,
        "id": erlang_text(change.child_id),
        "old": _optional_text(None if change.old is None else change.old.term),
        "new": _optional_text(None if change.new is None else change.new.term),
    }


def _key_data(change: KeyChange) -> Data:
    return {"key": change.key, "old": _optional_text(change.old), "new": _optional_text(change.new)}


def _config_data(change: ConfigChange) -> Data:
    return {
        "parameter": change.parameter,
        "kind": change.kind,
        "path": change.path,
        "old": _optional_text(change.old),
        "new": _optional_text(change.new),
    }


def _optional_text(term: Term | None) -> str | None:
    return None if term is None else erlang_text(term)


# -- the relup ------------------------------------------------------------------------


def _relup_data(relup: Relup) -> Data:
    return {
        "vsn": relup.vsn,
        "up": [_relup_entry_data(entry) for entry in relup.up],
        "down": [_relup_entry_data(entry) for entry in relup.down],
        "warnings": [
            {"tag": warning.tag, "message": warning.message} for warning in relup.warnings
        ],
    }


def _relup_entry_data(entry: RelupEntry) -> Data:
    return {
        "vsn": entry.vsn,
        "description": erlang_text(entry.description),
        "instructions": [instruction_data(instruction) for instruction in entry.instructions],
    }
