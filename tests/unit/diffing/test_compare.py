"""diff_releases on the bundled example and on itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffing.changes import ModuleChange, ReleaseDiff
from diffing.code_facts import ReleaseCode
from diffing.compare import diff_releases
from diffing.release_reader import load_release_code
from diffing.terms import Atom

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"
OWN_APPS = {"shop", "catalog", "audit_log", "old_metrics"}


@pytest.fixture(scope="module")
def old() -> ReleaseCode:
    return load_release_code(EXAMPLES / "rel-1.0.0", erlang_root=None, applications=OWN_APPS)


@pytest.fixture(scope="module")
def new() -> ReleaseCode:
    return load_release_code(EXAMPLES / "rel-1.1.0", erlang_root=None, applications=OWN_APPS)


def _modules(changes: tuple[ModuleChange, ...]) -> list[tuple[str, str]]:
    return [(change.module, change.kind) for change in changes]


def test_a_release_diffed_with_itself_has_no_changes(new: ReleaseCode) -> None:
    """diff(a, a) is empty: every application unchanged, with nothing inside."""
    diff = diff_releases(new, new)
    assert all(app.status == "unchanged" and app.is_empty for app in diff.applications)
    assert diff.erts is None


def test_application_statuses(old: ReleaseCode, new: ReleaseCode) -> None:
    diff = diff_releases(old, new)
    statuses = {app.name: app.status for app in diff.applications}
    assert statuses == {
        "kernel": "unchanged",
        "stdlib": "unchanged",
        "sasl": "unchanged",
        "catalog": "unchanged",
        "audit_log": "added",
        "shop": "upgraded",
        "old_metrics": "removed",
    }


def test_module_changes_by_md5(old: ReleaseCode, new: ReleaseCode) -> None:
    shop = diff_releases(old, new).application("shop")
    assert shop is not None
    assert _modules(shop.modules) == [
        ("shop_audit", "added"),
        ("shop_cart", "changed"),
        ("shop_legacy", "removed"),
        ("shop_price", "changed"),
        ("shop_sup", "changed"),
        ("shop_tax", "added"),
    ]
    # shop_util and shop_app are byte-identical sources: same md5, not changed.


def test_supervisor_gains_a_child(old: ReleaseCode, new: ReleaseCode) -> None:
    shop = diff_releases(old, new).application("shop")
    assert shop is not None
    assert [(c.supervisor, c.kind, c.child_id) for c in shop.children] == [
        ("shop_sup", "added", Atom("shop_audit"))
    ]
    added = shop.children[0].new
    assert added is not None and added.modules == ("shop_audit",) and added.type == "worker"


def test_app_keys_that_matter(old: ReleaseCode, new: ReleaseCode) -> None:
    shop = diff_releases(old, new).application("shop")
    assert shop is not None
    assert [key.key for key in shop.keys] == ["applications", "registered", "env"]


def test_diff_mirrors_when_reversed(old: ReleaseCode, new: ReleaseCode) -> None:
    """diff(b, a) mirrors diff(a, b): added and removed swap."""
    forward: ReleaseDiff = diff_releases(old, new)
    backward: ReleaseDiff = diff_releases(new, old)
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    for app in forward.applications:
        mirror = backward.application(app.name)
        assert mirror is not None
        assert sorted(_modules(mirror.modules)) == sorted(
            (module, swap[kind]) for module, kind in _modules(app.modules)
        )


def test_process_level_facts(new: ReleaseCode) -> None:
    shop = new.application("shop")
    assert shop is not None
    kinds = {facts.name: facts.kind for facts in shop.modules}
    assert kinds["shop_sup"] == "supervisor"
    assert kinds["shop_cart"] == "process"
    assert kinds["shop_price"] == "library"
    assert kinds["shop_app"] == "application"
    cart = shop.module("shop_cart")
    assert cart is not None and cart.exports_code_change
    supervisor = shop.module("shop_sup")
    assert supervisor is not None and supervisor.supervisor is not None
    assert supervisor.supervisor.registered_name == "shop_sup"
    assert [spec.id for spec in supervisor.supervisor.child_specs] == [
        Atom("shop_cart"),
        Atom("shop_audit"),
    ]
    price = shop.module("shop_price")
    assert price is not None and "shop_tax" in price.calls
