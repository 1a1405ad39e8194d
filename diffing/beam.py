"""Read what the planner needs from a compiled module (a ``.beam`` file).

A BEAM file is an IFF form: ``FOR1``, the form size, ``BEAM``, then chunks,
each a 4-byte id, a 4-byte size and the data padded to a multiple of four.
``beam_lib:strip`` (relx's prod mode) writes beams gzipped (``1f 8b``);
``beam_lib`` reads those transparently and so do we.  Chunks read:

* ``AtU8`` (or the latin-1 ``Atom`` of old compilers): the atom table, whose
  first atom is the module name (a negative count means compact-encoded
  name lengths, the newer layout);
* ``ExpT`` exports and ``ImpT`` imports, as atom-table indices;
* ``Attr`` (merged per key as ``beam_lib`` does) and ``CInf``, both ETF;
* ``LitT``, only when asked: a zlib stream (raw bytes after a zero size)
  holding a count and size-prefixed terms;
* ``Dbgi``/``Abst`` and ``Docs``: only whether they hold something.

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
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from diffing import etf
from diffing.errors import InputError, TermDecodeError
from diffing.terms import Atom, ErlList, Term, term_order_key

MD5_CHUNKS = ("Atom", "AtU8", "Code", "StrT", "ImpT", "ExpT", "FunT", "LitT", "Meta")
MANDATORY_CHUNKS = ("Code", "StrT", "ImpT", "ExpT")
_READ_CHUNKS = frozenset((*MD5_CHUNKS, "Attr", "CInf", "Dbgi", "Abst", "Docs"))
_GZIP_MAGIC = b"\x1f\x8b"
_FUN_ENTRY_SIZE = 24
_FUN_KEPT_SIZE = 20
_TRIPLE = struct.Struct(">III")
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
    gzipped = data[:2] == _GZIP_MAGIC
    if gzipped:
        data = _gunzip(data, path)
    chunks, chunk_ids = _scan_chunks(data, path)
    atoms = _atom_table(chunks, path)
    budget = etf.MAX_DECOMPRESSED - (len(data) if gzipped else 0)
    attributes = _attributes(chunks.get("Attr"), path)
    return BeamFile(
        module=atoms[0],
        md5=_md5(chunks, path),
        exports=frozenset(
            (atoms[name - 1], arity)
            for name, arity, _ in _index_triples(chunks, "ExpT", atoms, path)
        ),
        imported_modules=tuple(
            sorted(
                {atoms[module - 1] for module, _, _ in _index_triples(chunks, "ImpT", atoms, path)}
            )
        ),
        attributes=attributes,
        vsn=_attribute(attributes, "vsn"),
        behaviours=_behaviours(attributes),
        compile_info=_optional_term(chunks.get("CInf"), "CInf", path),
        literals=_literals(chunks.get("LitT"), path, budget) if literals else None,
        has_debug_info=_has_debug_info(chunks, path),
        has_docs=bool(chunks.get("Docs")),
        chunk_ids=chunk_ids,
        gzipped=gzipped,
        path=path,
    )


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


def _scan_chunks(data: bytes, path: Path | None) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The data of the chunks we read, by id, and every chunk id in file order."""
    if len(data) < 12 or data[:4] != b"FOR1" or data[8:12] != b"BEAM":
        raise TermDecodeError(path, "not a BEAM file: no FOR1...BEAM header")
    end = 8 + int.from_bytes(data[4:8], "big")
    if end > len(data):
        raise _fail(path, "BEAM header", f"form size says {end} bytes, the file has {len(data)}")
    chunks: dict[str, bytes] = {}
    ids: list[str] = []
    for chunk_id, start, size in _chunk_headers(data, end, path):
        ids.append(chunk_id)
        if chunk_id in _READ_CHUNKS:
            if chunk_id in chunks:
                raise _fail(path, f"{chunk_id} chunk", f"appears twice (again at byte {start - 8})")
            chunks[chunk_id] = data[start : start + size]
    return chunks, tuple(ids)


def _chunk_headers(data: bytes, end: int, path: Path | None) -> Iterator[tuple[str, int, int]]:
    position = 12
    while position < end:
        if position + 8 > end:
            raise _fail(path, "BEAM file", f"truncated chunk header at byte {position}")
        chunk_id = data[position : position + 4].decode("latin-1")
        size = int.from_bytes(data[position + 4 : position + 8], "big")
        start = position + 8
        if start + size > end:
            where = f"{chunk_id if chunk_id.isprintable() else repr(chunk_id)} chunk"
            raise _fail(path, where, f"size {size} at byte {position} runs past the end ({end})")
        yield chunk_id, start, size
        # The last chunk may lack its padding; beam_lib accepts that.
        position = start + (size + 3) // 4 * 4


