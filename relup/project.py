"""Bare versions: ``relup plan 1.0.0 1.1.0`` inside a rebar3 or mix project.

When OLD or NEW is neither an existing path nor ``ROOT@VSN``, it may be a bare
version: relup looks for a release root holding ``releases/VSN/`` under
``_build/*/rel/`` of the current directory (or of ``--root DIR``, which may
also be a release root itself) and names it ``ROOT@VSN``.
"""

from __future__ import annotations

import re
from pathlib import Path

from diffing.errors import UsageError

_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")


def resolve_release_argument(text: str, root: Path | None = None) -> str:
    """``text`` unchanged, or ``ROOT@VSN`` when it is a bare version of a project release."""
    if Path(text).exists() or "@" in text or not _VERSION.match(text):
        return text
    candidates = _release_roots(root or Path.cwd(), text)
    if not candidates:
        return text  # not a version of this project: let the reader say what is missing
    if len(candidates) > 1:
        listed = ", ".join(str(candidate) for candidate in candidates)
        raise UsageError(
            f"version {text} is in several release roots: {listed}; choose one with --root DIR"
        )
    return f"{candidates[0]}@{text}"


def _release_roots(base: Path, version: str) -> list[Path]:
    if (base / "releases" / version).is_dir():
        return [base]
    return sorted(
        path.parent.parent
        for path in base.glob(f"_build/*/rel/*/releases/{version}")
        if path.is_dir()
    )
