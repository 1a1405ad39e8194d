"""Instructions in plain words, as the HTML review page shows them next to the Erlang form."""

from __future__ import annotations

import pytest
from hypothesis import given

from diffing.terms import Atom, ErlList, erl_list, erl_string
from render.plan_words import Description, describe_instruction
from unit.render.plan_samples import INSTRUCTIONS
from upgrade import instructions as ins


@pytest.mark.parametrize(
    ("instruction", "said"),
    [
        (
            ins.Update("shop_cart", extra=ErlList(), dep_mods=("shop_price",)),
            "Update shop_cart: suspend its processes, load the new code, convert their state "
            "(code_change), resume (after shop_price)",
        ),
        (
            ins.Update("shop_cart"),
            "Update shop_cart: suspend its processes, load the new code, resume",
        ),
        (
            ins.Update("shop_sup", module_type="static", extra=ErlList()),
            "Update supervisor shop_sup: suspend it, load the new code, re-read its child specs, "
            "resume",
        ),
        (
            ins.LoadModule("shop_price", dep_mods=("shop_tax",)),
            "Load shop_price: new code, no process suspended (after shop_tax)",
        ),
        (ins.AddModule("shop_tax"), "Add module shop_tax: load its code"),
        (ins.DeleteModule("shop_legacy"), "Delete module shop_legacy: its code is unloaded"),
        (
            ins.Apply("supervisor", "restart_child", erl_list(Atom("shop_sup"), Atom("mailer"))),
            "Start child mailer under supervisor shop_sup",
        ),
        (
            ins.Apply("supervisor", "terminate_child", erl_list(Atom("shop_sup"), Atom("mailer"))),
            "Stop child mailer of supervisor shop_sup",
        ),
        (
            ins.Apply("supervisor", "delete_child", erl_list(Atom("shop_sup"), erl_string("m"))),
            'Delete child "m" from supervisor shop_sup',
        ),
        (
            ins.Apply("application", "start", erl_list(Atom("audit_log"), Atom("permanent"))),
            "Start application audit_log",
        ),
        (ins.Apply("application", "unload", erl_list(Atom("old"))), "Unload application old"),
        (
            ins.Apply("shop_migrate", "run", erl_list(Atom("up"), 3)),
            "Call shop_migrate:run(up,3)",
        ),
        (
            ins.POINT_OF_NO_RETURN,
            "Point of no return: a failure after this restarts the node on the old release",
        ),
        (
            ins.Suspend((ins.SuspendEntry("shop_cart"), ins.SuspendEntry("shop_db", 5000))),
            "Suspend the processes running shop_cart, shop_db",
        ),
        (
            ins.CodeChange("down", (("shop_cart", ErlList()),)),
            "Convert the state of shop_cart (down): code_change in its processes",
        ),
        (ins.RESTART_NEW_EMULATOR, "Restart the node: on the new emulator (ERTS changed)"),
    ],
)
def test_instructions_are_said_in_plain_words(instruction: ins.Instruction, said: str) -> None:
    assert str(describe_instruction(instruction)) == said


def test_description_parts_are_kept_apart_for_the_page() -> None:
    description = describe_instruction(ins.LoadModule("a", dep_mods=("b", "c")))
    assert description == Description("Load a", "new code, no process suspended", ("b", "c"))


@given(INSTRUCTIONS)
def test_every_instruction_has_words(instruction: ins.Instruction) -> None:
    """Any instruction, of every type and with awkward names, gets a non-empty action."""
    description = describe_instruction(instruction)
    assert description.action.strip()
    assert str(description).startswith(description.action)
