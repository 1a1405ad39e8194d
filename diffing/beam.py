"""Read what the planner needs from a compiled module (a ``.beam`` file).

A BEAM file is an IFF form: ``FOR1``, the form size, ``BEAM``, then chunks,
each a 4-byte id, a 4-byte size and the data padded to a multiple of four.
``beam_lib:strip`` (relx's prod mode) writes beams gzipped (``1f 8b``);
``beam_lib`` reads those transparently and so do we.  Chunks read:

* ``AtU8`` (or the latin-1 ``Atom`` of old compilers): the atom table
  (:mod:`diffing.beam_atoms`);
* ``ExpT`` exports and ``ImpT`` imports, as atom-table indices;
* ``Attr`` (merged per key as ``beam_lib`` does) and ``CInf``, both ETF
  (:mod:`diffing.beam_terms`);
* ``LitT``, only when asked: a zlib stream (raw bytes after a zero size)
  holding a count and size-prefixed terms;
* ``Dbgi``/``Abst`` and ``Docs``: only whether they hold something.

:func:`parse_beam` reads all of them.  Planning reads tens of thousands of
beams and needs less: :func:`split_beam` then :func:`beam_code` (no ``CInf``,
no debug-info probe, no merged attribute list), and :func:`beam_literals`
for supervisors only.

The MD5 is ``beam_lib:md5/1``'s, which is also ``Mod:module_info(md5)``: the
data (no headers, no padding) of the chunks ``Atom AtU8 Code StrT ImpT ExpT
FunT LitT Meta`` in that order, those present, with the last four bytes of
each 24-byte ``FunT`` entry (an "old uniq" the compiler derives from this
very MD5) zeroed.  ``Code``, ``StrT``, ``ImpT`` and ``ExpT`` must exist.
A chunk we read that appears twice is refused as malformed.  Decompression
(the whole file, ``LitT``) is capped at :data:`diffing.etf.MAX_DECOMPRESSED`.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from diffing import beam_terms, etf
from diffing.beam_atoms import atom_table
from diffing.errors import InputError, TermDecodeError
from diffing.terms import Atom, Term

MD5_CHUNKS = ("Atom", "AtU8", "Code", "StrT", "ImpT", "ExpT", "FunT", "LitT", "Meta")
MANDATORY_CHUNKS = ("Code", "StrT", "ImpT", "ExpT")
# Every chunk kept when a beam is split (the others are skipped).
READ_CHUNK_IDS = frozenset((*MD5_CHUNKS, "Attr", "CInf", "Dbgi", "Abst", "Docs"))
_READ_CHUNK_NAMES = {name.encode("latin-1"): name for name in READ_CHUNK_IDS}
_GZIP_MAGIC = b"\x1f\x8b"
_FUN_ENTRY_SIZE = 24
_FUN_KEPT_SIZE = 20
_TRIPLE = struct.Struct(">III")
_CHUNK_HEADER = struct.Struct(">4sI")
# Enough for {debug_info_v1, Backend, {none, ...: two atoms of at most 1020 bytes.
_DEBUG_INFO_PREFIX = 2100


@dataclass(frozen=True, slots=True)
class BeamFile:
    """The facts one ``.beam`` file gives.

    ``imported_modules`` are all modules named in ``ImpT``, sorted, ``erlang``
    (BIFs) included.  ``attributes`` is ``beam_lib:chunks(F, [attributes])``'s
    list (one ``{Key, Values}`` per key) or None when ``Attr`` was stripped;
    ``vsn`` is the ``vsn`` entry's value (``[Number]`` unless the source set
    one: ``-vsn("1.0")`` gives ``"1.0"``).  ``behaviours`` joins both
    spellings, sorted, names as written (``Elixir.GenServer`` too).
    ``compile_info`` is the decoded ``CInf`` term; ``literals`` is None
    unless asked for.
    """

    module: str
    md5: bytes
    exports: frozenset[tuple[str, int]]
    imported_modules: tuple[str, ...]
    attributes: Term | None
    vsn: Term | None
    behaviours: tuple[str, ...]
    compile_info: Term | None
    literals: tuple[Term, ...] | None
    has_debug_info: bool
    has_docs: bool
    chunk_ids: tuple[str, ...]
    gzipped: bool
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class BeamChunks:
    """A beam split into chunks, nothing decoded yet: the first step of every read.

    ``chunks`` holds the data of the chunks this module reads (each at most
    once) and ``chunk_ids`` every chunk's id as found; ``literal_budget`` is
    what is left of the decompression cap for ``LitT`` once a gzipped file
    was inflated.
    """

    chunks: Mapping[str, bytes]
    chunk_ids: tuple[bytes, ...]
    gzipped: bool
    literal_budget: int


@dataclass(frozen=True, slots=True)
class BeamCode:
    """What planning needs from a beam: :class:`BeamFile`'s first fields, but
    only whether there are attributes, not the merged list.

    Reading only these skips ``CInf`` and the debug-info probe, and leaves
    the literals to :func:`beam_literals`, asked for supervisors only.
    """

    module: str
    md5: bytes
    exports: frozenset[tuple[str, int]]
    imported_modules: tuple[str, ...]
    has_attributes: bool
    vsn: Term | None
    behaviours: tuple[str, ...]


def read_beam(path: Path, *, literals: bool = False) -> BeamFile:
    """Read a ``.beam`` file (plain or gzipped).

    Args:
        path: the file.
        literals: also decode the literal table (slower; for supervisors).

    Returns:
        The module's facts.

    Raises:
        InputError: the file cannot be read.
        TermDecodeError: the file is not a well-formed BEAM file.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read BEAM file: {error.strerror or error}") from error
    return parse_beam(data, Path(path), literals=literals)


