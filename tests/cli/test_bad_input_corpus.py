"""The bad-input corpus: every way of feeding relup garbage, and what it must answer.

Each row builds one broken input from private copies of the example releases
(``examples/shop/rel-1.0.0`` and ``rel-1.1.0``, the hand-written shop appup put
into 1.1.0), runs one command through ``relup.cli.main`` in-process, and checks
the whole contract of a refusal:

* the documented exit code (1 plan/translation/check failed, 2 usage,
  3 input missing, unreadable or malformed);
* standard error starts with one ``relup: error: ...`` line that names the
  offending file and says why (a term syntax error may add the source line and
  a caret line after it, nothing else), and holds no traceback;
* nothing new or partial is left behind: the whole working area (both trees,
  the output locations, the temporary directory tarballs are unpacked into) is
  byte-for-byte as it was before the run, and holds no ``.tmp`` file.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
import random
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from diffing import release_sources
from relup.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"
HAND_WRITTEN_APPUP = EXAMPLES / "v2" / "apps" / "shop" / "ebin" / "shop.appup"


@dataclass(frozen=True)
class Workspace:
    """Private copies of the example releases, and room around them for outputs."""

    root: Path
    old: Path
    new: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def new_ebin(self) -> Path:
        return self.new / "lib" / "shop-1.1.0" / "ebin"

    @property
    def new_rel(self) -> Path:
        return self.new / "releases" / "1.1.0" / "shop.rel"

    @property
    def appup(self) -> Path:
        return self.new_ebin / "shop.appup"


@dataclass(frozen=True)
class Run:
    """The command to run and the path its error message must name."""

    argv: tuple[str, ...]
    names: Path | str


@dataclass(frozen=True)
class Case:
    id: str
    prepare: Callable[[Workspace], Run]
    exit_code: int
    fragment: str


# --- helpers that break one thing -------------------------------------------------------------


def relup_relup(space: Workspace, *extra: str) -> tuple[str, ...]:
    return ("relup", str(space.old), str(space.new), *extra)


def plan(space: Workspace, *extra: str) -> tuple[str, ...]:
    return ("plan", str(space.old), str(space.new), *extra)


def replace_text(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def plain_beam(path: Path) -> bytes:
    """The beam's bytes, unzipped when the build stripped and gzipped it."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def rewrite_beam(space: Workspace, change: Callable[[bytes], bytes]) -> Path:
    beam = space.new_ebin / "shop_cart.beam"
    beam.write_bytes(change(plain_beam(beam)))
    return beam


def with_first_chunk_size(data: bytes, size: int) -> bytes:
    # FOR1 <form size> BEAM, then the first chunk's 4-byte id and 4-byte size.
    return data[:16] + size.to_bytes(4, "big") + data[20:]


def corrupt_gzip(space: Workspace) -> Path:
    beam = space.new_ebin / "shop_cart.beam"
    data = bytearray(gzip.compress(plain_beam(beam)))
    for offset in range(20, 40):
        data[offset] ^= 0x55
    beam.write_bytes(bytes(data))
    return beam


def release_tarball(space: Workspace, add_member: Callable[[tarfile.TarFile], None]) -> Path:
    """A real tarball of NEW with one more member, added last so every real one is unpacked."""
    tarball = space.root / "shop-1.1.0.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(space.new, arcname=".")
        add_member(archive)
    return tarball


def file_member(name: str, data: bytes) -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    return add


def special_member(name: str, kind: bytes, link: str = "") -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        archive.addfile(info)

    return add


def tarball_case(space: Workspace, add_member: Callable[[tarfile.TarFile], None]) -> Run:
    tarball = release_tarball(space, add_member)
    output = space.root / "out" / "relup"
    output.parent.mkdir()
    return Run(("relup", str(space.old), str(tarball), "-o", str(output)), tarball)


def bomb(space: Workspace) -> Run:
    # One megabyte of zeros packs to about a kilobyte; the cap is lowered below
    # it in-process instead of building a real multi-gigabyte tarball.
    space.monkeypatch.setattr(release_sources, "MAX_TARBALL_BYTES", 512 * 1024)
    return tarball_case(space, file_member("lib/zeros", bytes(1024 * 1024)))


def too_many_members(space: Workspace) -> Run:
    space.monkeypatch.setattr(release_sources, "MAX_TARBALL_MEMBERS", 10)
    return tarball_case(space, file_member("extra", b""))


