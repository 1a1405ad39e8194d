"""Fuzz targets: relup's readers fed random and mutated real inputs.

Shared by the CI fuzz tests (``test_fuzz_inputs.py``, a small derandomized
profile) and the long run (``scripts/fuzz_long.py``).  Each target is a
strategy of inputs and a check that runs one input and asserts the robustness
contract: the reader returns, or raises a ``RelupError`` whose message is one
line naming the file (a term syntax error may add its source line and a caret
line); nothing else escapes (no IndexError, RecursionError, UnicodeError,
zlib.error, struct.error...).

Mutations start from real files: the example releases' ``.rel``, ``.app``,
``sys.config`` and beams, the hand-written appup and the golden relup
(``seeds(long=True)`` adds the installed OTP's ``.app``/``.appup`` files and a
sample of its beams).
"""

from __future__ import annotations

import atexit
import functools
import gzip
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import strategies as st

from diffing.beam import parse_beam
from diffing.beam_common import common_module_facts
from diffing.errors import RelupError, TermSyntaxError
from diffing.etf import bare_prefix, decode_bare_term, decode_term
from diffing.release import Release
from diffing.release_reader import load_release
from diffing.supervisor_specs import supervisor_facts
from diffing.term_reader import parse_first_term, parse_terms
from diffing.term_tokens import decode_source
from diffing.term_writer import format_term
from diffing.terms import ErlList, ErlMap, Term
from property.term_strategies import exact
from unit.diffing.etf_samples import VALID
from upgrade.relup_builder import BaseRelease, build_relup

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "shop"
HAND_WRITTEN_APPUP = EXAMPLES / "v2" / "apps" / "shop" / "ebin" / "shop.appup"
OTP_LIB = Path("/usr/lib/erlang/lib")
INPUT_PATH = Path("fuzz") / "input"

Data = TypeVar("Data", str, bytes)


# --- seed corpora ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    texts: tuple[str, ...]
    beams: tuple[bytes, ...]
    external_terms: tuple[bytes, ...]


@functools.cache
def seeds(long: bool = False) -> Seeds:
    """Real inputs to mutate; ``long`` adds OTP's files (when installed)."""
    text_files = sorted(EXAMPLES.glob("rel-*/releases/*/*"))
    text_files += sorted(EXAMPLES.glob("rel-*/lib/*/ebin/*.app"))
    text_files += [HAND_WRITTEN_APPUP, ROOT / "tests/golden/shop/expected/relup"]
    beam_files = sorted(EXAMPLES.glob("rel-1.1.0/lib/*/ebin/*.beam"))
    if long and OTP_LIB.is_dir():
        text_files += sorted(OTP_LIB.glob("*/ebin/*.app")) + sorted(OTP_LIB.glob("*/ebin/*.appup"))
        otp_beams = sorted(path for path in OTP_LIB.glob("*/ebin/*.beam"))
        beam_files += random.Random(25).sample(otp_beams, min(150, len(otp_beams)))
    texts = tuple(path.read_text(encoding="utf-8") for path in text_files if path.is_file())
    beams = tuple(_plain_beam(path.read_bytes()) for path in beam_files)
    chunks = tuple(chunk for beam in beams for chunk in _etf_chunks(beam))
    return Seeds(texts, beams, tuple(encoding for _, encoding, _ in VALID) + chunks)


def _plain_beam(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _etf_chunks(beam: bytes) -> list[bytes]:
    """The external-term chunks (Attr, CInf) of a well-formed beam."""
    found = []
    position = 12
    while position + 8 <= len(beam):
        chunk_id = beam[position : position + 4]
        size = int.from_bytes(beam[position + 4 : position + 8], "big")
        if chunk_id in (b"Attr", b"CInf"):
            found.append(beam[position + 8 : position + 8 + size])
        position += 8 + (size + 3) // 4 * 4
    return found


# --- mutations -------------------------------------------------------------------------------

# Fragments that steer the reader into its corners: brackets, separators,
# quotes, escapes, number bases, comments, deep nesting, odd code points.
TEXT_FRAGMENTS = (
    "{", "}", "[", "]", "|", ",", ". ", ".", "'", '"', "$", "\\", "#{", "=>", "<<", ">>",
    "1.0e", "16#", "36#z", "2#102", "-", "+", "%", "\n", "\t", "\x00", "\x0b", "\x1b[31m",
    "\ufeff", "\ud7ff", "\U0010ffff", "'\\x{", "\\x{110000}", "$\\", "fun", "X", "_",
    "[" * 1100, "{" * 600, "#{" + "[" * 700, "%% coding: latin-1\n", "1e309", "<<1:7>>",
    "<<\"é\"/utf8>>",
)  # fmt: skip
INTERESTING_SIZES = (0, 1, 2, 4, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF)


def _fragments_of_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TEXT_FRAGMENTS), st.text(max_size=8))


