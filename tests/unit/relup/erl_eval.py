"""Evaluate relup's node queries in a plain ``erl``, as a running node would.

The query text is passed in the environment (no quoting to get wrong), run
with ``erl_eval`` after ``setup`` (more expressions, e.g. loading modules or
starting sasl), and its value printed with ``~0tp`` and read back with
``diffing.term_reader``: exactly what :mod:`relup.node_control` does on a node.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from diffing.term_reader import parse_first_term
from diffing.terms import Term

_PROGRAM = (
    "Run = fun(Name) -> {ok, T, _} = erl_scan:string(os:getenv(Name)), "
    "{ok, E} = erl_parse:parse_exprs(T), {value, V, _} = erl_eval:exprs(E, []), V end, "
    'Run("RELUP_SETUP"), io:format("~0tp.~n", [Run("RELUP_QUERY")]), halt().'
)


def evaluate_in_erl(query: str, setup: str = "ok", arguments: Sequence[str] = ()) -> Term:
    """The value of the Erlang expressions ``query`` in a fresh ``erl`` (after ``setup``)."""
    environment = {
        **os.environ,
        "RELUP_SETUP": setup.strip().removesuffix(".") + ".",
        "RELUP_QUERY": query.strip().removesuffix(".") + ".",
    }
    result = subprocess.run(
        ["erl", "-noshell", *arguments, "-eval", _PROGRAM],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return parse_first_term(result.stdout)
