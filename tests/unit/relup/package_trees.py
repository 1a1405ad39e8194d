"""Release trees shaped like a builder's output, made from the trimmed example trees.

The example trees (examples/shop/rel-*) hold only what reading and planning
need.  A package also carries what the builder writes beside it: the boot
file, vm.args, bin/NAME-VSN, and (for mix releases) files such as
``consolidated/`` under ``releases/VSN/``.  Packaging copies them byte for byte
and never interprets them, so the stand-ins here are short marked texts; real
builds are packaged and installed in tests/live/test_live_package_relx.py.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"
HAND_WRITTEN_APPUP = EXAMPLES / "v2" / "apps" / "shop" / "ebin" / "shop.appup"
OLD_VSN, NEW_VSN = "1.0.0", "1.1.0"
CONSOLIDATED_BEAM = "shop_util.beam"


@dataclass(frozen=True, slots=True)
class Trees:
    old: Path
    new: Path

    @property
    def new_release_dir(self) -> Path:
        return self.new / "releases" / NEW_VSN


def trimmed_trees(base: Path) -> Trees:
    """Plain copies of the example trees (no boot files: not packageable as they are)."""
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", base / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", base / "new")
    return Trees(old, new)


def built_trees(base: Path, hand_written_appup: bool = False) -> Trees:
    """The example trees completed with the files a builder writes."""
    trees = trimmed_trees(base)
    for root, vsn in ((trees.old, OLD_VSN), (trees.new, NEW_VSN)):
        release_dir = root / "releases" / vsn
        (release_dir / "start.boot").write_bytes(f"stand-in boot file {vsn}\n".encode())
        (release_dir / "vm.args").write_text(f"-sname shop\n## {vsn}\n", encoding="utf-8")
        bin_dir = root / "bin"
        bin_dir.mkdir()
        for script in (bin_dir / "shop", bin_dir / f"shop-{vsn}"):
            script.write_text(f'#!/bin/sh\nREL_VSN="{vsn}"\n', encoding="utf-8")
            script.chmod(0o755)
    # mix's consolidated protocols; a real beam (the reader checks it), alike in both.
    beam = trees.new / "lib" / "shop-1.1.0" / "ebin" / CONSOLIDATED_BEAM
    for root, vsn in ((trees.old, OLD_VSN), (trees.new, NEW_VSN)):
        consolidated = root / "releases" / vsn / "consolidated"
        consolidated.mkdir()
        shutil.copy(beam, consolidated)
    env_script = trees.new_release_dir / "env.sh"
    env_script.write_text("#!/bin/sh\n", encoding="utf-8")
    env_script.chmod(0o755)
    if hand_written_appup:
        shutil.copy(HAND_WRITTEN_APPUP, trees.new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup")
    return trees


def tree_digest(root: Path) -> dict[str, str]:
    """Every entry under ``root``: its content digest (files), target (links) and mode."""
    digests = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        mode = oct(path.lstat().st_mode)
        if path.is_symlink():
            digests[relative] = f"link {path.readlink()} {mode}"
        elif path.is_file():
            digests[relative] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {mode}"
        else:
            digests[relative] = f"dir {mode}"
    return digests
