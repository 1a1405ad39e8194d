"""``relup check``: the appups in NEW against the diff, as a CI gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"


@pytest.fixture()
def trees(shop_trees: tuple[Path, Path]) -> tuple[Path, Path]:
    return shop_trees


def _edit_appup(new: Path, *replacements: tuple[str, str]) -> None:
    appup = new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup"
    text = appup.read_text(encoding="utf-8")
    for old, replacement in replacements:
        assert old in text
        text = text.replace(old, replacement, 1)
    appup.write_text(text, encoding="utf-8")


def test_the_example_appups_cover_the_diff(
    trees: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = trees
    assert main(["check", str(old), str(new)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cover the diff" in captured.err


def test_gaps_are_listed_and_exit_1(
    trees: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = trees
    _edit_appup(
        new,
        (
            "{apply, {supervisor, restart_child, [shop_sup, shop_audit]}}",
            "{load_module, shop_util}",
        ),
        ("{delete_module, shop_legacy}", '{apply, {io, format, ["x"]}}'),
        ("{apply, {supervisor, terminate_child, [shop_sup, shop_audit]}},", ""),
        (
            "{update, shop_cart, {advanced, []}}",
            "{update, shop_cart, {advanced, []}, [shop_ghost]}",
        ),
    )
    assert main(["check", str(old), str(new)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "shop (up): removed module shop_legacy has no instruction [module-not-covered]" in lines
    assert "shop (up): module shop_util did not change [unchanged-module-instructed]" in lines
    assert "shop (up): child shop_audit of shop_sup is never started [child-not-started]" in lines
    assert "shop (down): child shop_audit of shop_sup is never stopped [child-not-stopped]" in lines
    assert any("[dep-mods-outside-script]" in line and "shop_ghost" in line for line in lines)
    assert any("[translation-fails]" in line and "undef_module" in line for line in lines)


def test_a_missing_entry_for_the_old_version(
    trees: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = trees
    _edit_appup(new, ('[{"1.0.0",', '[{"0.9.0",'))
    assert main(["check", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "[appup-unusable]" in out and "no entry to upgrade from 1.0.0" in out
