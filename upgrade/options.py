"""What the planner is asked to do: fallback, regeneration, and the ``relup.yaml`` overrides.

``Overrides.from_dict`` validates an already loaded ``relup.yaml`` (the caller
reads the file; the schema is in docs/planning.md)::

    modules:
      shop_cart:
        instruction: update        # load_module | update | supervisor
        change: advanced           # soft | advanced (update only)
        extra: "{cart, v2}"        # Erlang term text: the Extra of {advanced, Extra}
        extra_down: "{cart, v1}"   # the Extra of the downgrade, when it differs
        module_type: dynamic       # static | dynamic (update only)
        timeout: 5000              # default | infinity | integer > 0 (update only)
        purge: soft_purge          # both purge methods; or pre_purge / post_purge
        dep_mods: [shop_db]        # extra DepMods, both directions
        ignore: true               # plan nothing for this module
    applications:
      shop:
        up:
          before: [{module: shop_migrate, function: prepare, args: "[v2]"}]
          after: [...]
        down:
          before: [...]
          after: [...]

Every problem is an ``InputError`` naming the file and the key path
(``relup.yaml: modules.shop_cart.timeout: ...``).
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from diffing.errors import InputError, TermSyntaxError
from diffing.release import AppName, ModuleName
from diffing.term_reader import parse_first_term
from diffing.terms import ErlList, Term
from upgrade import instructions as ins

Fallback = Literal["fail", "restart"]
InstructionForm = Literal["load_module", "update", "supervisor"]
ChangeForm = Literal["soft", "advanced"]

_MODULE_KEYS = frozenset(
    {
        "instruction", "change", "extra", "extra_down", "module_type", "timeout",
        "purge", "pre_purge", "post_purge", "dep_mods", "ignore",
    }
)  # fmt: skip
_PURGES = ("soft_purge", "brutal_purge")
_FORMS = ("load_module", "update", "supervisor")


@dataclass(frozen=True, slots=True)
class ModuleOverride:
    """What ``relup.yaml`` says about one module; None leaves the planner's choice."""

    module: ModuleName
    instruction: InstructionForm | None = None
    change: ChangeForm | None = None
    extra: Term | None = None
    extra_down: Term | None = None
    module_type: ins.ModuleType | None = None
    timeout: ins.Timeout | None = None
    pre_purge: ins.PurgeMethod | None = None
    post_purge: ins.PurgeMethod | None = None
    dep_mods: tuple[ModuleName, ...] = ()
    ignore: bool = False

    @property
    def changes_update_fields(self) -> bool:
        """Fields that only an ``update`` has."""
        return any(
            value is not None
            for value in (self.change, self.extra, self.extra_down, self.module_type, self.timeout)
        )


@dataclass(frozen=True, slots=True)
class ApplySteps:
    """Extra ``apply`` steps placed before and after an application's generated instructions."""

    before: tuple[ins.Apply, ...] = ()
    after: tuple[ins.Apply, ...] = ()


@dataclass(frozen=True, slots=True)
class AppOverride:
    application: AppName
    up: ApplySteps = ApplySteps()
    down: ApplySteps = ApplySteps()


