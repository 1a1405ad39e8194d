"""Facts read from beams the real Elixir compiler makes (Elixir names, inline supervisors)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from diffing.code_reader import read_application_code
from diffing.release import Application, AppName, ModuleName
from diffing.terms import Atom

pytestmark = pytest.mark.erlang

SOURCE = """
defmodule Shop.Application do
  use Application

  def start(_type, _args) do
    children = [%{id: :cart, start: {Shop.Cart, :start_link, []}}]
    Supervisor.start_link(children, strategy: :one_for_one, name: Shop.Sup)
  end
end

defmodule Shop.Cart do
  use GenServer
  def start_link(), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)
  def init(items), do: {:ok, items}
end

defmodule Shop.Sup do
  use Supervisor
  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: __MODULE__)
  def init(_arg) do
    Supervisor.init([%{id: :worker, start: {Shop.Cart, :start_link, []}}], strategy: :one_for_one)
  end
end
"""


def test_elixir_modules(tmp_path: Path) -> None:
    require_tool("elixirc", "Elixir")
    (tmp_path / "shop.ex").write_text(SOURCE, encoding="utf-8")
    ebin = tmp_path / "ebin"
    subprocess.run(
        ["elixirc", str(tmp_path / "shop.ex"), "-o", str(ebin)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    modules = tuple(ModuleName(f"Elixir.Shop.{name}") for name in ("Application", "Cart", "Sup"))
    application = Application(
        name=AppName("shop"), vsn="1", start_type="permanent", description="",
        modules=modules, uses=(), includes=(), registered=(), directory=ebin,
    )  # fmt: skip
    code, warnings = read_application_code(application)
    assert code is not None and warnings == []
    facts = {module.name: module for module in code.modules}

    app = facts[ModuleName("Elixir.Shop.Application")]
    assert app.kind == "application"
    assert app.supervisor is not None and app.supervisor.elixir_inline
    assert app.supervisor.registered_name == "Elixir.Shop.Sup"
    assert [spec.id for spec in app.supervisor.child_specs] == [Atom("cart")]

    cart = facts[ModuleName("Elixir.Shop.Cart")]
    assert cart.kind == "process" and cart.exports_code_change  # use GenServer defines it

    sup = facts[ModuleName("Elixir.Shop.Sup")]
    assert sup.kind == "supervisor" and sup.supervisor is not None
    assert not sup.supervisor.elixir_inline
    assert sup.supervisor.registered_name == "Elixir.Shop.Sup"
    assert [spec.id for spec in sup.supervisor.child_specs] == [Atom("worker")]
