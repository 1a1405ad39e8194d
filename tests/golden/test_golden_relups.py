"""Golden relups for the bundled examples, compared byte for byte.

Run ``pytest tests/golden --update-golden`` after an intended change and
review the diff of ``tests/golden/*/expected`` like any other code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from relup import __version__
from relup.api import make_relup
from render.relup_file import render_relup

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "shop": (ROOT / "examples/shop/rel-1.0.0", ROOT / "examples/shop/rel-1.1.0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_relup_matches_golden_file(case: str, update_golden: bool) -> None:
    old, new = CASES[case]
    _, relup = make_relup(new, old, erlang_root=None)
    text = render_relup(relup, __version__)
    golden = Path(__file__).parent / case / "expected" / "relup"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.erlang
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_relup_is_what_systools_makes(case: str, systools_oracle: object) -> None:
    """The golden file is not just stable: real systools agrees with it."""
    from diffing.term_reader import read_first_term_file
    from oracle.oracle import RelupBuilt, SystoolsOracle

    assert isinstance(systools_oracle, SystoolsOracle)
    old, new = CASES[case]
    rel = next((new / "releases").glob("*/*.rel"))
    old_rel = next((old / "releases").glob("*/*.rel"))
    path = [*sorted(new.glob("lib/*/ebin")), *sorted(old.glob("lib/*/ebin"))]
    outcome = systools_oracle.make_relup(rel, [old_rel], [old_rel], path=path)
    assert isinstance(outcome, RelupBuilt), outcome
    golden = Path(__file__).parent / case / "expected" / "relup"
    assert read_first_term_file(golden) == outcome.relup