def _fragments_of_bytes() -> st.SearchStrategy[bytes]:
    sizes = st.sampled_from(INTERESTING_SIZES).map(lambda size: size.to_bytes(4, "big"))
    tags = st.integers(70, 120).map(lambda tag: bytes([tag]))
    return st.one_of(sizes, tags, st.binary(max_size=8))


@st.composite
def _mutated(
    draw: st.DrawFn,
    originals: Sequence[Data],
    fragments: st.SearchStrategy[Data],
    max_edits: int,
) -> Data:
    data = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(1, max_edits))):
        data = _edit(draw, data, fragments)
    return data


def _edit(draw: st.DrawFn, data: Data, fragments: st.SearchStrategy[Data]) -> Data:
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, min(len(data), start + 16)))
    operation = draw(st.sampled_from(("delete", "insert", "replace", "repeat", "cut", "flip")))
    if operation == "delete":
        return data[:start] + data[end:]
    if operation in ("insert", "replace"):
        kept = start if operation == "insert" else end
        return data[:start] + draw(fragments) + data[kept:]
    if operation == "repeat":
        return data[:end] + data[start:end] * draw(st.integers(1, 50)) + data[end:]
    if operation == "cut":
        return data[:start]
    if isinstance(data, bytes) and start < len(data):
        flipped = data[start] ^ (1 << draw(st.integers(0, 7)))
        return data[:start] + bytes([flipped]) + data[start + 1 :]
    return data


def mutated_texts(long: bool = False, max_edits: int = 4) -> st.SearchStrategy[str]:
    return _mutated(seeds(long).texts, _fragments_of_text(), max_edits)


def mutated_bytes(originals: Sequence[bytes], max_edits: int = 4) -> st.SearchStrategy[bytes]:
    gzipped = st.sampled_from(originals).map(gzip.compress)
    return st.one_of(
        _mutated(originals, _fragments_of_bytes(), max_edits),
        _mutated([*originals[:4]], _fragments_of_bytes(), max_edits).map(gzip.compress),
        gzipped.flatmap(lambda data: _mutated([data], _fragments_of_bytes(), max_edits)),
        st.binary(max_size=256),
    )


# --- the contract ----------------------------------------------------------------------------


def assert_reported(error: RelupError, names: Sequence[Path]) -> None:
    """One ``relup: error:`` line naming one of ``names`` (plus source and caret lines)."""
    lines = str(error).splitlines()
    if isinstance(error, TermSyntaxError) and len(lines) == 3:
        assert lines[2].strip() == "^", str(error)
    else:
        assert len(lines) == 1, str(error)
    assert any(str(name) in lines[0] for name in names), (str(error), names)


