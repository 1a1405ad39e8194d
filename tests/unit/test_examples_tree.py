"""The bundled example (examples/shop): sources and trimmed release trees stay usable.

The trimmed trees ``examples/shop/rel-VSN`` are release roots that resolve with no
Erlang installed: ``releases/VSN/shop.rel``, and for every application of the
``.rel`` a ``lib/APP-VSN/ebin/APP.app`` (plus beams and appups for the project's
own applications).  examples/build.sh regenerates them; these checks catch a
stale or half-written tree.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from diffing.term_reader import read_first_term_file
from diffing.terms import Atom, ErlList, Term, as_text, erl_string
from oracle.oracle import RelupBuilt, SystoolsOracle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHOP = EXAMPLES / "shop"
OTP_APPS = frozenset({"kernel", "stdlib", "sasl"})

# The example's design (examples/README.md): which applications each release holds.
RELEASE_APPS = {
    "1.0.0": frozenset({"kernel", "stdlib", "sasl", "catalog", "old_metrics", "shop"}),
    "1.1.0": frozenset({"kernel", "stdlib", "sasl", "catalog", "audit_log", "shop"}),
}
SOURCE_DIRS = {"1.0.0": "v1", "1.1.0": "v2"}


def _tree(version: str) -> Path:
    return SHOP / f"rel-{version}"


def _text(term: Term) -> str:
    text = as_text(term)
    assert text is not None, f"expected a string, got {term!r}"
    return text


def _rel_apps(version: str) -> dict[str, str]:
    """Application name -> version, from the tree's shop.rel."""
    rel = read_first_term_file(_tree(version) / "releases" / version / "shop.rel")
    match rel:
        case (Atom("release"), (name, rel_vsn), (Atom("erts"), _), ErlList() as apps):
            assert (_text(name), _text(rel_vsn)) == ("shop", version)
        case _:
            pytest.fail(f"shop.rel of {version} is not a release term: {rel!r}")
    versions = {}
    for entry in apps:
        assert isinstance(entry, tuple) and isinstance(entry[0], Atom)
        versions[entry[0].name] = _text(entry[1])
    return versions


def _app_keys(ebin: Path, app: str) -> dict[str, Term]:
    term = read_first_term_file(ebin / f"{app}.app")
    match term:
        case (Atom("application"), Atom(name), ErlList() as keys) if name == app:
            pairs = [pair for pair in keys if isinstance(pair, tuple)]
            return {key.name: value for key, value in pairs if isinstance(key, Atom)}
        case _:
            pytest.fail(f"{ebin / app}.app is not an application term: {term!r}")


