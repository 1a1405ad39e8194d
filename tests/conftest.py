"""Session-wide test configuration: hypothesis profiles, the erlang marker, the oracle.

* Hypothesis: profile ``ci`` (derandomized, modest, no deadline) unless the
  environment variable ``HYPOTHESIS_PROFILE`` names another (``slow``).
* ``@pytest.mark.erlang`` tests need ``erl`` on PATH.  Without it they are
  skipped, with the reason shown, unless ``RELUP_REQUIRE_ERLANG=1`` (set in
  CI), in which case they fail.
* ``systools_oracle``: one real Erlang VM for the whole session
  (tests/oracle/oracle.py); it restarts itself if the VM dies.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from oracle.oracle import SystoolsOracle

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None)
settings.register_profile("slow", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def require_tool(tool: str, what: str) -> None:
    """Skip (or, when RELUP_REQUIRE_ERLANG=1, fail) the current test if ``tool`` is missing."""
    if shutil.which(tool) is not None:
        return
    if os.environ.get("RELUP_REQUIRE_ERLANG") == "1":
        pytest.fail(f"RELUP_REQUIRE_ERLANG=1 but {tool} is not on PATH", pytrace=False)
    pytest.skip(f"needs {what}: {tool} is not on PATH")


def require_erlang() -> None:
    require_tool("erl", "Erlang/OTP")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("erlang") is not None:
        require_erlang()


@pytest.fixture(scope="session")
def systools_oracle() -> Iterator[SystoolsOracle]:
    require_erlang()
    with SystoolsOracle() as oracle:
        yield oracle


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files from the current output (review the diff like code)",
    )


@pytest.fixture()
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


EXAMPLE_SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"
HAND_WRITTEN_SHOP_APPUP = EXAMPLE_SHOP / "v2" / "apps" / "shop" / "ebin" / "shop.appup"


@pytest.fixture()
def shop_trees(tmp_path: Path) -> tuple[Path, Path]:
    """Private copies of the example releases, the hand-written shop appup put into 1.1.0.

    The prebuilt trees carry no appup (relup plan generates them); ``relup relup``
    and ``relup check`` work on the hand-written one, as rebar3 would ship it.
    """
    old = shutil.copytree(EXAMPLE_SHOP / "rel-1.0.0", tmp_path / "old")
    new = shutil.copytree(EXAMPLE_SHOP / "rel-1.1.0", tmp_path / "new")
    shutil.copy(HAND_WRITTEN_SHOP_APPUP, new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup")
    return old, new