def _atom_table(chunks: dict[str, bytes], path: Path | None) -> tuple[str, ...]:
    """Atom names; index ``i`` of the chunk is ``atoms[i - 1]``."""
    chunk_id, encoding = ("AtU8", "utf-8") if "AtU8" in chunks else ("Atom", "latin-1")
    if chunk_id not in chunks:
        raise TermDecodeError(path, "BEAM file: no atom table (AtU8 or Atom chunk)")
    data = chunks[chunk_id]
    where = f"{chunk_id} chunk"
    if len(data) < 4:
        raise _fail(path, where, f"truncated at byte {len(data)}")
    count = int.from_bytes(data[:4], "big", signed=True)
    if count == 0:
        raise _fail(path, where, "no atoms, so no module name")
    spans = _atom_spans(data, abs(count), count < 0, path, where)
    try:
        return tuple(data[start:end].decode(encoding) for start, end in spans)
    except UnicodeDecodeError as error:
        raise _fail(path, where, f"an atom is not {encoding}") from error


def _atom_spans(
    data: bytes, count: int, compact: bool, path: Path | None, where: str
) -> list[tuple[int, int]]:
    spans = []
    position = 4
    for _ in range(count):
        if position >= len(data):
            raise _fail(path, where, f"truncated at byte {position}")
        if compact:
            size, position = _compact_length(data, position, path, where)
        else:
            size = data[position]
            position += 1
        spans.append((position, position + size))
        position += size
    if position != len(data):
        raise _fail(path, where, f"{len(data)} bytes do not hold exactly {count} atoms")
    return spans


def _compact_length(data: bytes, position: int, path: Path | None, where: str) -> tuple[int, int]:
    # Compact term encoding with tag u: one byte for values below 16, two
    # bytes (3 high bits in the first) below 2048, which covers 255 characters.
    first = data[position]
    if first & 0x07 != 0:
        raise _fail(path, where, f"atom length with tag {first & 0x07} at byte {position}")
    if first & 0x08 == 0:
        return first >> 4, position + 1
    if first & 0x10 or position + 1 >= len(data):
        raise _fail(path, where, f"unsupported atom length encoding at byte {position}")
    return ((first & 0xE0) << 3) | data[position + 1], position + 2


def _index_triples(
    chunks: dict[str, bytes], chunk_id: str, atoms: tuple[str, ...], path: Path | None
) -> list[tuple[int, int, int]]:
    """The rows of ``ExpT`` (function, arity, label) or ``ImpT`` (module,
    function, arity), with 1-based atom indices checked against ``atoms``."""
    where = f"{chunk_id} chunk"
    data = chunks.get(chunk_id)
    if data is None:
        raise _fail(path, "BEAM file", f"no {chunk_id} chunk")
    if len(data) < 4:
        raise _fail(path, where, f"truncated at byte {len(data)}")
    count = int.from_bytes(data[:4], "big")
    if len(data) != 4 + 12 * count:
        raise _fail(path, where, f"{len(data)} bytes do not hold exactly {count} entries")
    rows: list[tuple[int, int, int]] = list(_TRIPLE.iter_unpack(data[4:]))
    atom_columns = 2 if chunk_id == "ImpT" else 1
    for number, row in enumerate(rows):
        for index in row[:atom_columns]:
            if not 1 <= index <= len(atoms):
                at = 4 + 12 * number
                raise _fail(path, where, f"atom index {index} out of range at byte {at}")
    return rows


def _md5(chunks: dict[str, bytes], path: Path | None) -> bytes:
    for chunk_id in MANDATORY_CHUNKS:
        if chunk_id not in chunks:
            raise _fail(path, "BEAM file", f"no {chunk_id} chunk")
    digest = hashlib.md5(usedforsecurity=False)
    for chunk_id in MD5_CHUNKS:
        data = chunks.get(chunk_id)
        if data is not None:
            digest.update(_without_fun_uniq(data) if chunk_id == "FunT" else data)
    return digest.digest()


def _without_fun_uniq(data: bytes) -> bytes:
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


def _optional_term(data: bytes | None, chunk_id: str, path: Path | None) -> Term | None:
    if data is None:
        return None
    return etf.decode_term(data, path=path, context=f"{chunk_id} chunk")