def _depth(term: Term) -> int:
    deepest = 0
    pending: list[tuple[Term, int]] = [(term, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(current, tuple):
            pending.extend((item, depth + 1) for item in current)
        elif isinstance(current, ErlList):
            pending.extend((item, depth + 1) for item in current.items)
        elif isinstance(current, ErlMap):
            pending.extend((value, depth + 1) for _, value in current.entries)
    return deepest


def check_term_text(text: str) -> None:
    """parse_terms/parse_first_term: a RelupError, or terms that write and read back."""
    try:
        terms = parse_terms(text, INPUT_PATH)
    except RelupError as error:
        assert_reported(error, [INPUT_PATH])
        terms = None
    try:
        first = parse_first_term(text, INPUT_PATH)
    except RelupError as error:
        assert_reported(error, [INPUT_PATH])
        return
    if _depth(first) >= 200:
        return  # exact() below recurses; the reader itself was the target
    if terms:  # the first term reads the same either way
        assert exact(first) == exact(terms[0])
    assert exact(parse_first_term(format_term(first) + ".")) == exact(first)


def check_term_bytes(data: bytes) -> None:
    """A term file's bytes, decoded as its coding comment says, then read."""
    try:
        text = decode_source(data, INPUT_PATH)
    except RelupError as error:
        assert_reported(error, [INPUT_PATH])
        return
    check_term_text(text)


def check_external_term(data: bytes) -> None:
    """The ETF decoder, versioned and bare, and the prefix inflater."""
    decoders: tuple[Callable[[], object], ...] = (
        lambda: decode_term(data, path=INPUT_PATH),
        lambda: decode_term(data, path=INPUT_PATH, max_decompressed=4096),
        lambda: decode_bare_term(data, path=INPUT_PATH),
        lambda: bare_prefix(data, 64, path=INPUT_PATH),
    )
    for decode in decoders:
        try:
            decode()
        except RelupError as error:
            assert_reported(error, [INPUT_PATH])


def check_beam(data: bytes) -> None:
    """parse_beam with literals, and child specs read from them; planning's one-pass
    reader (``diffing.beam_common``) too, which declines rather than raise (that it
    reads what the plain read reads is ``test_fast_paths``'s)."""
    common_module_facts(data)
    try:
        beam = parse_beam(data, INPUT_PATH, literals=True)
    except RelupError as error:
        assert_reported(error, [INPUT_PATH])
        return
    supervisor_facts(beam.literals or (), beam.module)


# --- releases with a mutated file ------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseTrees:
    old: Release
    new_root: Path

    @property
    def files(self) -> tuple[Path, ...]:
        """The files a mutation may replace: the .rel, every .app, the appup."""
        rel = self.new_root / "releases" / "1.1.0" / "shop.rel"
        return (rel, *sorted(self.new_root.glob("lib/*/ebin/*.app*")))


@functools.cache
def release_trees() -> ReleaseTrees:
    """A private copy of the example releases (removed at exit), shop's appup put in."""
    base = Path(tempfile.mkdtemp(prefix="relup-fuzz-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", base / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", base / "new")
    shutil.copy(HAND_WRITTEN_APPUP, new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup")
    return ReleaseTrees(load_release(old, erlang_root=None), new)


def release_mutations(max_edits: int = 4) -> st.SearchStrategy[tuple[int, str]]:
    """Which file of the tree to replace (an index into ``files``) and its new text."""
    trees = release_trees()
    return st.integers(0, len(trees.files) - 1).flatmap(
        lambda index: st.tuples(
            st.just(index),
            _mutated(
                [trees.files[index].read_text(encoding="utf-8")],
                _fragments_of_text(),
                max_edits,
            ),
        )
    )


def check_release(mutation: tuple[int, str]) -> None:
    """load_release on the tree with one file replaced, then its relup from 1.0.0."""
    trees = release_trees()
    index, text = mutation
    target = trees.files[index]
    original = target.read_bytes()
    target.write_text(text, encoding="utf-8")
    try:
        new = load_release(trees.new_root, erlang_root=None)
        base = BaseRelease(trees.old)
        build_relup(new, [base], [base])
    except RelupError as error:
        rel = trees.new_root / "releases" / "1.1.0" / "shop.rel"
        assert_reported(error, [target, rel])
    finally:
        target.write_bytes(original)


# --- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    inputs: st.SearchStrategy[Any]
    check: Callable[[Any], None]


def fuzz_targets(long: bool = False) -> tuple[FuzzTarget, ...]:
    corpus = seeds(long)
    return (
        FuzzTarget("term-reader", st.one_of(mutated_texts(long), st.text()), check_term_text),
        FuzzTarget(
            "term-bytes",
            mutated_bytes([text.encode() for text in corpus.texts[:20]]),
            check_term_bytes,
        ),
        FuzzTarget("etf-decoder", mutated_bytes(corpus.external_terms), check_external_term),
        FuzzTarget("beam-reader", mutated_bytes(corpus.beams), check_beam),
        FuzzTarget("release-reader", release_mutations(), check_release),
    )
