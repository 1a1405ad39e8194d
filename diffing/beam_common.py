"""A fast path from a beam's bytes to its module facts, tried before the plain read.

The plain read (:func:`diffing.beam.split_beam`, :func:`diffing.beam.beam_code`,
then the facts in :mod:`diffing.code_reader`) goes through several steps, each
building its own value and checking its own part; a 20,000-module plan runs
it about 23,000 times, and the steps' bookkeeping cost as much as the
decoding.  :func:`common_module_facts` does the same work in one pass for the
usual beam: plain (not gzipped), well formed, with an ``AtU8`` table, an
``Attr`` chunk in the usual shape, and no supervisor to read literals for.

It declines (returns None) at anything else, and wherever the plain read
would raise, so the caller then runs the plain read, which gives the facts
or the error.  The result never depends on which path ran; the property
tests in ``tests/property/test_fast_paths.py`` hold it to that.
"""

from __future__ import annotations

import hashlib
import struct
from typing import cast

from diffing.beam import MD5_CHUNKS, READ_CHUNK_IDS, without_fun_uniq
from diffing.beam_atoms import common_atom_names
from diffing.code_facts import APPLICATION_BEHAVIOURS, SUPERVISOR_BEHAVIOURS, ModuleFacts
from diffing.etf_common import common_attribute_facts
from diffing.release import ModuleName

_CHUNK_HEADER = struct.Struct(">4sI")
_MD5_CHUNK_IDS = tuple(chunk_id.encode("latin-1") for chunk_id in MD5_CHUNKS)
_READ_IDS = frozenset(chunk_id.encode("latin-1") for chunk_id in READ_CHUNK_IDS)


def common_module_facts(data: bytes) -> ModuleFacts | None:
    """The facts of the beam ``data`` as the plain read gives them, or None to run that read.

    None for a gzipped or damaged beam, a latin-1 ``Atom`` table, stripped or
    unusual attributes (behaviours are then inferred), and supervisors (their
    literals are read too).
    """
    chunks = _chunks(data)
    if chunks is None:
        return None
    atom_chunk = chunks.get(b"AtU8")
    imports = chunks.get(b"ImpT")
    exports = chunks.get(b"ExpT")
    attributes = chunks.get(b"Attr")
    if (
        atom_chunk is None
        or imports is None
        or exports is None
        or attributes is None
        or b"Code" not in chunks
        or b"StrT" not in chunks
    ):
        return None
    atoms = common_atom_names(atom_chunk)
    if atoms is None:
        return None
    # Index i of the other chunks is atoms[i - 1]: look up in a table shifted by one.
    by_index = ("", *atoms)
    imported = _atom_columns(imports, by_index, columns=2)
    exported = _atom_columns(exports, by_index, columns=1)
    if imported is None or exported is None:
        return None
    attribute_facts = common_attribute_facts(attributes)
    if attribute_facts is None:
        return None
    vsn, behaviours = attribute_facts
    module = atoms[0]
    called = {by_index[index] for index in set(imported[0::3])}
    if not SUPERVISOR_BEHAVIOURS.isdisjoint(behaviours):
        return None
    if "Elixir.Supervisor" in called and not APPLICATION_BEHAVIOURS.isdisjoint(behaviours):
        return None  # an Elixir application starting an inline supervisor: literals too
    called.discard(module)
    return ModuleFacts(
        name=ModuleName(module),
        md5=_md5(chunks),
        vsn=vsn,
        behaviours=behaviours,
        behaviours_inferred=False,
        exports=frozenset(
            zip(map(by_index.__getitem__, exported[0::3]), exported[1::3], strict=True)
        ),
        calls=cast(tuple[ModuleName, ...], tuple(sorted(called))),
    )


def _chunks(data: bytes) -> dict[bytes, bytes] | None:
    """The chunks the plain read keeps, by raw id; None where it would refuse the layout."""
    if data[:4] != b"FOR1" or data[8:12] != b"BEAM":
        return None  # also a gzipped beam: the plain read inflates it
    end = 8 + int.from_bytes(data[4:8], "big")
    if end > len(data):
        return None
    chunks: dict[bytes, bytes] = {}
    unpack = _CHUNK_HEADER.unpack_from
    position = 12
    while position < end:
        if position + 8 > end:
            return None
        raw_id, size = unpack(data, position)
        start = position + 8
        stop = start + size
        if stop > end:
            return None
        if raw_id in _READ_IDS:
            if raw_id in chunks:
                return None  # twice: the plain read says so
            chunks[raw_id] = data[start:stop]
        position = start + (size + 3) // 4 * 4
    return chunks


def _atom_columns(table: bytes, by_index: tuple[str, ...], columns: int) -> tuple[int, ...] | None:
    """An ``ImpT`` or ``ExpT`` chunk's rows flattened (three numbers a row), when the
    first ``columns`` of every row are atom indices in range; else None."""
    count = int.from_bytes(table[:4], "big")
    if len(table) < 4 or len(table) != 4 + 12 * count:
        return None
    numbers: tuple[int, ...] = struct.unpack(f">{3 * count}I", table[4:])
    for column in range(columns if count else 0):
        indices = numbers[column::3]
        if min(indices) < 1 or max(indices) >= len(by_index):
            return None
    return numbers


def _md5(chunks: dict[bytes, bytes]) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    for chunk_id in _MD5_CHUNK_IDS:
        data = chunks.get(chunk_id)
        if data is not None:
            digest.update(without_fun_uniq(data) if chunk_id == b"FunT" else data)
    return digest.digest()