def _attributes(data: bytes | None, path: Path | None) -> Term | None:
    """The attribute list merged as ``beam_lib`` merges it: sorted by key (stably),
    one entry per key, the values of its ``{Key, Value}`` tuples appended."""
    term = _optional_term(data, "Attr", path)
    if term is None:
        return None
    if not isinstance(term, ErlList) or term.tail is not None:
        raise _fail(path, "Attr chunk", "not a list")
    entries = [entry for entry in term.items if isinstance(entry, tuple) and entry]
    if len(entries) != len(term.items):
        raise _fail(path, "Attr chunk", "an attribute is not a tuple")
    try:
        ordered = sorted(entries, key=lambda entry: term_order_key(entry[0]))
        groups = [(key, list(group)) for key, group in groupby(ordered, lambda entry: entry[0])]
    except RecursionError as error:
        raise _fail(path, "Attr chunk", "an attribute key is nested too deeply") from error
    return ErlList(
        tuple(
            (key, _append([entry[1] for entry in group if len(entry) == 2], path))
            for key, group in groups
        )
    )


def _append(values: list[Term], path: Path | None) -> Term:
    # lists:append/1: every value but the last must be a proper list; the last
    # one becomes the tail (so a single value is returned as it is).
    if not values:
        return ErlList()
    items: list[Term] = []
    for value in values[:-1]:
        if not isinstance(value, ErlList) or value.tail is not None:
            raise _fail(path, "Attr chunk", "attribute values of one key are not lists")
        items.extend(value.items)
    return ErlList(tuple(items), values[-1]) if items else values[-1]


def _attribute(attributes: Term | None, name: str) -> Term | None:
    if not isinstance(attributes, ErlList):
        return None
    for entry in attributes.items:
        if isinstance(entry, tuple) and entry[0] == Atom(name):
            return entry[1]
    return None


def _behaviours(attributes: Term | None) -> tuple[str, ...]:
    names: set[str] = set()
    for spelling in ("behaviour", "behavior"):
        value = _attribute(attributes, spelling)
        if isinstance(value, ErlList):
            names.update(item.name for item in value.items if isinstance(item, Atom))
    return tuple(sorted(names))


def _literals(data: bytes | None, path: Path | None, budget: int) -> tuple[Term, ...]:
    if data is None:
        return ()
    where = "LitT chunk"
    if len(data) < 4:
        raise _fail(path, where, f"truncated at byte {len(data)}")
    size = int.from_bytes(data[:4], "big")
    table = data[4:] if size == 0 else _inflate_literals(data, size, budget, path)
    budget -= size
    if len(table) < 4:
        raise _fail(path, where, f"table truncated at byte {len(table)}")
    count = int.from_bytes(table[:4], "big")
    if count > (len(table) - 4) // 5:
        raise _fail(path, where, f"{count} literals cannot fit in {len(table)} bytes")
    literals: list[Term] = []
    position = 4
    for index in range(count):
        if position + 4 > len(table):
            raise _fail(path, where, f"table truncated at byte {position}")
        length = int.from_bytes(table[position : position + 4], "big")
        encoded = table[position + 4 : position + 4 + length]
        if len(encoded) != length:
            raise _fail(path, where, f"literal {index} truncated at byte {len(table)}")
        literals.append(_literal(encoded, index, path, budget))
        budget -= _inflated_size(encoded)
        position += 4 + length
    return tuple(literals)


def _inflate_literals(data: bytes, size: int, budget: int, path: Path | None) -> bytes:
    where = "LitT chunk"
    if size > budget:
        raise _fail(path, where, f"claims {size} bytes, more than the {budget} allowed")
    inflater = zlib.decompressobj()
    try:
        table = inflater.decompress(data[4:], size + 1)
    except zlib.error as error:
        raise _fail(path, where, f"cannot decompress ({error})") from error
    if len(table) != size or not inflater.eof:
        raise _fail(path, where, f"inflates to {len(table)} bytes, not {size}, or is truncated")
    return table


def _literal(encoded: bytes, index: int, path: Path | None, budget: int) -> Term:
    context = f"LitT chunk: literal {index}"
    if encoded[:1] == bytes([etf.VERSION_BYTE]):
        limit = max(budget, 0)
        return etf.decode_term(encoded, path=path, context=context, max_decompressed=limit)
    # Some writers store literals without the version byte.
    return etf.decode_bare_term(encoded, path=path, context=context)


def _inflated_size(encoded: bytes) -> int:
    if encoded[:2] == bytes([etf.VERSION_BYTE, etf.COMPRESSED_TAG]) and len(encoded) >= 6:
        return int.from_bytes(encoded[2:6], "big")
    return 0


def _has_debug_info(chunks: dict[str, bytes], path: Path | None) -> bool:
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
