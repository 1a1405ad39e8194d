"""A release root shaped like rebar3's after two builds, made from the example trees.

Enough for the parts of install and rehearse that read a root (its script,
versions, start_erl.data, RELEASES); it cannot boot: the scripts are
stand-ins that relx detection recognises, and ERTS is an empty directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"
RELX_SCRIPT = '#!/bin/sh\nREL_VSN="{vsn}"\nerl_eval() {{\n    :\n}}\n'


def shared_root(base: Path) -> Path:
    """Both example versions in one root, as rebar3 leaves _build/prod/rel/shop after two builds."""
    root = base / "shop"
    shutil.copytree(EXAMPLES / "rel-1.0.0", root)
    shutil.copytree(EXAMPLES / "rel-1.1.0", root, dirs_exist_ok=True)
    (root / "erts-13.1.5" / "bin").mkdir(parents=True)
    (root / "bin").mkdir()
    for name, vsn in (("shop", "1.1.0"), ("shop-1.0.0", "1.0.0"), ("shop-1.1.0", "1.1.0")):
        (root / "bin" / name).write_text(RELX_SCRIPT.format(vsn=vsn))
    (root / "releases" / "start_erl.data").write_text("13.1.5 1.1.0")
    (root / "releases" / "RELEASES").write_text(
        '[{release,"shop","1.1.0","13.1.5",[{kernel,"8.5.3","./lib/kernel-8.5.3"}],permanent}].\n'
    )
    (root / "log").mkdir()
    (root / "log" / "erlang.log.1").write_text("old run\n")
    return root
