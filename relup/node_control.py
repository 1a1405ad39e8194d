"""Talk to a running release through its own ``bin/NAME`` script.

A release built by relx (rebar3) or by ``mix release`` ships a script that can
run code on the running node: relx's ``bin/NAME eval EXPRS`` (``erl_call -e``)
and mix's ``bin/NAME rpc EXPR`` (Elixir code; mix's ``eval`` boots a new VM,
so it cannot be used).  relup uses that script, so the node's name, cookie and
distribution settings are whatever the release is configured with.

Whatever the builder, the Erlang expression to run travels base64-encoded and
is scanned, parsed and evaluated on the node (``erl_scan``, ``erl_parse``,
``erl_eval``): no quoting survives both shells and ``echo`` otherwise.  The
node formats the value with ``~0tp`` and sends it back base64-encoded after a
marker, and :mod:`diffing.term_reader` reads it.  Values must therefore be
literal terms: expressions turn pids and references into strings themselves.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from diffing.errors import EXIT_FAILED, EXIT_INPUT, InputError, RelupError, one_line
from diffing.release_sources import release_versions
from diffing.term_reader import parse_first_term
from diffing.terms import Term

Builder = Literal["relx", "mix"]

DEFAULT_TIMEOUT = 120.0
REPLY_MARKER = "RELUP-REPLY:"
# How much of a command's output an error message quotes.
_QUOTED_OUTPUT = 400
_REPLY = re.compile(re.escape(REPLY_MARKER) + r"([A-Za-z0-9+/=]*)")


class NodeError(RelupError):
    """The running node cannot be reached, or an expression failed on it."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        self.message = message
        self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        return one_line(self.message)


@dataclass(frozen=True, slots=True)
class ReleaseScript:
    """A release root, its name and the builder whose ``bin/NAME`` it ships."""

    root: Path
    name: str
    builder: Builder

    @property
    def script(self) -> Path:
        return self.root / "bin" / self.name


def detect_builder(script_text: str) -> Builder | None:
    """Which tool wrote a release's ``bin/NAME``, from the commands the script offers.

    >>> detect_builder('case $1 in rpc) exec elixir --rpc-eval "$RELEASE_NODE" "$2";; esac')
    'mix'
    """
    if "--rpc-eval" in script_text:
        return "mix"
    if re.search(r"(?m)^\s*erl_eval\s*\(\)", script_text) or "install_upgrade.escript" in (
        script_text
    ):
        return "relx"
    return None


def find_release_script(root: Path) -> ReleaseScript:
    """The release in ``root`` (one name under ``releases/*/``) and its ``bin/NAME``.

    Raises:
        InputError: ``root`` is not a release root, holds several release names,
            or its ``bin/NAME`` is missing or was written by an unknown tool.
    """
    if not (root / "releases").is_dir():
        raise InputError(root, "not a release root: no releases/ directory")
    names = _release_names(root / "releases")
    if len(names) != 1:
        found = ", ".join(sorted(names)) or "none"
        raise InputError(root / "releases", f"expected one release name, found {found}")
    name = names.pop()
    script = root / "bin" / name
    try:
        text = script.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(script, f"cannot read the release script: {error.strerror}") from None
    builder = detect_builder(text)
    if builder is None:
        raise InputError(script, "not a relx or mix release script (no eval or rpc command)")
    # Absolute: the script runs with the root as its working directory, where a
    # relative root would name some other place.
    return ReleaseScript(root.absolute(), name, builder)


def _release_names(releases: Path) -> set[str]:
    names = set()
    for vsn, rel_files in release_versions(releases).items():
        stems = {rel_file.stem for rel_file in rel_files}
        # unpack_release leaves a copy of the package's NAME-VSN.rel beside NAME.rel.
        names |= {stem for stem in stems if stem.removesuffix(f"-{vsn}") not in stems - {stem}}
    return names


def erlang_driver(expression: str) -> str:
    """The Erlang text relx's ``eval`` runs: evaluate ``expression``, reply in base64."""
    source = f'unicode:characters_to_list(base64:decode("{_encoded(expression)}"))'
    return (
        "RelupReply = try "
        f"{{ok, RelupTokens, _}} = erl_scan:string({source}), "
        "{ok, RelupExprs} = erl_parse:parse_exprs(RelupTokens), "
        "{value, RelupValue, _} = erl_eval:exprs(RelupExprs, erl_eval:new_bindings()), "
        'io_lib:format("ok ~0tp", [RelupValue]) '
        "catch RelupClass:RelupReason -> "
        'io_lib:format("raised ~0tp:~0tp", [RelupClass, RelupReason]) end, '
        f'"{REPLY_MARKER}" ++ base64:encode_to_string(unicode:characters_to_binary(RelupReply)).'
    )


