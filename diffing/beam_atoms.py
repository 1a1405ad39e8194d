"""The atom table of a beam (``AtU8``, or the latin-1 ``Atom`` of old compilers).

A count, then each atom's length and bytes; index ``i`` of the other chunks
is ``atoms[i - 1]`` and the first atom is the module name.  A negative count
means the lengths are compact-encoded (tag ``u``), the layout of OTP 26 on.
The usual tables are read in one loop; anything unusual or damaged goes
through the span reader, which says exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from diffing.errors import TermDecodeError


def _fail(path: Path | None, where: str, message: str) -> TermDecodeError:
    return TermDecodeError(path, f"{where}: {message}")


def atom_table(chunks: Mapping[str, bytes], path: Path | None) -> tuple[str, ...]:
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
    if count > 0:
        names = _atom_names(data, count, encoding)
    else:
        names = _compact_atom_names(data, -count, encoding)
    if names is not None:
        return names
    spans = _atom_spans(data, abs(count), count < 0, path, where)
    try:
        return tuple(data[start:end].decode(encoding) for start, end in spans)
    except UnicodeDecodeError as error:
        raise _fail(path, where, f"an atom is not {encoding}") from error


def common_atom_names(data: bytes) -> tuple[str, ...] | None:
    """The names of an ``AtU8`` chunk in either usual layout, as :func:`atom_table` gives
    them; None for anything else (an empty or damaged table), which that function reports."""
    count = int.from_bytes(data[:4], "big", signed=True)
    if len(data) < 4 or count == 0:
        return None
    if count > 0:
        return _atom_names(data, count, "utf-8")
    return _compact_atom_names(data, -count, "utf-8")


def _atom_names(data: bytes, count: int, encoding: str) -> tuple[str, ...] | None:
    """The usual layout (a length byte per atom) read in one loop; None when
    anything is wrong, for :func:`_atom_spans` to say what."""
    names = []
    position = 4
    try:
        for _ in range(count):
            end = position + 1 + data[position]
            names.append(data[position + 1 : end].decode(encoding))
            position = end
    except (IndexError, UnicodeDecodeError):
        return None
    return tuple(names) if position == len(data) else None


def _compact_atom_names(data: bytes, count: int, encoding: str) -> tuple[str, ...] | None:
    """The newer layout (OTP 26 on: compact-encoded lengths) in one loop; None when
    anything is unusual or wrong, for :func:`_atom_spans` to say what."""
    names = []
    position = 4
    try:
        for _ in range(count):
            first = data[position]
            if first & 0x0F == 0:  # one byte: length below 16
                start = position + 1
                end = start + (first >> 4)
            elif first & 0x1F == 0x08:  # two bytes
                start = position + 2
                end = start + ((first & 0xE0) << 3 | data[position + 1])
            else:
                return None
            names.append(data[start:end].decode(encoding))
            position = end
    except (IndexError, UnicodeDecodeError):
        return None
    return tuple(names) if position == len(data) else None


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