def parse_beam(data: bytes, path: Path | None = None, *, literals: bool = False) -> BeamFile:
    """The facts in ``data``, the bytes of a ``.beam`` file; ``path`` is for messages.

    >>> parse_beam(b"FOR1")
    Traceback (most recent call last):
    ...
    diffing.errors.TermDecodeError: not a BEAM file: no FOR1...BEAM header
    """
    beam = split_beam(data, path)
    code = beam_code(beam, path)
    chunks = beam.chunks
    return BeamFile(
        module=code.module,
        md5=code.md5,
        exports=code.exports,
        imported_modules=code.imported_modules,
        attributes=beam_terms.attributes(chunks.get("Attr"), path),
        vsn=code.vsn,
        behaviours=code.behaviours,
        compile_info=beam_terms.optional_term(chunks.get("CInf"), "CInf", path),
        literals=beam_literals(beam, path) if literals else None,
        has_debug_info=_has_debug_info(chunks, path),
        has_docs=bool(chunks.get("Docs")),
        chunk_ids=tuple(chunk_id.decode("latin-1") for chunk_id in beam.chunk_ids),
        gzipped=beam.gzipped,
        path=path,
    )


def split_beam(data: bytes, path: Path | None = None) -> BeamChunks:
    """Check the IFF layout of ``data`` (inflated first when gzipped) and find its chunks."""
    gzipped = data[:2] == _GZIP_MAGIC
    if gzipped:
        data = _gunzip(data, path)
    chunks, chunk_ids = _scan_chunks(data, path)
    budget = etf.MAX_DECOMPRESSED - (len(data) if gzipped else 0)
    return BeamChunks(chunks, chunk_ids, gzipped, budget)


def beam_code(beam: BeamChunks, path: Path | None = None) -> BeamCode:
    """Decode what planning needs: atoms, attributes, MD5, exports and imports."""
    chunks = beam.chunks
    atoms = atom_table(chunks, path)
    has_attributes, vsn, behaviours = beam_terms.attribute_facts(chunks.get("Attr"), path)
    return BeamCode(
        module=atoms[0],
        md5=_md5(chunks, path),
        exports=_exports(chunks, atoms, path),
        imported_modules=_imported_modules(chunks, atoms, path),
        has_attributes=has_attributes,
        vsn=vsn,
        behaviours=behaviours,
    )


def _exports(
    chunks: Mapping[str, bytes], atoms: tuple[str, ...], path: Path | None
) -> frozenset[tuple[str, int]]:
    rows = _index_rows(chunks, "ExpT", atoms, path)
    return frozenset([(atoms[name - 1], arity) for name, arity, _ in rows])


def _imported_modules(
    chunks: Mapping[str, bytes], atoms: tuple[str, ...], path: Path | None
) -> tuple[str, ...]:
    rows = _index_rows(chunks, "ImpT", atoms, path)
    return tuple(sorted({atoms[module - 1] for module, _, _ in rows}))


def beam_literals(beam: BeamChunks, path: Path | None = None) -> tuple[Term, ...]:
    """The decoded literal table (``LitT``); empty when there is none."""
    return beam_terms.literals(beam.chunks.get("LitT"), path, beam.literal_budget)


def _fail(path: Path | None, where: str, message: str) -> TermDecodeError:
    return TermDecodeError(path, f"{where}: {message}")


def _gunzip(data: bytes, path: Path | None) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        inflated = inflater.decompress(data, etf.MAX_DECOMPRESSED + 1)
    except zlib.error as error:
        raise _fail(path, "gzip data", f"cannot decompress ({error})") from error
    if len(inflated) > etf.MAX_DECOMPRESSED:
        raise _fail(path, "gzip data", f"inflates past {etf.MAX_DECOMPRESSED} bytes")
    if not inflater.eof:
        raise _fail(path, "gzip data", "truncated")
    return inflated