def overrides(space: Workspace, text: str | bytes, *, explicit: bool) -> Run:
    """A relup.yaml given with --overrides, or found in the current directory."""
    project = space.root / "project"
    project.mkdir()
    path = project / "relup.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    if explicit:
        return Run(plan(space, "--overrides", str(path)), path)
    space.monkeypatch.chdir(project)
    return Run(plan(space), "relup.yaml")


def foreign_file(path: Path) -> Path:
    path.write_text('%% made by hand\n{"1.1.0",[],[]}.\n', encoding="utf-8")
    return path


def garbage(size: int) -> bytes:
    return random.Random(size).randbytes(size)


# --- the corpus ---------------------------------------------------------------------------------

CASES = (
    # Where the release should be.
    Case(
        "missing-dir",
        lambda s: Run(("relup", str(s.old), str(s.root / "nowhere")), s.root / "nowhere"),
        3,
        "no such file or directory",
    ),
    Case(
        "empty-dir",
        lambda s: Run(("relup", str(s.old), str(_mkdir(s.root / "empty"))), s.root / "empty"),
        3,
        "directory is empty",
    ),
    Case(
        "not-a-release",
        lambda s: Run(("relup", str(_not_a_release(s)), str(s.new)), s.root / "stuff"),
        3,
        "no releases/ directory",
    ),
    # Beams (read by relup plan, which diffs code).
    Case(
        "truncated-beam",
        lambda s: Run(plan(s), rewrite_beam(s, lambda data: data[: len(data) // 2])),
        3,
        "form size says",
    ),
    Case(
        "garbage-beam",
        lambda s: Run(plan(s), rewrite_beam(s, lambda _: garbage(600))),
        3,
        "not a BEAM file",
    ),
    Case(
        "bad-chunk-size",
        lambda s: Run(plan(s), rewrite_beam(s, lambda d: with_first_chunk_size(d, 0xFFFF_FF00))),
        3,
        "runs past the end",
    ),
    Case("corrupt-gzip-beam", lambda s: Run(plan(s), corrupt_gzip(s)), 3, "gzip data"),
    # The .rel and .app files.
    Case(
        "rel-syntax-error",
        lambda s: Run(relup_relup(s), replace_text(s.new_rel, '{erts,"13.1.5"}', "{erts,13.1.5}")),
        3,
        "shop.rel:2:20: expected ',' or '}' in tuple",
    ),
    Case(
        "binary-rel",
        lambda s: Run(relup_relup(s), _write_bytes(s.new_rel, garbage(300))),
        3,
        "shop.rel",
    ),
    Case(
        "missing-app",
        lambda s: Run(
            relup_relup(s), _unlink_naming(s.new / "lib/catalog-1.0.0/ebin/catalog.app", s.new_rel)
        ),
        3,
        "application catalog 1.0.0 not found: no catalog.app",
    ),
    Case(
        "app-vsn-disagrees",
        lambda s: Run(
            relup_relup(s),
            replace_text(s.new_ebin / "shop.app", '{vsn,"1.1.0"}', '{vsn,"1.1.1"}'),
        ),
        3,
        "1.1.1",
    ),
    Case(
        "bad-sys-config",
        lambda s: Run(
            plan(s), _write_text(s.new_rel.parent / "sys.config", "[{shop, [{currency eur}]}].\n")
        ),
        3,
        "sys.config:1:",
    ),
    # Appups (read by relup relup, as systools does).
    Case(
        "appup-syntax-error",
        lambda s: Run(relup_relup(s), replace_text(s.appup, "{add_module, shop_tax}", "{add_")),
        3,
        "shop.appup",
    ),
    Case(
        "unknown-instruction",
        lambda s: Run(
            relup_relup(s), replace_text(s.appup, "{add_module, shop_tax}", "{frobnicate, x}")
        ),
        1,
        "frobnicate",
    ),
    Case(
        "undefined-module",
        lambda s: Run(
            relup_relup(s),
            replace_text(s.appup, "[shop_tax]", "[no_such_module]"),
        ),
        1,
        "no_such_module (systools_rc: undef_module)",
    ),
    Case(
        "no-entry-for-old-version",
        lambda s: Run(relup_relup(s), replace_text(s.appup, ' [{"1.0.0"', ' [{"0.9.0"')),
        1,
        "1.0.0",
    ),
    # Tarballs.
    Case("tar-slip", lambda s: tarball_case(s, file_member("../evil", b"x")), 3, "'..'"),
    Case(
        "tar-absolute-member",
        lambda s: tarball_case(s, file_member("/tmp/relup-evil", b"x")),
        3,
        "absolute path",
    ),
    Case(
        "tar-symlink-out",
        lambda s: tarball_case(s, special_member("lib/out", tarfile.SYMTYPE, "../../etc")),
        3,
        "points outside",
    ),
    Case(
        "tar-device",
        lambda s: tarball_case(s, special_member("lib/null", tarfile.CHRTYPE)),
        3,
        "devices",
    ),
    Case("tar-bomb", bomb, 3, "unpacks to more than 524288 bytes"),
    Case("tar-too-many-members", too_many_members, 3, "more than 10 members"),
    # Where the output goes.
    Case(
        "output-dir-missing",
        lambda s: Run(relup_relup(s, "-o", str(s.root / "no" / "relup")), s.root / "no/relup"),
        3,
        "cannot write: no directory",
    ),
    Case(
        "output-under-a-file",
        lambda s: Run(
            relup_relup(s, "-o", str(_write_text(s.root / "plain", "x") / "relup")),
            s.root / "plain" / "relup",
        ),
        3,
        "not a directory",
    ),
    Case(
        "output-unwritable",
        lambda s: Run(relup_relup(s, "-o", "/proc/relup-output"), "/proc/relup-output"),
        3,
        "cannot write",
    ),
    Case(
        "output-is-a-directory",
        lambda s: Run(relup_relup(s, "-o", str(_mkdir(s.root / "outdir"))), s.root / "outdir"),
        2,
        "is a directory",
    ),
    Case(
        "hand-written-relup-without-force",
        lambda s: Run(relup_relup(s), foreign_file(s.new_rel.parent / "relup")),
        2,
        "--force",
    ),
    Case(
        "plan-write-over-hand-written-relup",
        lambda s: Run(plan(s, "--write"), foreign_file(s.new_rel.parent / "relup")),
        2,
        "--force",
    ),
    # Hostile text: control characters, nesting past the reader's limit.
    Case(
        "rel-control-characters",
        lambda s: Run(relup_relup(s), _write_bytes(s.new_rel, b'{release,\x0b\x1b[31m"x"\x07}.')),
        3,
        "shop.rel:1:",
    ),
    Case(
        "rel-nested-too-deep",
        lambda s: Run(
            relup_relup(s),
            replace_text(s.new_rel, '"13.1.5"', "[" * 1100 + "]" * 1100),
        ),
        3,
        "nested deeper than 1000 levels",
    ),
    Case(
        "app-syntax-error",
        lambda s: Run(relup_relup(s), replace_text(s.new_ebin / "shop.app", "{vsn,", "{vsn ")),
        3,
        "shop.app",
    ),
    # The same broken files through the other commands.
    Case(
        "check-truncated-beam",
        lambda s: Run(("check", str(s.old), str(s.new)), rewrite_beam(s, lambda data: data[:100])),
        3,
        "form size says",
    ),
    Case(
        "plan-appup-syntax-error",
        lambda s: Run(plan(s), replace_text(s.appup, "{add_module, shop_tax}", "{add_")),
        3,
        "cannot be read (line 10)",
    ),
    Case(
        "check-missing-dir",
        lambda s: Run(("check", str(s.old), str(s.root / "nowhere")), s.root / "nowhere"),
        3,
        "no such file or directory",
    ),
    # relup.yaml.
    Case(
        "overrides-yaml-syntax",
        lambda s: overrides(s, "modules:\n  shop_cart:\n    ignore: [true\n", explicit=False),
        3,
        "relup.yaml: line 4: not valid YAML",
    ),
    Case(
        "overrides-not-utf8",
        lambda s: overrides(s, b"modules:\n  caf\xe9: {ignore: true}\n", explicit=True),
        3,
        "not valid UTF-8 text at byte 14",
    ),
    Case(
        "overrides-nested-too-deep",
        lambda s: overrides(s, b"modules: " + b"[" * 600 + b"]" * 600, explicit=True),
        3,
        "nested too deeply",
    ),
    Case(
        "sys-config-is-a-directory",
        lambda s: Run(plan(s), _replace_with_directory(s.new_rel.parent / "sys.config")),
        3,
        "cannot read: Is a directory",
    ),
    Case(
        "overrides-schema",
        lambda s: overrides(s, "modules:\n  shop_cart:\n    purge: sometimes\n", explicit=True),
        3,
        "modules.shop_cart.purge",
    ),
)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _unlink_naming(path: Path, named: Path) -> Path:
    """Delete ``path``; the error is then about ``named``."""
    path.unlink()
    return named


def _replace_with_directory(path: Path) -> Path:
    path.unlink()
    path.mkdir()
    return path


def _not_a_release(space: Workspace) -> Path:
    stuff = _mkdir(space.root / "stuff")
    (stuff / "README").write_text("not a release\n", encoding="utf-8")
    shutil.copytree(space.old / "lib", stuff / "lib")
    return stuff


# --- the contract -------------------------------------------------------------------------------


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", tmp_path / "new")
    shutil.copy(HAND_WRITTEN_APPUP, new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup")
    # Tarballs are unpacked under the workspace, so leftovers show in the snapshot;
    # the current directory holds no relup.yaml unless a case puts one there.
    system_tmp = _mkdir(tmp_path / "system-tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.chdir(_mkdir(tmp_path / "cwd"))
    return Workspace(tmp_path, old, new, monkeypatch)


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: its kind and, for files, a digest of its bytes."""
    entries = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[relative] = f"link {path.readlink()}"
        elif path.is_dir():
            entries[relative] = "dir"
        else:
            entries[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def test_the_corpus_covers_every_kind_of_bad_input() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert {case.exit_code for case in CASES} == {1, 2, 3}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_cleanly(
    case: Case, workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    run = case.prepare(workspace)
    before = snapshot(workspace.root)
    capsys.readouterr()

    status = main(list(run.argv))
    err = capsys.readouterr().err

    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines, "nothing on standard error"
    first, rest = lines[0], lines[1:]
    assert first.startswith("relup: error: "), err
    assert status == case.exit_code, err
    assert case.fragment in first, err
    assert str(run.names) in first, err
    if rest:  # only a term syntax error's source line (shortened if long) and caret
        assert len(rest) == 2 and re.fullmatch(r" *\^", rest[1]), err
        assert len(rest[0]) <= 4 + 3 + 100 + 3, err
    assert all(character.isprintable() for character in err.replace("\n", "")), repr(err)
    after = snapshot(workspace.root)
    assert after == before
    assert not [name for name in after if name.endswith(".tmp")]
    assert not Path("/proc/relup-output").exists()
    assert not Path("/tmp/relup-evil").exists()  # the absolute tarball member


def test_plan_write_is_all_or_nothing(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the second of two files is written: neither is replaced."""
    workspace.appup.unlink()  # relup plan then writes shop.appup and the relup
    before = snapshot(workspace.root)
    written = []
    real_fsync = os.fsync

    def fsync_until_full(descriptor: int) -> None:
        written.append(descriptor)
        if len(written) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_until_full)
    status = main(list(plan(workspace, "--write")))
    err = capsys.readouterr().err
    assert (status, len(written)) == (3, 2), err
    assert err.startswith("relup: error: ") and "No space left on device" in err
    assert snapshot(workspace.root) == before


def test_plan_write_writes_both_files_when_all_is_well(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.appup.unlink()
    assert main(list(plan(workspace, "--write"))) == 0
    assert "wrote" in capsys.readouterr().err
    assert workspace.appup.read_text(encoding="utf-8").startswith("%% generated by relup")
    assert (workspace.new_rel.parent / "relup").is_file()
    assert not [path for path in workspace.root.rglob("*.tmp")]


def test_config_nested_hundreds_deep_is_diffed_not_crashed(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inside the reader's nesting limit, every later stage copes too."""
    deep = "[" * 900 + "]" * 900
    (workspace.new_rel.parent / "sys.config").write_text(
        f"[{{shop, [{{currency, {deep}}}]}}].\n", encoding="utf-8"
    )
    assert main(list(plan(workspace, "--format", "json"))) == 0
    out = capsys.readouterr().out
    assert '"currency"' in out


def test_a_yaml_alias_bomb_is_refused_quickly(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Eight levels of ten aliases stand for 10**8 strings; the message must not list them."""
    levels = ["  z0: &a0 [" + ",".join(["x"] * 10) + "]"]
    levels += [f"  z{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    text = "modules:\n" + "\n".join(levels) + "\n  m: {purge: *a7}\n"
    run = overrides(workspace, text, explicit=True)
    started = time.monotonic()
    status = main(list(run.argv))
    elapsed = time.monotonic() - started
    first = capsys.readouterr().err.splitlines()[0]
    assert status == 3 and "modules.m.purge: expected soft_purge or brutal_purge" in first
    assert len(first) < 400 + len(str(run.names))
    assert elapsed < 5, f"took {elapsed:.1f} s"
