"""Synthetic release pairs for the performance benchmark (issue 6).

``generate_pair(apps, modules_per_app)`` writes, under a cache directory
(default ``/tmp/relup-bench``, keyed by size), three release roots::

    old/        releases/1.0.0/bench.rel and lib/APP-VSN/ebin (no appups)
    new/        releases/2.0.0/bench.rel, the changed apps carrying appups
    new_plain/  the same release as new/ without any appup (what `relup plan` reads)

Every user application has an application callback, a supervisor whose
``init/1`` returns literal child specs, gen_servers exporting
``code_change/3`` and libraries; every module calls a few others (in its own
app and in the app before it, which it lists in ``applications``).  In the new
release about 13% of the modules change, about 1% are added and 1% removed;
every fifth app is untouched and keeps its version.  kernel, stdlib and sasl
are the installed OTP's ``.app`` files.  Beams are real: each release is
compiled by one ``erl -noshell`` run of ``bench_compile.erl``; a module that
does not change is hard-linked from the old tree instead of compiled again.

Run ``python benchmarks/generate.py APPS MODULES`` to build (or find) a pair.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("RELUP_BENCH_CACHE", "/tmp/relup-bench"))
OTP_LIB = Path("/usr/lib/erlang/lib")
CORE_APPS = ("kernel", "stdlib", "sasl")
COMPILER = Path(__file__).resolve().parent / "bench_compile.erl"
GENERATOR_VERSION = "1"  # bump when the generated shape changes, to invalidate caches
OLD_VSN, NEW_VSN = "1.0.0", "2.0.0"
APP_OLD_VSN, APP_NEW_VSN = "1.0.0", "1.1.0"
CHANGED_SHARE, ADDED_SHARE, REMOVED_SHARE = 0.165, 0.0125, 0.0125  # of touched apps' modules
SERVER_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Module:
    """One generated module: its kind, the modules it calls, and a revision number."""

    name: str
    kind: str  # "app", "sup", "server" or "lib"
    calls: tuple[str, ...] = ()
    children: tuple[str, ...] = ()  # a supervisor's gen_servers
    revision: int = 0

    def source(self) -> str:
        calls = ", ".join(f"{callee}:f()" for callee in self.calls)
        body = f"f() -> [{self.revision}{', ' if calls else ''}{calls}].\n"
        head = f"-module({self.name}).\n"
        if self.kind == "lib":
            return head + "-export([f/0]).\n" + body
        if self.kind == "server":
            return head + _SERVER.format(name=self.name) + body
        if self.kind == "sup":
            specs = ", ".join(
                f"#{{id => {child}, start => {{{child}, start_link, []}}}}"
                for child in self.children
            )
            return head + _SUPERVISOR.format(name=self.name, specs=specs) + body
        return head + _APPLICATION.format(sup=self.calls[0]) + body


_SERVER = """-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, handle_info/2, code_change/3, f/0]).
start_link() -> gen_server:start_link({{local, {name}}}, {name}, [], []).
init([]) -> {{ok, #{{}}}}.
handle_call(_Request, _From, State) -> {{reply, f(), State}}.
handle_cast(_Message, State) -> {{noreply, State}}.
handle_info(_Message, State) -> {{noreply, State}}.
code_change(_OldVsn, State, _Extra) -> {{ok, State}}.
"""

_SUPERVISOR = """-behaviour(supervisor).
-export([start_link/0, init/1, f/0]).
start_link() -> supervisor:start_link({{local, {name}}}, {name}, []).
init([]) -> {{ok, {{#{{strategy => one_for_one}}, [{specs}]}}}}.
"""

_APPLICATION = """-behaviour(application).
-export([start/2, stop/1, f/0]).
start(_Type, _Args) -> {sup}:start_link().
stop(_State) -> ok.
"""


@dataclass(frozen=True, slots=True)
class App:
    name: str
    vsn: str
    modules: tuple[Module, ...]
    applications: tuple[str, ...]
    appup: str | None = None


@dataclass(frozen=True, slots=True)
class Pair:
    """Where one generated pair lives."""

    root: Path
    old: Path
    new: Path
    new_plain: Path
    modules: int  # user modules in the new release
    changed: int  # modules in both releases whose code differs
    added: int
    removed: int

    def rel_file(self, which: Path) -> Path:
        vsn = OLD_VSN if which == self.old else NEW_VSN
        return which / "releases" / vsn / "bench.rel"


def generate_pair(apps: int, modules_per_app: int, cache: Path = DEFAULT_CACHE) -> Pair:
    """The pair of ``apps`` x ``modules_per_app``, generated unless already cached."""
    root = cache / f"{apps}x{modules_per_app}-g{GENERATOR_VERSION}"
    # Building the descriptions is cheap and deterministic; only the files are cached.
    old_apps = [_old_app(index, modules_per_app) for index in range(apps)]
    new_apps = [_new_app(app, index) for index, app in enumerate(old_apps)]
    pair = Pair(root, root / "old", root / "new", root / "new_plain", *_counts(old_apps, new_apps))
    done = root / "DONE"
    if done.exists():
        return pair
    shutil.rmtree(root, ignore_errors=True)
    _write_release(pair.old, OLD_VSN, old_apps, previous=None)
    _write_release(pair.new, NEW_VSN, new_apps, previous=(pair.old, old_apps))
    _link_tree(pair.new, pair.new_plain, skip_suffix=".appup")
    done.write_text("complete\n")
    return pair


def _counts(old_apps: Sequence[App], new_apps: Sequence[App]) -> tuple[int, int, int, int]:
    old = {m.name: m for app in old_apps for m in app.modules}
    new = {m.name: m for app in new_apps for m in app.modules}
    changed = sum(1 for name in old.keys() & new.keys() if old[name] != new[name])
    return len(new), changed, len(new.keys() - old.keys()), len(old.keys() - new.keys())


def _app_name(index: int) -> str:
    return f"app{index:03d}"


def _old_app(index: int, size: int) -> App:
    rng = random.Random(index)
    name = _app_name(index)
    servers = max(1, int((size - 2) * SERVER_SHARE))
    libs = max(0, size - 2 - servers)
    server_names = tuple(f"{name}_srv{n:04d}" for n in range(servers))
    lib_names = tuple(f"{name}_lib{n:04d}" for n in range(libs))
    previous = _lib_names_of(index - 1, size) if index > 0 else ()
    modules = [
        Module(f"{name}_app", "app", (f"{name}_sup",)),
        Module(f"{name}_sup", "sup", children=server_names),
    ]
    modules += [Module(srv, "server", _calls(rng, lib_names, previous)) for srv in server_names]
    modules += [
        Module(lib, "lib", _calls(rng, lib_names[:position], previous))
        for position, lib in enumerate(lib_names)
    ]
    deps = ("kernel", "stdlib", *((_app_name(index - 1),) if index > 0 else ()))
    return App(name, APP_OLD_VSN, tuple(modules), deps)


def _lib_names_of(index: int, size: int) -> tuple[str, ...]:
    servers = max(1, int((size - 2) * SERVER_SHARE))
    return tuple(f"{_app_name(index)}_lib{n:04d}" for n in range(max(0, size - 2 - servers)))


def _calls(rng: random.Random, local: Sequence[str], previous: Sequence[str]) -> tuple[str, ...]:
    chosen = rng.sample(list(local), min(2, len(local)))
    if previous and rng.random() < 0.3:
        chosen.append(rng.choice(list(previous)))
    return tuple(chosen)


def _new_app(app: App, index: int) -> App:
    """The next version of ``app``: every fifth app is left alone."""
    if index % 5 == 4:
        return app
    rng = random.Random(1_000_000 + index)
    libs = [m for m in app.modules if m.kind == "lib"]
    servers = [m for m in app.modules if m.kind == "server"]
    removed = {m.name for m in rng.sample(libs, _share(len(app.modules), REMOVED_SHARE))}
    kept = [m for m in app.modules if m.name not in removed]
    changed = {m.name for m in rng.sample(kept[2:], _share(len(app.modules), CHANGED_SHARE))}
    added = _added_modules(app, rng, _share(len(app.modules), ADDED_SHARE), libs)
    new_servers = tuple(m.name for m in servers) + tuple(
        m.name for m in added if m.kind == "server"
    )
    modules: list[Module] = []
    for module in kept:
        calls = tuple(callee for callee in module.calls if callee not in removed)
        if module.kind == "sup":
            module = Module(module.name, "sup", children=new_servers, revision=1)
            changed.add(module.name)
        elif module.name in changed or calls != module.calls:
            module = Module(module.name, module.kind, calls, revision=module.revision + 1)
            changed.add(module.name)
        modules.append(module)
    modules += added
    appup = _appup(modules, changed, {m.name for m in added}, removed)
    return App(app.name, APP_NEW_VSN, tuple(modules), app.applications, appup)


def _share(size: int, share: float) -> int:
    return max(1, round(size * share))


def _added_modules(
    app: App, rng: random.Random, count: int, libs: Sequence[Module]
) -> list[Module]:
    names = [m.name for m in libs]
    return [
        Module(
            f"{app.name}_new{n:04d}",
            "server" if n % 5 == 0 else "lib",
            tuple(rng.sample(names, min(2, len(names)))),
        )
        for n in range(count)
    ]


def _appup(modules: Sequence[Module], changed: set[str], added: set[str], removed: set[str]) -> str:
    """The appup a careful engineer would write: DepMods are the changed modules called."""
    touched = changed | added
    up: list[str] = [f"{{add_module, {name}}}" for name in sorted(added)]
    down: list[str] = [f"{{delete_module, {name}}}" for name in sorted(added)]
    for module in modules:
        if module.name not in changed:
            continue
        deps = ", ".join(sorted(c for c in module.calls if c in touched))
        if module.kind == "sup":
            instruction = f"{{update, {module.name}, supervisor}}"
        elif module.kind == "server":
            instruction = f"{{update, {module.name}, {{advanced, []}}, [{deps}]}}"
        else:
            instruction = f"{{load_module, {module.name}, [{deps}]}}"
        up.append(instruction)
        down.append(instruction)
    up += [f"{{delete_module, {name}}}" for name in sorted(removed)]
    down += [f"{{add_module, {name}}}" for name in sorted(removed)]
    return (
        f'{{"{APP_NEW_VSN}",\n [{{"{APP_OLD_VSN}", [{", ".join(up)}]}}],\n'
        f' [{{"{APP_OLD_VSN}", [{", ".join(down)}]}}]}}.\n'
    )


def _write_release(
    root: Path, vsn: str, apps: Sequence[App], previous: tuple[Path, Sequence[App]] | None
) -> None:
    entries = [f'{{{core}, "{_core_vsn(core)}"}}' for core in CORE_APPS]
    for core in CORE_APPS:
        _copy_core_app(root, core)
    reusable = _reusable_beams(previous)
    to_compile: list[tuple[Path, Module]] = []
    for app in apps:
        ebin = root / "lib" / f"{app.name}-{app.vsn}" / "ebin"
        ebin.mkdir(parents=True)
        (ebin / f"{app.name}.app").write_text(_app_file(app), encoding="utf-8")
        if app.appup is not None:
            (ebin / f"{app.name}.appup").write_text(app.appup, encoding="utf-8")
        for module in app.modules:
            beam = ebin / f"{module.name}.beam"
            if module in reusable:
                os.link(reusable[module], beam)
            else:
                to_compile.append((beam, module))
        entries.append(f'{{{app.name}, "{app.vsn}"}}')
    rel_dir = root / "releases" / vsn
    rel_dir.mkdir(parents=True)
    header = f'{{release, {{"bench", "{vsn}"}}, {{erts, "{_erts_vsn()}"}},'
    (rel_dir / "bench.rel").write_text(f"{header}\n [{', '.join(entries)}]}}.\n", encoding="utf-8")
    _compile(to_compile)


def _reusable_beams(previous: tuple[Path, Sequence[App]] | None) -> dict[Module, Path]:
    if previous is None:
        return {}
    root, apps = previous
    return {
        module: root / "lib" / f"{app.name}-{app.vsn}" / "ebin" / f"{module.name}.beam"
        for app in apps
        for module in app.modules
    }


def _app_file(app: App) -> str:
    names = ", ".join(m.name for m in app.modules)
    return (
        f'{{application, {app.name}, [{{description, "{app.name}"}}, {{vsn, "{app.vsn}"}},\n'
        f" {{modules, [{names}]}}, {{registered, []}},\n"
        f" {{applications, [{', '.join(app.applications)}]}},\n"
        f" {{mod, {{{app.name}_app, []}}}}]}}.\n"
    )


def _compile(modules: Iterable[tuple[Path, Module]]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".terms", delete=False) as manifest:
        for beam, module in modules:
            manifest.write(f"{{{_erlang_string(str(beam))}, {_erlang_string(module.source())}}}.\n")
    try:
        subprocess.run(["erl", "-noshell", "-eval", _compile_expression(manifest.name)], check=True)
    finally:
        os.unlink(manifest.name)


def _compile_expression(manifest: str) -> str:
    return (
        f"{{ok, _, Bin}} = compile:file({_erlang_string(str(COMPILER))}, [binary]), "
        f'{{module, _}} = code:load_binary(bench_compile, "bench_compile.erl", Bin), '
        f"bench_compile:main({_erlang_string(manifest)})."
    )


def _erlang_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _core_vsn(app: str) -> str:
    matches = sorted(OTP_LIB.glob(f"{app}-*"))
    if not matches:
        raise FileNotFoundError(f"{OTP_LIB}: no {app} application installed")
    return matches[-1].name.split("-", 1)[1]


def _erts_vsn() -> str:
    matches = sorted(OTP_LIB.parent.glob("erts-*"))
    if not matches:
        raise FileNotFoundError(f"{OTP_LIB.parent}: no erts installed")
    return matches[-1].name.split("-", 1)[1]


def _copy_core_app(root: Path, app: str) -> None:
    """Only the ``.app`` file: systools and relup read nothing else of a core app here."""
    vsn = _core_vsn(app)
    ebin = root / "lib" / f"{app}-{vsn}" / "ebin"
    ebin.mkdir(parents=True)
    shutil.copy(OTP_LIB / f"{app}-{vsn}" / "ebin" / f"{app}.app", ebin / f"{app}.app")


def _link_tree(source: Path, target: Path, skip_suffix: str) -> None:
    for directory, _subdirs, files in os.walk(source):
        destination = target / Path(directory).relative_to(source)
        destination.mkdir(parents=True, exist_ok=True)
        for name in files:
            if not name.endswith(skip_suffix):
                os.link(Path(directory) / name, destination / name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("apps", type=int)
    parser.add_argument("modules_per_app", type=int)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    pair = generate_pair(args.apps, args.modules_per_app, args.cache)
    print(
        f"{pair.root}: {pair.modules} modules in the new release, {pair.changed} changed,"
        f" {pair.added} added, {pair.removed} removed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