def elixir_driver(expression: str) -> str:
    """The Elixir text mix's ``rpc`` runs: the same evaluation, the reply printed."""
    source = f':unicode.characters_to_list(:base64.decode("{_encoded(expression)}"))'
    return (
        "reply = try do "
        f"{{:ok, tokens, _}} = :erl_scan.string({source}); "
        "{:ok, exprs} = :erl_parse.parse_exprs(tokens); "
        "{:value, value, _} = :erl_eval.exprs(exprs, :erl_eval.new_bindings()); "
        ':io_lib.format(String.to_charlist("ok ~0tp"), [value]) '
        "catch class, reason -> "
        ':io_lib.format(String.to_charlist("raised ~0tp:~0tp"), [class, reason]) end; '
        f'IO.puts("{REPLY_MARKER}" <> :base64.encode(:unicode.characters_to_binary(reply)))'
    )


def _encoded(expression: str) -> str:
    body = expression.strip()
    if not body.endswith("."):
        body += "."
    return base64.b64encode(body.encode("utf-8")).decode("ascii")


def decode_reply(output: str) -> str:
    """The node's reply text (``ok VALUE`` or ``raised CLASS:REASON``) in ``output``.

    Raises:
        NodeError: no reply, or one that is not base64 UTF-8.
    """
    # Long replies may come back split into adjacent string literals: join them.
    joined = re.sub(r'"\s*\n?\s*"', "", output)
    found = _REPLY.findall(joined)
    if not found:
        raise NodeError(f"no reply from the node; it printed: {_quoted(output)}")
    try:
        return base64.b64decode(found[-1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise NodeError(f"unreadable reply from the node: {_quoted(output)}") from None


def reply_value(reply: str, expression: str) -> Term:
    """The term of an ``ok VALUE`` reply; a raised exception becomes a :class:`NodeError`."""
    if reply.startswith("ok "):
        return parse_first_term(reply.removeprefix("ok ") + ".")
    shown = _quoted(expression.strip())
    raise NodeError(f"evaluating {shown} on the node {_quoted(reply)}")


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _QUOTED_OUTPUT else flat[:_QUOTED_OUTPUT] + "..."


@dataclass(frozen=True, slots=True)
class NodeControl:
    """A running node reached through ``bin/NAME`` of ``release``.

    ``environment`` replaces the inherited environment for the script (None:
    inherit it, so that a user's ``RELEASE_COOKIE`` or ``VMARGS_PATH`` apply).
    """

    release: ReleaseScript
    environment: Mapping[str, str] | None = None
    timeout: float = DEFAULT_TIMEOUT

    def evaluate(self, expression: str, timeout: float | None = None) -> Term:
        """The value of the Erlang ``expression`` (comma-separated expressions) on the node.

        Raises:
            NodeError: the script failed, timed out or gave no reply, or the
                expression raised (the message quotes the node's words).
        """
        limit = self.timeout if timeout is None else timeout
        if self.release.builder == "relx":
            arguments = ["eval", erlang_driver(expression)]
        else:
            arguments = ["rpc", elixir_driver(expression)]
        output = self._run(arguments, limit)
        return reply_value(decode_reply(output), expression)

    def _run(self, arguments: list[str], timeout: float) -> str:
        environment = dict(os.environ if self.environment is None else self.environment)
        # relx's erl_call gives up after RELX_RPC_TIMEOUT seconds; keep it within ours.
        environment.setdefault("RELX_RPC_TIMEOUT", str(max(1, int(timeout))))
        script = self.release.script
        try:
            result = subprocess.run(
                [str(script), *arguments],
                cwd=self.release.root,
                env=environment,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NodeError(f"{script} {arguments[0]}: no answer within {timeout:.0f} s") from None
        except OSError as error:
            raise NodeError(f"{script}: cannot run: {error.strerror}", EXIT_INPUT) from None
        if result.returncode != 0:
            output = _quoted(result.stdout + " " + result.stderr)
            raise NodeError(
                f"{script} {arguments[0]} exited {result.returncode} "
                f"(is the node running?): {output}"
            )
        return result.stdout
