"""The relup file.

``{Vsn, [{UpFromVsn, Descr, Instructions}], [{DownToVsn, Descr, Instructions}]}``.
"""

from __future__ import annotations

from diffing.generated import GENERATED_MARKER
from diffing.term_writer import format_consult_file
from diffing.terms import Term, erl_list, erl_string
from render.relup_terms import script_to_term
from upgrade.relup_builder import Relup, RelupEntry


def marker_line(version: str) -> str:
    """The first line of every file relup writes (without the leading ``%% ``)."""
    return f"{GENERATED_MARKER} {version}"


def relup_to_term(relup: Relup) -> Term:
    return (
        erl_string(relup.vsn),
        erl_list(*(_entry_term(entry) for entry in relup.up)),
        erl_list(*(_entry_term(entry) for entry in relup.down)),
    )


def _entry_term(entry: RelupEntry) -> Term:
    return (erl_string(entry.vsn), entry.description, script_to_term(entry.instructions))


def render_relup(relup: Relup, relup_version: str) -> str:
    """The text of a relup file, as ``file:consult`` and release_handler read it.

    The first line is relup's marker; the second is the ``coding`` comment
    systools writes too (epp looks for it in the first two lines).
    """
    return format_consult_file(
        [relup_to_term(relup)], header_lines=(marker_line(relup_version), "coding: utf-8")
    )
