"""relup relup against the real systools:make_relup, on generated release trees.

For every generated scenario the two must agree: the same relup term (entries,
descriptions, every instruction in order) and the same warnings when systools
succeeds; a failure with the same cause when it fails.  Scenarios whose order
systools leaves to VM hash order (reference §4.10) are compared modulo the
permutations OTP itself allows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings

from diffing.errors import ReleaseError, RelupError, TranslationError
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term
from oracle.oracle import ErlangCrash, RelupBuilt, RelupOutcome, SystoolsError, SystoolsOracle
from oracle.release_factory import WrittenRelease, search_path, write_release
from oracle.relup_compare import canonical
from oracle.scenario_strategies import UpgradeScenario, upgrade_scenarios
from relup.api import make_relup
from render.relup_file import relup_to_term
from upgrade.relup_builder import RelupOptions

pytestmark = pytest.mark.erlang


def _write(scenario: UpgradeScenario, root: Path, oracle: SystoolsOracle) -> list[WrittenRelease]:
    releases = [scenario.new, scenario.old] + ([scenario.oldest] if scenario.oldest else [])
    return [write_release(root, release, oracle, compile_beams=False) for release in releases]


def _ours(
    written: list[WrittenRelease], scenario: UpgradeScenario
) -> tuple[Term, Term] | RelupError:
    new, old, *oldest = written
    try:
        _, relup = make_relup(
            new.rel_file,
            old.rel_file,
            also_from=[release.rel_file for release in oldest],
            options=RelupOptions(restart_emulator=scenario.restart_emulator),
        )
    except RelupError as error:
        return error
    warnings = ErlList(tuple(warning.term for warning in reversed(relup.warnings)))
    return relup_to_term(relup), warnings


def _theirs(
    written: list[WrittenRelease], scenario: UpgradeScenario, oracle: SystoolsOracle
) -> RelupOutcome:
    new, old, *oldest = written
    bases = [old.rel_file, *(release.rel_file for release in oldest)]
    return oracle.make_relup(
        new.rel_file,
        bases,
        bases,
        path=search_path(*written),
        restart_emulator=scenario.restart_emulator,
    )


def _tag(term: Term) -> Term:
    return term[0] if isinstance(term, tuple) and term else term


def _describe(outcome: RelupOutcome) -> str:
    if isinstance(outcome, RelupBuilt):
        return "systools succeeded"
    if isinstance(outcome, SystoolsError):
        return f"systools refused: {outcome.module} {_tag(outcome.reason)}"
    return "systools crashed"


def assert_same_outcome(
    ours: tuple[Term, Term] | RelupError, theirs: RelupOutcome, exact: bool
) -> None:
    event(_describe(theirs))
    if isinstance(theirs, RelupBuilt):
        assert not isinstance(ours, RelupError), f"systools succeeded, relup failed: {ours}"
        relup, warnings = ours
        if exact:
            assert relup == theirs.relup, _first_difference(relup, theirs.relup)
        else:
            ours_canonical, theirs_canonical = canonical(relup), canonical(theirs.relup)
            assert ours_canonical == theirs_canonical, _first_difference(
                ours_canonical, theirs_canonical
            )
        assert warnings == theirs.warnings
    elif isinstance(theirs, SystoolsError):
        assert isinstance(ours, RelupError), f"systools failed with {theirs}, relup succeeded"
        if isinstance(ours, TranslationError):
            assert ours.origin == theirs.module, (ours, theirs)
            if theirs.module == "systools_rc":
                assert ours.reason == theirs.reason
            else:
                assert _tag(ours.reason) == _tag(theirs.reason)
        else:
            assert isinstance(ours, ReleaseError) and theirs.module == "systools_make", (
                ours,
                theirs,
            )
    else:
        assert isinstance(theirs, ErlangCrash)
        assert isinstance(ours, TranslationError), f"systools crashed ({theirs}), relup gave {ours}"
        assert ours.reason == (Atom("EXIT"), Atom("crash"))


def _first_difference(ours: Term, theirs: Term) -> str:
    """Where two relup terms first differ, in Erlang syntax, for a readable failure."""
    for direction in (1, 2):
        our_entries, their_entries = ours[direction], theirs[direction]  # type: ignore[index]
        for our_entry, their_entry in zip(our_entries.items, their_entries.items, strict=False):
            if our_entry == their_entry:
                continue
            our_script, their_script = our_entry[2].items, their_entry[2].items
            for index, (mine, systools) in enumerate(zip(our_script, their_script, strict=False)):
                if mine != systools:
                    return (
                        f"{'up' if direction == 1 else 'down'} entry {format_term(our_entry[0])}, "
                        f"instruction {index}:\n relup:    {format_term(mine)}\n"
                        f" systools: {format_term(systools)}\n relup script:\n"
                        f"{format_term(our_entry[2])}\n systools script:\n"
                        f"{format_term(their_entry[2])}"
                    )
            return f"scripts differ in length: {len(our_script)} vs {len(their_script)}"
    return "entries differ"


# Each example costs ~0.1 s (one systools call, one relup run): afford three times
# the profile's example count.
_SETTINGS = settings(
    max_examples=settings.default.max_examples * 3,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    deadline=None,
)


def _compare_on_disk(scenario: UpgradeScenario, oracle: SystoolsOracle, exact: bool) -> None:
    """Write the scenario's trees, run systools and relup on them, compare the outcomes."""
    with tempfile.TemporaryDirectory(prefix="relup-diff-") as directory:
        written = _write(scenario, Path(directory), oracle)
        assert_same_outcome(_ours(written, scenario), _theirs(written, scenario, oracle), exact)


@_SETTINGS
@given(scenario=upgrade_scenarios())
def test_relup_is_term_identical_to_systools(
    scenario: UpgradeScenario, systools_oracle: SystoolsOracle
) -> None:
    _compare_on_disk(scenario, systools_oracle, exact=True)


@_SETTINGS
@given(scenario=upgrade_scenarios(free_dependencies=True))
def test_relup_matches_systools_modulo_free_orders(
    scenario: UpgradeScenario, systools_oracle: SystoolsOracle
) -> None:
    _compare_on_disk(scenario, systools_oracle, exact=False)


@pytest.mark.slow
@settings(_SETTINGS, max_examples=2000)
@given(scenario=upgrade_scenarios())
def test_relup_is_term_identical_to_systools_long_run(
    scenario: UpgradeScenario, systools_oracle: SystoolsOracle
) -> None:
    """The exact differential test with 2,000 scenarios: run with ``-m slow``."""
    _compare_on_disk(scenario, systools_oracle, exact=True)
