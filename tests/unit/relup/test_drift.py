"""``relup.drift``: the loaded code against the beams on disk, with MD5s from a real ``erl``.

The loaded modules come from relup's own query (``LOADED_MODULES_QUERY``) run
in an ``erl`` that loaded the example's beams, so the MD5 compared with
``diffing.beam``'s is the loader's own ``module_info(md5)``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relup.drift import Drift, find_drift
from relup.node_state import LOADED_MODULES_QUERY, LoadedModule, parse_loaded_modules
from unit.relup.erl_eval import evaluate_in_erl

pytestmark = pytest.mark.erlang

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"
MODULES = ("shop_cart", "shop_price", "shop_util")


def _loaded_from(ebin: Path) -> tuple[LoadedModule, ...]:
    setup = f"[{{module, _}} = code:ensure_loaded(M) || M <- [{', '.join(MODULES)}]]"
    loaded = parse_loaded_modules(evaluate_in_erl(LOADED_MODULES_QUERY, setup, ["-pa", str(ebin)]))
    return tuple(module for module in loaded if module.name in MODULES)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[LoadedModule, ...]]:
    """A copy of shop 1.0.0 and what an erl that loaded three of its modules reports."""
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path_factory.mktemp("drift") / "shop")
    return root, _loaded_from(root / "lib" / "shop-1.0.0" / "ebin")


def _application_dirs(root: Path) -> list[Path]:
    return [root / "lib" / "shop-1.0.0" / "ebin", root / "lib" / "catalog-1.0.0" / "ebin"]


def test_code_loaded_from_the_release_has_no_drift(
    running: tuple[Path, tuple[LoadedModule, ...]],
) -> None:
    root, loaded = running
    assert len(loaded) == 3 and all(module.md5 for module in loaded)
    report = find_drift(loaded, _application_dirs(root))
    assert (report.checked, report.drift) == (3, ())


def test_a_replaced_or_deleted_beam_is_drift(
    running: tuple[Path, tuple[LoadedModule, ...]], tmp_path: Path
) -> None:
    root = shutil.copytree(running[0], tmp_path / "shop")
    ebin = root / "lib" / "shop-1.0.0" / "ebin"
    loaded = tuple(
        LoadedModule(module.name, str(ebin / f"{module.name}.beam"), module.md5)
        for module in running[1]
    )
    shutil.copy(EXAMPLES / "rel-1.1.0" / "lib" / "shop-1.1.0" / "ebin" / "shop_price.beam", ebin)
    (ebin / "shop_util.beam").unlink()
    report = find_drift(loaded, _application_dirs(root))
    assert report.checked == 3
    assert report.drift == (
        Drift(
            "shop_price",
            ebin.resolve() / "shop_price.beam",
            "the running code differs from the beam on disk",
        ),
        Drift(
            "shop_util",
            ebin.resolve() / "shop_util.beam",
            "loaded from a beam that is no longer on disk",
        ),
    )


def test_the_same_code_loaded_from_elsewhere_is_no_drift(
    running: tuple[Path, tuple[LoadedModule, ...]], tmp_path: Path
) -> None:
    root = running[0]
    elsewhere = shutil.copytree(root / "lib" / "shop-1.0.0" / "ebin", tmp_path / "elsewhere")
    loaded = _loaded_from(elsewhere)
    assert {Path(module.path or "").parent for module in loaded} == {elsewhere}
    report = find_drift(loaded, _application_dirs(root))
    assert (report.checked, report.drift) == (3, ())


def test_other_code_loaded_from_elsewhere_is_drift_naming_where(
    running: tuple[Path, tuple[LoadedModule, ...]], tmp_path: Path
) -> None:
    root = running[0]
    newer = shutil.copytree(EXAMPLES / "rel-1.1.0" / "lib" / "shop-1.1.0" / "ebin", tmp_path / "v2")
    loaded = _loaded_from(newer)
    report = find_drift(loaded, _application_dirs(root))
    assert report.checked == 3
    # shop_util is byte-identical in both versions; the other two changed.
    assert [drift.module for drift in report.drift] == ["shop_cart", "shop_price"]
    assert all(f"(loaded from {newer}/" in drift.reason for drift in report.drift)


def test_modules_outside_the_release_are_not_checked(
    running: tuple[Path, tuple[LoadedModule, ...]],
) -> None:
    root = running[0]
    loaded = (
        LoadedModule("lists", "/usr/lib/erlang/lib/stdlib/ebin/lists.beam", "00"),
        LoadedModule("erlang", None, "00"),
    )
    assert find_drift(loaded, _application_dirs(root)).checked == 0


def test_the_first_code_directory_holding_a_beam_wins(
    running: tuple[Path, tuple[LoadedModule, ...]], tmp_path: Path
) -> None:
    """mix's consolidated protocols come first on the code path, before the ebins."""
    root, loaded = running
    consolidated = tmp_path / "releases" / "1.0.0" / "consolidated"
    consolidated.mkdir(parents=True)
    newer = EXAMPLES / "rel-1.1.0" / "lib" / "shop-1.1.0" / "ebin" / "shop_price.beam"
    shutil.copy(newer, consolidated)
    first = find_drift(loaded, [consolidated, *_application_dirs(root)])
    assert [(drift.module, drift.beam) for drift in first.drift] == [
        ("shop_price", consolidated.resolve() / "shop_price.beam")
    ]
    assert find_drift(loaded, [*_application_dirs(root), consolidated]).drift == ()