def _scan_chunks(data: bytes, path: Path | None) -> tuple[dict[str, bytes], tuple[bytes, ...]]:
    """The data of the chunks we read, by id, and every chunk id (raw) in file order."""
    if len(data) < 12 or data[:4] != b"FOR1" or data[8:12] != b"BEAM":
        raise TermDecodeError(path, "not a BEAM file: no FOR1...BEAM header")
    end = 8 + int.from_bytes(data[4:8], "big")
    if end > len(data):
        raise _fail(path, "BEAM header", f"form size says {end} bytes, the file has {len(data)}")
    chunks: dict[str, bytes] = {}
    ids: list[bytes] = []
    position = 12
    while position < end:  # one loop, no helper calls: it runs for every chunk of every beam
        if position + 8 > end:
            raise _fail(path, "BEAM file", f"truncated chunk header at byte {position}")
        raw_id, size = _CHUNK_HEADER.unpack_from(data, position)
        start = position + 8
        if start + size > end:
            chunk_id = raw_id.decode("latin-1")
            where = f"{chunk_id if chunk_id.isprintable() else repr(chunk_id)} chunk"
            raise _fail(path, where, f"size {size} at byte {position} runs past the end ({end})")
        ids.append(raw_id)
        read_as = _READ_CHUNK_NAMES.get(raw_id)
        if read_as is not None:
            if read_as in chunks:
                raise _fail(path, f"{read_as} chunk", f"appears twice (again at byte {position})")
            chunks[read_as] = data[start : start + size]
        # The last chunk may lack its padding; beam_lib accepts that.
        position = start + (size + 3) // 4 * 4
    return chunks, tuple(ids)


def _index_rows(
    chunks: Mapping[str, bytes], chunk_id: str, atoms: tuple[str, ...], path: Path | None
) -> list[tuple[int, int, int]]:
    """The rows of ``ExpT`` (function, arity, label) or ``ImpT`` (module,
    function, arity), with 1-based atom indices checked against ``atoms``."""
    data = chunks.get(chunk_id)
    if data is None:
        raise _fail(path, "BEAM file", f"no {chunk_id} chunk")
    if len(data) < 4:
        raise _fail(path, f"{chunk_id} chunk", f"truncated at byte {len(data)}")
    count = int.from_bytes(data[:4], "big")
    if len(data) != 4 + 12 * count:
        message = f"{len(data)} bytes do not hold exactly {count} entries"
        raise _fail(path, f"{chunk_id} chunk", message)
    rows: list[tuple[int, int, int]] = list(_TRIPLE.iter_unpack(data[4:]))
    # Checked a column at a time (min and max run in C); row by row only to name the culprit.
    atom_columns = 2 if chunk_id == "ImpT" else 1
    for column in range(atom_columns if rows else 0):
        indices = [row[column] for row in rows]
        if min(indices) < 1 or max(indices) > len(atoms):
            _raise_bad_index(rows, atom_columns, len(atoms), path, f"{chunk_id} chunk")
    return rows


def _raise_bad_index(
    rows: list[tuple[int, int, int]], atom_columns: int, atoms: int, path: Path | None, where: str
) -> None:
    for number, row in enumerate(rows):
        for index in row[:atom_columns]:
            if not 1 <= index <= atoms:
                at = 4 + 12 * number
                raise _fail(path, where, f"atom index {index} out of range at byte {at}")


def _md5(chunks: Mapping[str, bytes], path: Path | None) -> bytes:
    for chunk_id in MANDATORY_CHUNKS:
        if chunk_id not in chunks:
            raise _fail(path, "BEAM file", f"no {chunk_id} chunk")
    digest = hashlib.md5(usedforsecurity=False)
    for chunk_id in MD5_CHUNKS:
        data = chunks.get(chunk_id)
        if data is not None:
            digest.update(without_fun_uniq(data) if chunk_id == "FunT" else data)
    return digest.digest()


def without_fun_uniq(data: bytes) -> bytes:
    """A ``FunT`` chunk with each entry's old uniq zeroed, as ``beam_lib:md5/1`` hashes it."""
    # The compiler stores part of the module's MD5 as each fun's old uniq
    # value, so the hash must not depend on it: zero it in every whole entry.
    parts = [data[:4]]
    position = 4
    while position + _FUN_ENTRY_SIZE <= len(data):
        parts.append(data[position : position + _FUN_KEPT_SIZE])
        parts.append(bytes(_FUN_ENTRY_SIZE - _FUN_KEPT_SIZE))
        position += _FUN_ENTRY_SIZE
    parts.append(data[position:])
    return b"".join(parts)


def _has_debug_info(chunks: Mapping[str, bytes], path: Path | None) -> bool:
    """Whether ``Dbgi`` (or the older ``Abst``) holds code, not just ``{none, Options}``."""
    if chunks.get("Abst"):
        return True
    data = chunks.get("Dbgi")
    if not data:
        return False
    if data[0] == 0:
        return True  # encrypted debug info: <<0, ModeLength, Mode, Encrypted>>
    start = etf.bare_prefix(data, _DEBUG_INFO_PREFIX, path=path, context="Dbgi chunk")
    context = f"Dbgi chunk (first {len(start)} bytes)"
    if etf.peek_atom(start, (1,), path=path, context=context) != Atom("debug_info_v1"):
        return True
    return etf.peek_atom(start, (3, 1), path=path, context=context) != Atom("none")