@dataclass(frozen=True, slots=True)
class Overrides:
    """The validated contents of ``relup.yaml``, sorted by name."""

    modules: tuple[ModuleOverride, ...] = ()
    applications: tuple[AppOverride, ...] = ()
    source: Path | None = None

    def module(self, name: str) -> ModuleOverride | None:
        for override in self.modules:
            if override.module == name:
                return override
        return None

    def application(self, name: str) -> AppOverride | None:
        for override in self.applications:
            if override.application == name:
                return override
        return None

    @classmethod
    def from_dict(cls, data: object, source: Path | str | None = None) -> Overrides:
        """Validate a loaded ``relup.yaml`` document.

        Args:
            data: what the YAML loader returned (None for an empty file).
            source: the file it came from, named in error messages.

        Returns:
            The overrides.

        Raises:
            InputError: naming the key path of the first problem.

        >>> Overrides.from_dict({"modules": {"m": {"ignore": True}}}).module("m").ignore
        True
        """
        path = None if source is None else Path(source)
        reader = _Reader(path)
        if data is None:
            return cls(source=path)
        top = reader.mapping(data, "", {"modules", "applications"})
        modules = reader.mapping(top.get("modules", {}), "modules")
        applications = reader.mapping(top.get("applications", {}), "applications")
        return cls(
            modules=tuple(
                reader.module(name, modules[name], f"modules.{name}") for name in sorted(modules)
            ),
            applications=tuple(
                reader.application(name, applications[name], f"applications.{name}")
                for name in sorted(applications)
            ),
            source=path,
        )


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan.

    ``fallback``: what to do with an application that cannot be upgraded hot
    (``"fail"``: raise PlanError; ``"restart"``: restart_application).
    ``regenerate``: generate appups even where NEW holds hand-written ones.
    ``generated_appups``: applications whose appup in NEW was written by relup
    (so it is regenerated, not honoured as hand-written); an appup the reader
    marked ``generated_by_relup`` counts too.
    """

    fallback: Fallback = "fail"
    regenerate: bool = False
    overrides: Overrides | None = None
    generated_appups: frozenset[AppName] = field(default_factory=frozenset)


class _Reader:
    """Validates one document, raising InputError with the key path of the problem."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def fail(self, key_path: str, message: str) -> InputError:
        where = key_path or "top level"
        return InputError(self.path, f"{where}: {message}")

    def mapping(
        self, value: object, key_path: str, allowed: frozenset[str] | set[str] | None = None
    ) -> dict[str, object]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key_path, f"expected a mapping, got {_shown(value)}")
        result: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise self.fail(key_path, f"keys must be non-empty names, got {_shown(key)}")
            if allowed is not None and key not in allowed:
                expected = ", ".join(sorted(allowed))
                raise self.fail(_join(key_path, key), f"unknown key (expected one of {expected})")
            result[key] = item
        return result

    def module(self, name: str, value: object, key_path: str) -> ModuleOverride:
        entries = self.mapping(value, key_path, _MODULE_KEYS)
        purge = self.choice(entries, "purge", key_path, _PURGES)
        if purge is not None and ("pre_purge" in entries or "post_purge" in entries):
            raise self.fail(_join(key_path, "purge"), "give purge or pre/post_purge, not both")
        change = self.choice(entries, "change", key_path, ("soft", "advanced"))
        if change == "soft" and (entries.get("extra") or entries.get("extra_down")):
            raise self.fail(_join(key_path, "change"), "soft takes no extra ({advanced, Extra})")
        form = self.choice(entries, "instruction", key_path, _FORMS)
        return ModuleOverride(
            module=ModuleName(name),
            instruction=cast("InstructionForm | None", form),
            change=cast("ChangeForm | None", change),
            extra=self.term(entries, "extra", key_path),
            extra_down=self.term(entries, "extra_down", key_path),
            module_type=cast(
                "ins.ModuleType | None",
                self.choice(entries, "module_type", key_path, ("static", "dynamic")),
            ),
            timeout=self.timeout(entries, key_path),
            pre_purge=self.purge(entries, "pre_purge", key_path, purge),
            post_purge=self.purge(entries, "post_purge", key_path, purge),
            dep_mods=self.names(entries, "dep_mods", key_path),
            ignore=self.flag(entries, "ignore", key_path),
        )

    def purge(
        self, entries: dict[str, object], key: str, key_path: str, both: str | None
    ) -> ins.PurgeMethod | None:
        chosen = both if both is not None else self.choice(entries, key, key_path, _PURGES)
        return cast("ins.PurgeMethod | None", chosen)

    def application(self, name: str, value: object, key_path: str) -> AppOverride:
        entries = self.mapping(value, key_path, {"up", "down"})
        return AppOverride(
            application=AppName(name),
            up=self.steps(entries.get("up"), _join(key_path, "up")),
            down=self.steps(entries.get("down"), _join(key_path, "down")),
        )

    def steps(self, value: object, key_path: str) -> ApplySteps:
        entries = self.mapping(value, key_path, {"before", "after"})
        return ApplySteps(
            before=self.applies(entries.get("before"), _join(key_path, "before")),
            after=self.applies(entries.get("after"), _join(key_path, "after")),
        )

    def applies(self, value: object, key_path: str) -> tuple[ins.Apply, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key_path, f"expected a list of apply steps, got {_shown(value)}")
        return tuple(self.apply(item, f"{key_path}[{index}]") for index, item in enumerate(value))

    def apply(self, value: object, key_path: str) -> ins.Apply:
        entries = self.mapping(value, key_path, {"module", "function", "args"})
        for key in ("module", "function"):
            if not isinstance(entries.get(key), str) or not entries[key]:
                raise self.fail(_join(key_path, key), "required: an atom name")
        arguments = self.term(entries, "args", key_path)
        if arguments is None:
            arguments = ErlList()
        if not isinstance(arguments, ErlList) or not arguments.is_proper:
            raise self.fail(_join(key_path, "args"), 'must be an Erlang list, e.g. "[v2]"')
        return ins.Apply(str(entries["module"]), str(entries["function"]), arguments)

    def choice(
        self, entries: dict[str, object], key: str, key_path: str, allowed: tuple[str, ...]
    ) -> str | None:
        value = entries.get(key)
        if value is None:
            return None
        if value not in allowed:
            expected = " or ".join(allowed)
            raise self.fail(_join(key_path, key), f"expected {expected}, got {_shown(value)}")
        return str(value)

    def term(self, entries: dict[str, object], key: str, key_path: str) -> Term | None:
        value = entries.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(_join(key_path, key), f"expected Erlang term text, got {_shown(value)}")
        text = value.strip().removesuffix(".")
        try:
            return parse_first_term(text + ".")
        except TermSyntaxError as error:
            message = f"not an Erlang term ({error.message}): {value!r}"
            raise self.fail(_join(key_path, key), message) from error

    def timeout(self, entries: dict[str, object], key_path: str) -> ins.Timeout | None:
        value = entries.get("timeout")
        if value is None:
            return None
        if value in ("default", "infinity"):
            return cast("ins.Timeout", value)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        message = f"expected default, infinity or an integer > 0, got {_shown(value)}"
        raise self.fail(_join(key_path, "timeout"), message)

    def names(self, entries: dict[str, object], key: str, key_path: str) -> tuple[ModuleName, ...]:
        value = entries.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            message = f"expected a list of module names, got {_shown(value)}"
            raise self.fail(_join(key_path, key), message)
        return tuple(ModuleName(name) for name in dict.fromkeys(value))

    def flag(self, entries: dict[str, object], key: str, key_path: str) -> bool:
        value = entries.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(_join(key_path, key), f"expected true or false, got {_shown(value)}")
        return value


def _join(key_path: str, key: str) -> str:
    return f"{key_path}.{key}" if key_path else key


# A bounded repr: YAML aliases can make a small file stand for a huge value.
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4


def _shown(value: object) -> str:
    text = _SHORT.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