def _beam_bytes(path: Path) -> bytes:
    """The BEAM container of ``path``: relx's prod mode strips beams, which gzips them."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _module_names(keys: dict[str, Term]) -> set[str]:
    modules = keys["modules"]
    assert isinstance(modules, ErlList)
    return {module.name for module in modules if isinstance(module, Atom)}


@pytest.mark.parametrize("version", sorted(RELEASE_APPS))
def test_rel_file_names_the_expected_applications(version: str) -> None:
    assert set(_rel_apps(version)) == RELEASE_APPS[version]
    config = read_first_term_file(_tree(version) / "releases" / version / "sys.config")
    assert isinstance(config, ErlList) and len(config) > 0


@pytest.mark.parametrize("version", sorted(RELEASE_APPS))
def test_every_rel_application_has_an_app_file_of_the_rel_version(version: str) -> None:
    lib = _tree(version) / "lib"
    expected_dirs = {f"{app}-{vsn}" for app, vsn in _rel_apps(version).items()}
    assert {path.name for path in lib.iterdir()} == expected_dirs
    for app, vsn in _rel_apps(version).items():
        keys = _app_keys(lib / f"{app}-{vsn}" / "ebin", app)
        assert _text(keys["vsn"]) == vsn, f"{app}.app in {version}"


@pytest.mark.parametrize("version", sorted(RELEASE_APPS))
def test_otp_applications_are_trimmed_to_their_app_file(version: str) -> None:
    for app, vsn in _rel_apps(version).items():
        if app in OTP_APPS:
            files = sorted((_tree(version) / "lib" / f"{app}-{vsn}").rglob("*"))
            assert [path.name for path in files if path.is_file()] == [f"{app}.app"]


@pytest.mark.parametrize("version", sorted(RELEASE_APPS))
def test_project_applications_ship_exactly_their_modules_as_beams(version: str) -> None:
    for app, vsn in _rel_apps(version).items():
        if app in OTP_APPS:
            continue
        ebin = _tree(version) / "lib" / f"{app}-{vsn}" / "ebin"
        beams = {path.stem for path in ebin.glob("*.beam")}
        assert beams == _module_names(_app_keys(ebin, app)), f"{app} in {version}"
        for beam in ebin.glob("*.beam"):
            header = _beam_bytes(beam)[:12]
            assert header[:4] == b"FOR1" and header[8:] == b"BEAM", beam


HAND_WRITTEN_APPUP = SHOP / "v2" / "apps" / "shop" / "ebin" / "shop.appup"


def test_shop_appup_reads_and_covers_1_0_0_both_ways() -> None:
    appup_path = HAND_WRITTEN_APPUP
    match read_first_term_file(appup_path):
        case (vsn, ErlList(items=((up_from, up),)), ErlList(items=((down_to, down),))):
            assert (vsn, up_from, down_to) == (erl_string("1.1.0"),) + (erl_string("1.0.0"),) * 2
        case other:
            pytest.fail(f"unexpected appup shape: {other!r}")
    assert isinstance(up, ErlList) and isinstance(down, ErlList)
    assert (Atom("update"), Atom("shop_cart"), (Atom("advanced"), ErlList())) in up.items
    assert (Atom("update"), Atom("shop_cart"), (Atom("advanced"), ErlList())) in down.items
    assert (Atom("delete_module"), Atom("shop_legacy")) in up.items
    assert (Atom("add_module"), Atom("shop_legacy")) in down.items


def test_shop_appup_names_only_modules_of_the_right_release() -> None:
    """Up-instructions load 1.1.0 modules; the one deleted exists only in 1.0.0."""
    old = _module_names(_app_keys(_tree("1.0.0") / "lib" / "shop-1.0.0" / "ebin", "shop"))
    new = _module_names(_app_keys(_tree("1.1.0") / "lib" / "shop-1.1.0" / "ebin", "shop"))
    appup = read_first_term_file(HAND_WRITTEN_APPUP)
    assert isinstance(appup, tuple)
    up = appup[1].items[0][1]
    for instruction in up:
        match instruction:
            case (Atom("add_module" | "load_module" | "update"), Atom(module), *_):
                assert module in new, instruction
            case (Atom("delete_module"), Atom(module)):
                assert module in old - new, instruction
    assert old - new == {"shop_legacy"}
    assert new - old == {"shop_tax", "shop_audit"}


def test_the_prebuilt_trees_carry_no_appup() -> None:
    """relup plan generates the appups; the hand-written one stays in the v2 sources."""
    assert sorted(SHOP.glob("rel-*/**/*.appup")) == []


def test_unchanged_code_is_byte_identical_between_releases() -> None:
    for relative in ("apps/shop/src/shop_util.erl", "apps/catalog/src/catalog.erl"):
        assert (SHOP / "v1" / relative).read_bytes() == (SHOP / "v2" / relative).read_bytes()
    for relative in ("shop-{}/ebin/shop_util.beam", "catalog-1.0.0/ebin/catalog.beam"):
        old = _tree("1.0.0") / "lib" / relative.format("1.0.0")
        new = _tree("1.1.0") / "lib" / relative.format("1.1.0")
        assert old.read_bytes() == new.read_bytes(), relative


@pytest.mark.parametrize("version", sorted(RELEASE_APPS))
def test_sources_are_complete_rebar3_projects(version: str) -> None:
    source = SHOP / SOURCE_DIRS[version]
    for relative in ("rebar.config", "config/sys.config", "config/vm.args"):
        assert (source / relative).is_file(), source / relative
    rebar_config = (source / "rebar.config").read_text(encoding="utf-8")
    assert f'{{shop, "{version}"}}' in rebar_config
    apps = {path.name for path in (source / "apps").iterdir()}
    assert apps == RELEASE_APPS[version] - OTP_APPS


def test_examples_hold_no_build_output_and_stay_small() -> None:
    files = [path for path in EXAMPLES.rglob("*") if path.is_file()]
    assert not [path for path in files if "_build" in path.parts or path.name == "rebar.lock"]
    assert sum(path.stat().st_size for path in files) < 300_000


@pytest.mark.erlang
def test_systools_builds_a_relup_from_the_trimmed_trees(
    systools_oracle: SystoolsOracle, shop_trees: tuple[Path, Path]
) -> None:
    """With the hand-written appup put in, as rebar3 ships it."""
    old_tree, new_tree = shop_trees
    old = old_tree / "releases" / "1.0.0" / "shop"
    new = new_tree / "releases" / "1.1.0" / "shop"
    outcome = systools_oracle.make_relup(
        new,
        [old],
        [old],
        path=[old_tree / "lib" / "*" / "ebin", new_tree / "lib" / "*" / "ebin"],
    )
    assert isinstance(outcome, RelupBuilt), outcome
    assert outcome.warnings == ErlList()
    match outcome.relup:
        case (top, ErlList(items=((up_from, _, up),)), ErlList(items=((down_to, _, _),))):
            assert (top, up_from, down_to) == (erl_string("1.1.0"),) + (erl_string("1.0.0"),) * 2
        case other:
            pytest.fail(f"unexpected relup shape: {other!r}")
    # The new child is started only once its supervisor runs the new child specs.
    assert isinstance(up, ErlList)
    resume_sup = up.items.index((Atom("resume"), ErlList((Atom("shop_sup"),))))
    restart = (
        Atom("apply"),
        (
            Atom("supervisor"),
            Atom("restart_child"),
            ErlList((Atom("shop_sup"), Atom("shop_audit"))),
        ),
    )
    assert up.items.index(restart) > resume_sup
